//! The report of a plan's period (巡检报告 per quarter, seed 003 1.1.6.2.5: the problems found,
//! their causes, impact, recommendations and risks): a printable page and a Word document with
//! the period's inspections and how their reports went, every abnormal answer with its incident,
//! and the text each inspection's report has written.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::authorize;
use yunwei_app::inspection::REPORT_FIELDS;
use yunwei_domain::id::PlanId;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{Period, Status, Verdict};

use super::executions::{met_view, number_text, reasons};
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::contract::ui::parties;
use crate::ui::docx::{docx_download, word};
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::time::local;
use crate::ui::time::tz_of;

/// One inspection of the period.
pub struct Line {
    pub id: i64,
    pub number: String,
    pub ci: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub done_at: String,
    pub abnormal: usize,
    pub due: String,
    pub issued: String,
    pub met: &'static str,
    pub met_class: &'static str,
}

/// An abnormal answer.
pub struct Finding {
    pub inspection_id: i64,
    pub number: String,
    pub ci: String,
    pub section: String,
    pub item: String,
    pub note: String,
    pub value: String,
    /// (id, number) of its incident when it became one in this project.
    pub incident: Option<(i64, String)>,
}

/// What one inspection's report says: only the fields written.
pub struct Written {
    pub number: String,
    pub ci: String,
    pub fields: Vec<(&'static str, String)>,
}

/// Everything the report shows, already in words.
pub struct Report {
    pub hospital: String,
    pub vendor: String,
    pub project: String,
    pub plan_id: i64,
    pub plan: String,
    pub cycle: &'static str,
    pub period: String,
    /// (code, label) of every period the plan has inspections for, latest first.
    pub periods: Vec<(String, String)>,
    pub done: usize,
    pub overdue: usize,
    pub abnormal: usize,
    pub lines: Vec<Line>,
    pub findings: Vec<Finding>,
    pub written: Vec<Written>,
    pub generated: String,
}

impl Report {
    /// The period as a reader says it.
    pub fn period_label(&self) -> String {
        period_label(&self.period)
    }
}

/// `2026-Q1` as is; `first` 首次巡检; `pre_holiday:2026-国庆节` 节前巡检（2026-国庆节）.
fn period_label(p: &str) -> String {
    match p.split_once(':') {
        _ if p == "first" => "首次巡检".to_owned(),
        Some(("pre_holiday", h)) => format!("节前巡检（{h}）"),
        _ => p.to_owned(),
    }
}

/// `?period=` as typed.
#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    period: String,
}

async fn build(
    st: &AppState,
    auth: &Auth,
    code: &str,
    id: yunwei_domain::id::PlanId,
    period: &str,
) -> Result<Report, Response> {
    let access = authorize(&st.app, &auth.actor, code, Permission::InspectionRead).await.map_err(app_error_page)?;
    let not_found = || error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个巡检计划。");
    let period = Some(period.trim()).filter(|p| !p.is_empty());
    let r = match yunwei_app::inspection_plan::period_report(&st.app, &auth.actor, id, period).await {
        Ok(r) if r.plan.row.project_id == access.project.id => r,
        Ok(_) | Err(AppError::NotFound(_)) => return Err(not_found()),
        Err(e @ AppError::Invalid(_)) => {
            let msg = reasons(e).unwrap_or_default();
            return Err(error_page(StatusCode::NOT_FOUND, "没有这一期", &msg));
        }
        Err(e @ AppError::Conflict { .. }) => {
            let msg = reasons(e).unwrap_or_default();
            return Err(error_page(StatusCode::CONFLICT, "暂无巡检报告", &msg));
        }
        Err(e) => return Err(app_error_page(e)),
    };
    let tz = tz_of(&access);
    let now = st.app.now();
    let (hospital, vendor) = parties(st, code).await;
    let ids: Vec<i64> =
        r.executions.iter().flat_map(|e| e.results.iter().filter_map(|a| a.incident_id.map(|i| i.get()))).collect();
    let incidents =
        yunwei_app::inspection::incidents(&st.app, &auth.actor, code, &ids).await.map_err(app_error_page)?;
    let mut lines = Vec::new();
    let mut findings = Vec::new();
    let mut written = Vec::new();
    for e in &r.executions {
        let row = &e.execution;
        let ci = row.ci_name.clone().unwrap_or_else(|| "—".to_owned());
        let s = row.status;
        let (met, met_class) = met_view(e.report_met(now), row.report_due.is_some());
        lines.push(Line {
            id: row.id.get(),
            number: row.number.clone(),
            ci: ci.clone(),
            status: s.label(),
            status_code: s.code(),
            done_at: row.completed_at.map(|t| local(t, tz)).unwrap_or_default(),
            abnormal: e.abnormal(),
            due: row.report_due.map(|t| local(t, tz)).unwrap_or_default(),
            issued: row.report_issued_at.map(|t| local(t, tz)).unwrap_or_default(),
            met,
            met_class,
        });
        for a in e.results.iter().filter(|a| a.verdict == Verdict::Abnormal) {
            let item = e.template.item(&a.item_key);
            let incident = a.incident_id.and_then(|inc| incidents.get(&inc.get())).map(|i| (i.id, i.number.clone()));
            let unit = item.and_then(|i| i.unit.clone()).unwrap_or_default();
            findings.push(Finding {
                inspection_id: row.id.get(),
                number: row.number.clone(),
                ci: ci.clone(),
                section: item.map(|i| i.section.clone()).unwrap_or_default(),
                item: item.map_or_else(|| a.item_key.clone(), |i| i.name.clone()),
                note: a.note.clone(),
                value: match (a.number, &a.text) {
                    (Some(n), _) => format!("{}{unit}", number_text(Some(n))),
                    (None, Some(t)) => t.clone(),
                    (None, None) => String::new(),
                },
                incident,
            });
        }
        let fields: Vec<(&'static str, String)> = REPORT_FIELDS
            .iter()
            .filter_map(|(k, label)| {
                let v = e.report.get(k).trim();
                (!v.is_empty()).then(|| (*label, v.to_owned()))
            })
            .collect();
        if !fields.is_empty() {
            written.push(Written { number: row.number.clone(), ci, fields });
        }
    }
    let done =
        r.executions.iter().filter(|e| !e.execution.status.open() && e.execution.status != Status::Cancelled).count();
    Ok(Report {
        hospital,
        vendor,
        project: access.project.name.clone(),
        plan_id: r.plan.row.id,
        plan: r.plan.row.name.clone(),
        cycle: Period::parse(&r.plan.row.cycle).map(Period::label).unwrap_or("—"),
        periods: r.periods.iter().map(|p| (p.clone(), period_label(p))).collect(),
        done,
        overdue: r.executions.iter().filter(|e| e.overdue(now)).count(),
        abnormal: findings.len(),
        period: r.period,
        lines,
        findings,
        written,
        generated: local(now, tz),
    })
}

#[derive(Template)]
#[template(path = "inspection/inspection_period_report.html")]
struct ReportPage {
    r: Report,
    code: String,
}

/// `GET /p/{code}/inspection-plans/{id}/report?period=`: the printable report of a period.
pub async fn html(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, PlanId)>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    match build(&st, &auth, &code, id, &q.period).await {
        Ok(r) => render(&ReportPage { r, code }).into_response(),
        Err(resp) => resp,
    }
}

