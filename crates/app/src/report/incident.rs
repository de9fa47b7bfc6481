//! The incident report (故障处理报告, seed 000 §3.3.7: filled in by the engineer and filed with
//! the hospital; GLOSSARY: the service report that closes the case): the facts, the timeline,
//! cause, action and prevention, how each SLA clock went, who on the hospital side confirmed and
//! when, and the satisfaction rating — as words for the printable page and as a Word document.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use yunwei_domain::contract::ClockKind;
use yunwei_domain::id::IncidentId;
use yunwei_domain::servicedesk::{Channel, EventKind, Status};

use super::docx::{self as word, TableRow, cell, head_cell, heading, para, table};
use crate::access::ProjectAccess;
use crate::actor::Actor;
use crate::incident::Event;
use crate::{App, AppError};

/// Everything the report shows, already in words.
pub struct IncidentReport {
    pub hospital: String,
    pub vendor: String,
    pub project: String,
    pub number: String,
    pub title: String,
    pub facts: Vec<(&'static str, String)>,
    pub description: String,
    /// (time, what, who, detail)
    pub timeline: Vec<(String, String, String, String)>,
    pub cause: String,
    pub action: String,
    pub prevention: String,
    /// (clock, due, stopped, result)
    pub clocks: Vec<(String, String, String, String)>,
    pub confirmed_by: String,
    pub confirmed_at: String,
    pub rating: String,
    pub rating_comment: String,
    pub generated: String,
}

/// A time as the reports print it, in the project's zone, to the minute.
fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The report of incident `id` of the project the caller was authorised for (`access`); an
/// incident of another project is not found.
pub async fn incident(
    app: &App,
    actor: &Actor,
    access: &ProjectAccess,
    id: IncidentId,
) -> Result<IncidentReport, AppError> {
    let v = crate::incident::get(app, actor, id).await?;
    if v.row.project_id != access.project.id {
        return Err(AppError::NotFound(format!("故障 {id} 不存在")));
    }
    let p = &access.project;
    let tz = yunwei_domain::time::project_tz(&p.timezone);
    let terms = crate::terms::current(app, p.id).await?;
    let contract = &terms.contract;
    let row = &v.row;
    let sev = contract
        .severities
        .get(&row.severity)
        .map(|s| format!("{} {}", row.severity, s.name))
        .unwrap_or_else(|| row.severity.clone());
    let last = |k: EventKind| v.events.iter().rev().find(|e| e.kind == k.code());
    let resolve = last(EventKind::Resolve);
    let resolved = |k: &str| resolve.map(|e| e.text(k).to_owned()).unwrap_or_default();
    let confirm = last(EventKind::Confirm);
    let rate = last(EventKind::Rate);
    let facts = vec![
        ("故障编号", row.number.clone()),
        ("故障级别", sev),
        ("当前状态", Status::parse(&row.status).map(Status::label).unwrap_or("—").to_owned()),
        ("报障渠道", Channel::parse(&row.channel).map(Channel::label).unwrap_or("—").to_owned()),
        ("报障时间", local(row.reported_at, tz)),
        ("报障人", row.reporter_name.clone().unwrap_or_default()),
        ("报障科室", row.department.clone().unwrap_or_else(|| "—".into())),
        ("涉及设备/系统", if row.ci.is_empty() { "—".into() } else { row.ci.join("、") }),
        ("处理工程师", row.assignee_name.clone().unwrap_or_else(|| "—".into())),
    ];
    let timeline = v
        .events
        .iter()
        .filter(|e| e.kind != EventKind::Rate.code())
        .map(|e: &Event| {
            let detail = match e.kind.as_str() {
                "reclassify" => format!("{} → {}", e.text("from"), e.text("severity")),
                "assign" => format!("派给{}", e.text("assignee_name")),
                _ => String::new(),
            };
            let note =
                if detail.is_empty() { e.note.clone() } else { format!("{detail} {}", e.note).trim().to_owned() };
            (
                local(e.at, tz),
                EventKind::parse(&e.kind).map(EventKind::label).unwrap_or("事件").to_owned(),
                e.actor.clone(),
                note,
            )
        })
        .collect();
    let clocks = ClockKind::ALL
        .iter()
        .filter_map(|k| v.clocks.get(k).map(|c| (k, c)))
        .map(|(k, c)| match c {
            None => (k.label().to_owned(), "—".into(), "—".into(), "未发生".into()),
            Some(c) => (
                k.label().to_owned(),
                local(c.due, tz),
                c.stopped_at.map(|t| local(t, tz)).unwrap_or_else(|| "—".into()),
                match c.met {
                    Some(true) => "达标".into(),
                    Some(false) => "超时".into(),
                    None => "进行中".into(),
                },
            ),
        })
        .collect();
    let rating = rate.map(|e| e.number("score").unwrap_or_default());
    Ok(IncidentReport {
        hospital: contract.project.hospital.clone(),
        vendor: contract.project.vendor.clone(),
        project: p.name.clone(),
        number: row.number.clone(),
        title: row.title.clone(),
        facts,
        description: row.description.clone(),
        timeline,
        cause: resolved("cause"),
        action: resolved("action"),
        prevention: resolved("prevention"),
        clocks,
        confirmed_by: confirm.map(|e| e.actor.clone()).unwrap_or_default(),
        confirmed_at: confirm.map(|e| local(e.at, tz)).unwrap_or_default(),
        rating: rating.map(|n| format!("{n} 分（满分 5 分）")).unwrap_or_default(),
        rating_comment: rate.map(|e| e.note.clone()).unwrap_or_default(),
        generated: local(app.now(), tz),
    })
}

impl IncidentReport {
    /// The report as a Word document.
    pub fn to_docx(&self) -> Result<Vec<u8>, String> {
        let r = self;
        let mut doc = word::document("故障处理报告", &format!("{}　{}", r.project, r.number), &r.hospital, &r.vendor);
        let mut facts: Vec<TableRow> =
            r.facts.iter().map(|(k, v)| TableRow::new(vec![head_cell(k), cell(v)])).collect();
        facts.insert(0, TableRow::new(vec![head_cell("故障现象"), cell(&r.title)]));
        if !r.description.is_empty() {
            facts.push(TableRow::new(vec![head_cell("详细描述"), cell(&r.description)]));
        }
        doc = doc.add_table(table(facts).set_grid(vec![2200, 6800]));
        doc = doc.add_paragraph(heading("处理过程"));
        let mut tl =
            vec![TableRow::new(vec![head_cell("时间"), head_cell("事项"), head_cell("人员"), head_cell("说明")])];
        tl.extend(r.timeline.iter().map(|(t, w, a, n)| TableRow::new(vec![cell(t), cell(w), cell(a), cell(n)])));
        doc = doc.add_table(table(tl).set_grid(vec![1900, 1600, 1500, 4000]));
        doc = doc.add_paragraph(heading("原因与措施"));
        let cap = vec![
            TableRow::new(vec![head_cell("故障原因"), cell(&r.cause)]),
            TableRow::new(vec![head_cell("处理措施"), cell(&r.action)]),
            TableRow::new(vec![head_cell("预防措施"), cell(&r.prevention)]),
        ];
        doc = doc.add_table(table(cap).set_grid(vec![2200, 6800]));
        doc = doc.add_paragraph(heading("服务时限"));
        let mut cl =
            vec![TableRow::new(vec![head_cell("时限"), head_cell("要求"), head_cell("实际"), head_cell("结果")])];
        cl.extend(r.clocks.iter().map(|(k, d, s, m)| TableRow::new(vec![cell(k), cell(d), cell(s), cell(m)])));
        doc = doc.add_table(table(cl).set_grid(vec![1800, 2600, 2600, 2000]));
        doc = doc.add_paragraph(heading("医院确认"));
        let confirm = vec![
            TableRow::new(vec![
                head_cell("确认人"),
                cell(&r.confirmed_by),
                head_cell("确认时间"),
                cell(&r.confirmed_at),
            ]),
            TableRow::new(vec![head_cell("满意度"), cell(&r.rating), head_cell("意见"), cell(&r.rating_comment)]),
        ];
        doc = doc.add_table(table(confirm).set_grid(vec![1600, 2900, 1600, 2900]));
        doc = doc.add_paragraph(para(&format!("生成时间：{}", r.generated)));
        word::pack(doc)
    }
}