/// `GET /p/{code}/inspection-plans/{id}/report.docx?period=`: the same report as a Word document.
pub async fn docx(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, PlanId)>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    match build(&st, &auth, &code, id, &q.period).await {
        Ok(r) => {
            // The ASCII fallback name: the plan and the period's ASCII letters.
            let period: String = r.period.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            let name = format!("PLAN-{}-{period}", r.plan_id);
            docx_download(to_docx(&r), &name, "巡检报告")
        }
        Err(resp) => resp,
    }
}

/// Builds the Word document: the same tables as the page.
pub fn to_docx(r: &Report) -> Result<Vec<u8>, String> {
    use crate::ui::docx::word::TableRow;
    use word::{cell, head_cell, heading, para, table};

    let sub = format!("{}　{}　{}", r.project, r.plan, r.period_label());
    let mut doc = word::document("巡检报告", &sub, &r.hospital, &r.vendor);
    let head = vec![
        TableRow::new(vec![head_cell("巡检计划"), cell(&r.plan), head_cell("周期"), cell(r.cycle)]),
        TableRow::new(vec![
            head_cell("本期"),
            cell(&r.period_label()),
            head_cell("巡检数"),
            cell(&r.lines.len().to_string()),
        ]),
        TableRow::new(vec![
            head_cell("已完成"),
            cell(&r.done.to_string()),
            head_cell("异常项"),
            cell(&r.abnormal.to_string()),
        ]),
    ];
    doc = doc.add_table(table(head).set_grid(vec![1600, 2900, 1600, 2900]));

    doc = doc.add_paragraph(heading("本期巡检"));
    let mut rows = vec![TableRow::new(
        ["编号", "配置项", "状态", "完成时间", "异常", "报告期限", "签发时间", "是否按时"]
            .into_iter()
            .map(head_cell)
            .collect(),
    )];
    rows.extend(r.lines.iter().map(|l| {
        TableRow::new(vec![
            cell(&l.number),
            cell(&l.ci),
            cell(l.status),
            cell(&l.done_at),
            cell(&l.abnormal.to_string()),
            cell(&l.due),
            cell(&l.issued),
            cell(l.met),
        ])
    }));
    doc = doc.add_table(table(rows).set_grid(vec![1500, 1400, 800, 1300, 600, 1300, 1300, 800]));

    doc = doc.add_paragraph(heading("发现的问题"));
    if r.findings.is_empty() {
        doc = doc.add_paragraph(para("本期巡检未发现异常。"));
    } else {
        let mut rows = vec![TableRow::new(
            ["巡检", "配置项", "类别", "项目", "情况", "结果", "故障单"].into_iter().map(head_cell).collect(),
        )];
        rows.extend(r.findings.iter().map(|f| {
            let incident = f.incident.as_ref().map(|(_, n)| n.as_str()).unwrap_or("未转为故障");
            TableRow::new(vec![
                cell(&f.number),
                cell(&f.ci),
                cell(&f.section),
                cell(&f.item),
                cell(&f.note),
                cell(&f.value),
                cell(incident),
            ])
        }));
        doc = doc.add_table(table(rows).set_grid(vec![1500, 1300, 1200, 1300, 1700, 900, 1100]));
    }

    doc = doc.add_paragraph(heading("问题分析与建议"));
    if r.written.is_empty() {
        doc = doc.add_paragraph(para("本期巡检报告尚未填写。"));
    }
    for w in &r.written {
        doc = doc.add_paragraph(para(&format!("{}　{}", w.number, w.ci)));
        let rows = w.fields.iter().map(|(k, v)| TableRow::new(vec![head_cell(k), cell(v)])).collect();
        doc = doc.add_table(table(rows).set_grid(vec![2200, 6800]));
    }
    doc = doc.add_paragraph(para(&format!("生成时间：{}", r.generated)));
    word::pack(doc)
}
