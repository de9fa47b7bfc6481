//! The inspection report (巡检报告, seed 000 §2.9: issued within 3 working days of the
//! inspection; seed 003 1.1.6.2.5: the problems found, their causes, impact, advice and risks):
//! a printable page and a Word document with the form's header filled from the CI, the checklist
//! with every answer, the abnormal items and their incidents, the items' photos (on the page), the
//! report's text, both
//! signatures, and whether the report was issued in time.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use yunwei_app::AppError;
use yunwei_app::cmdb::CiView;
use yunwei_app::inspection::{ItemResult, REPORT_FIELDS};
use yunwei_domain::id::InspectionId;
use yunwei_domain::inspection::{Item, Verdict};
use yunwei_domain::servicedesk::Status as IncidentStatus;

use super::executions::{execution_in_project, met_view, number_text, range_of};
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::contract::ui::parties;
use crate::ui::docx::{docx_download, word};
use crate::ui::page::{app_error_page, render};
use crate::ui::time::local;
use crate::ui::time::tz_of;

/// One line of the checklist, in words.
pub struct CheckRow {
    pub key: String,
    pub name: String,
    pub standard: String,
    pub result: String,
    /// 正常 / 异常 / 未填写.
    pub verdict: &'static str,
    /// `ok`, `abnormal` or empty.
    pub verdict_code: &'static str,
    pub note: String,
}

/// An abnormal item and what became of it.
pub struct AbnormalRow {
    pub key: String,
    pub name: String,
    pub found: String,
    /// `INC-2026-000003（处理中）`, or that it is not an incident.
    pub incident: String,
}

/// An item's photos.
pub struct ItemPhotos {
    pub key: String,
    /// `section / item`.
    pub item: String,
    /// (address, name) of each photo, oldest first.
    pub photos: Vec<(String, String)>,
}

/// Everything the report shows, already in words.
pub struct Report {
    pub hospital: String,
    pub vendor: String,
    pub project: String,
    pub number: String,
    pub title: String,
    /// The form's header fields (设备名 …) with what the CI says, then the inspection's facts.
    pub header: Vec<(String, String)>,
    /// (section, its lines)
    pub checklist: Vec<(String, Vec<CheckRow>)>,
    pub abnormal: Vec<AbnormalRow>,
    /// The items with photos.
    pub photos: Vec<ItemPhotos>,
    /// (label, text)
    pub fields: Vec<(&'static str, String)>,
    pub engineer: String,
    pub engineer_at: String,
    pub hospital_signer: String,
    pub hospital_at: String,
    pub hospital_note: String,
    pub due: String,
    pub issued: String,
    pub met: &'static str,
    pub generated: String,
}

/// What the CI says for one of the form's header fields; blank where it says nothing (the
/// printed form is then filled in by hand).
fn header_value(field: &str, ci: Option<&CiView>, hospital: &str, vendor: &str, ci_name: &str) -> String {
    let row = ci.map(|c| &c.row);
    let opt = |s: Option<&Option<String>>| s.and_then(Clone::clone).unwrap_or_default();
    match field {
        "系统管理单位" => row.and_then(|r| r.owner_department.clone()).unwrap_or_else(|| hospital.to_owned()),
        "维保单位" => vendor.to_owned(),
        "设备名" | "设备名称" => ci_name.to_owned(),
        "设备型号" | "型号" => [opt(row.map(|r| &r.vendor)), opt(row.map(|r| &r.model))]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        "设备序列号" | "序列号" => opt(row.map(|r| &r.serial)),
        "主机名" => opt(row.map(|r| &r.hostname)),
        "管理IP" | "IP地址" => ci
            .and_then(|c| c.ips.iter().find(|ip| !ip.is_subnet).or(c.ips.first()))
            .map(|ip| ip.address.clone())
            .unwrap_or_default(),
        "安装位置" | "位置" => {
            [opt(row.map(|r| &r.building)), opt(row.map(|r| &r.room)), opt(row.map(|r| &r.rack))]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" / ")
        }
        _ => String::new(),
    }
}

/// The measured value or the text found, as printed.
fn result_text(item: &Item, r: &ItemResult) -> String {
    match (r.number, &r.text) {
        (Some(n), _) => format!("{}{}", number_text(Some(n)), item.unit.as_deref().unwrap_or("")),
        (None, Some(t)) => t.clone(),
        (None, None) => String::new(),
    }
}

fn standard_text(item: &Item) -> String {
    let range = range_of(item);
    match (item.standard.as_deref(), range.is_empty()) {
        (Some(s), true) => s.to_owned(),
        (Some(s), false) => format!("{s}（正常范围 {range}）"),
        (None, false) => format!("正常范围 {range}"),
        (None, true) => String::new(),
    }
}

async fn build(
    st: &AppState,
    auth: &Auth,
    code: &str,
    id: yunwei_domain::id::InspectionId,
) -> Result<Report, Response> {
    let (access, v) = execution_in_project(st, auth, code, id).await?;
    let tz = tz_of(&access);
    let at = |t: Option<DateTime<Utc>>| t.map(|t| local(t, tz)).unwrap_or_default();
    let row = &v.execution;
    let (hospital, vendor) = parties(st, code).await;
    // The header is filled from the CI for a caller who may read it (else it is left to be
    // written in by hand).
    let ci = match row.ci_id {
        Some(ci) => match yunwei_app::cmdb::get(&st.app, &auth.actor, ci).await {
            Ok(c) => Some(c),
            Err(AppError::Forbidden(_) | AppError::NotFound(_)) => None,
            Err(e) => return Err(app_error_page(e)),
        },
        None => None,
    };
    let ci_name = row.ci_name.clone().unwrap_or_default();
    let mut header: Vec<(String, String)> = v
        .template
        .header
        .iter()
        .map(|h| (h.clone(), header_value(h, ci.as_ref(), &hospital, &vendor, &ci_name)))
        .collect();
    if !v.template.header.iter().any(|h| h.starts_with("设备名")) {
        header.push(("巡检对象".into(), if ci_name.is_empty() { "—".into() } else { ci_name.clone() }));
    }
    header.extend([
        ("巡检类型".to_owned(), row.kind.label().to_owned()),
        ("计划日期".to_owned(), row.planned_for.to_string()),
        ("开始时间".to_owned(), at(row.started_at)),
        ("完成时间".to_owned(), at(row.completed_at)),
        ("状态".to_owned(), row.status.label().to_owned()),
    ]);
    let checklist = v
        .template
        .sections()
        .into_iter()
        .map(|(section, items)| {
            let rows = items
                .into_iter()
                .map(|it| {
                    let r = v.result(&it.key);
                    let verdict = r.map(|r| r.verdict);
                    CheckRow {
                        key: it.key.clone(),
                        name: it.name.clone(),
                        standard: standard_text(it),
                        result: r.map(|r| result_text(it, r)).unwrap_or_default(),
                        verdict: verdict.map(Verdict::label).unwrap_or("未填写"),
                        verdict_code: verdict.map(Verdict::code).unwrap_or(""),
                        note: r.map(|r| r.note.clone()).unwrap_or_default(),
                    }
                })
                .collect();
            (section.to_owned(), rows)
        })
        .collect();
    let ids: Vec<i64> = v.results.iter().filter_map(|r| r.incident_id.map(|i| i.get())).collect();
    let incidents =
        yunwei_app::inspection::incidents(&st.app, &auth.actor, code, &ids).await.map_err(app_error_page)?;
    let mut abnormal = Vec::new();
    for it in &v.template.items {
        let Some(r) = v.result(&it.key).filter(|r| r.verdict == Verdict::Abnormal) else { continue };
        let found = [result_text(it, r), r.note.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
        let incident = match r.incident_id {
            None => "未转为故障".to_owned(),
            Some(inc) => match incidents.get(&inc.get()) {
                Some(i) => {
                    let status = IncidentStatus::parse(&i.status).map(IncidentStatus::label).unwrap_or("—");
                    format!("{}（{status}）", i.number)
                }
                None => format!("#{inc}"),
            },
        };
        abnormal.push(AbnormalRow {
            key: it.key.clone(),
            name: format!("{} / {}", it.section, it.name),
            found: found.join("；"),
            incident,
        });
    }
    let shots = yunwei_app::inspection::photos(&st.app, &auth.actor, id).await.map_err(app_error_page)?;
    let photos = v
        .template
        .items
        .iter()
        .filter_map(|it| {
            let mine: Vec<(String, String)> = shots
                .iter()
                .filter(|p| p.item_key == it.key)
                .map(|p| (format!("/api/v1/inspections/{id}/photos/{}", p.id), p.file.name.clone()))
                .collect();
            (!mine.is_empty()).then(|| ItemPhotos {
                key: it.key.clone(),
                item: format!("{} / {}", it.section, it.name),
                photos: mine,
            })
        })
        .collect();
    let fields = REPORT_FIELDS.iter().map(|(k, label)| (*label, v.report.get(k).to_owned())).collect();
    Ok(Report {
        hospital,
        vendor,
        project: access.project.name.clone(),
        number: row.number.clone(),
        title: v.template.title.clone(),
        header,
        checklist,
        abnormal,
        photos,
        fields,
        engineer: row.engineer_name.clone().unwrap_or_default(),
        engineer_at: at(row.completed_at),
        hospital_signer: row.hospital_name.clone().unwrap_or_default(),
        hospital_at: at(row.hospital_signed_at),
        hospital_note: row.hospital_note.clone().unwrap_or_default(),
        due: at(row.report_due),
        issued: at(row.report_issued_at),
        met: met_view(v.report_met(st.app.now()), row.report_due.is_some()).0,
        generated: local(st.app.now(), tz),
    })
}

#[derive(Template)]
#[template(path = "inspection/inspection_report.html")]
struct ReportPage {
    r: Report,
    /// Back to the inspection.
    back: String,
}

/// `GET /p/{code}/inspections/{id}/report`: the printable report.
pub async fn html(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, InspectionId)>,
) -> Response {
    match build(&st, &auth, &code, id).await {
        Ok(r) => render(&ReportPage { r, back: format!("/p/{code}/inspections/{id}") }).into_response(),
        Err(resp) => resp,
    }
}

/// `GET /p/{code}/inspections/{id}/report.docx`: the same report as a Word document.
pub async fn docx(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, InspectionId)>,
) -> Response {
    match build(&st, &auth, &code, id).await {
        Ok(r) => docx_download(to_docx(&r), &r.number, "巡检报告"),
        Err(resp) => resp,
    }
}

/// Builds the Word document: the same tables as the page, the section cells merged downwards as
/// on the seeds' printed forms.
pub fn to_docx(r: &Report) -> Result<Vec<u8>, String> {
    use crate::ui::docx::word::{TableCell, TableRow, VMergeType};
    use word::{cell, head_cell, heading, para, table};

    let mut doc = word::document("巡检报告", &format!("{}　{}", r.project, r.number), &r.hospital, &r.vendor);
    doc = doc.add_paragraph(heading(&r.title));
    let mut head = Vec::new();
    for pair in r.header.chunks(2) {
        let mut cells = Vec::new();
        for (k, v) in pair {
            cells.push(head_cell(k));
            cells.push(cell(v));
        }
        if pair.len() == 1 {
            cells.push(head_cell(""));
            cells.push(cell(""));
        }
        head.push(TableRow::new(cells));
    }
    doc = doc.add_table(table(head).set_grid(vec![1600, 2900, 1600, 2900]));

    doc = doc.add_paragraph(heading("巡检项目"));
    let mut rows = vec![TableRow::new(
        ["序号", "类别", "项目", "参考标准", "结果", "结论", "备注"].into_iter().map(head_cell).collect(),
    )];
    for (section, lines) in &r.checklist {
        for (i, l) in lines.iter().enumerate() {
            let merge = if i == 0 { VMergeType::Restart } else { VMergeType::Continue };
            let section_cell: TableCell = if i == 0 { cell(section) } else { TableCell::new() };
            rows.push(TableRow::new(vec![
                cell(&l.key),
                section_cell.vertical_merge(merge),
                cell(&l.name),
                cell(&l.standard),
                cell(&l.result),
                cell(l.verdict),
                cell(&l.note),
            ]));
        }
    }
    doc = doc.add_table(table(rows).set_grid(vec![700, 1200, 1700, 2100, 1300, 800, 1200]));

    doc = doc.add_paragraph(heading("异常项目"));
    if r.abnormal.is_empty() {
        doc = doc.add_paragraph(para("本次巡检未发现异常。"));
    } else {
        let mut rows =
            vec![TableRow::new(vec![head_cell("序号"), head_cell("项目"), head_cell("情况"), head_cell("故障单")])];
        rows.extend(
            r.abnormal
                .iter()
                .map(|a| TableRow::new(vec![cell(&a.key), cell(&a.name), cell(&a.found), cell(&a.incident)])),
        );
        doc = doc.add_table(table(rows).set_grid(vec![800, 2700, 3300, 2200]));
    }

    doc = doc.add_paragraph(heading("问题分析与建议"));
    let rows = r.fields.iter().map(|(k, v)| TableRow::new(vec![head_cell(k), cell(v)])).collect();
    doc = doc.add_table(table(rows).set_grid(vec![2200, 6800]));

    doc = doc.add_paragraph(heading("签字确认"));
    let signs = vec![
        TableRow::new(vec![head_cell("巡检工程师"), cell(&r.engineer), head_cell("签字时间"), cell(&r.engineer_at)]),
        TableRow::new(vec![
            head_cell("医院确认人"),
            cell(&r.hospital_signer),
            head_cell("确认时间"),
            cell(&r.hospital_at),
        ]),
        TableRow::new(vec![head_cell("医院意见"), cell(&r.hospital_note).grid_span(3)]),
        TableRow::new(vec![head_cell("报告期限"), cell(&r.due), head_cell("签发时间"), cell(&r.issued)]),
        TableRow::new(vec![head_cell("是否按时"), cell(r.met).grid_span(3)]),
    ];
    doc = doc.add_table(table(signs).set_grid(vec![1600, 2900, 1600, 2900]));
    doc = doc.add_paragraph(para(&format!("生成时间：{}", r.generated)));
    word::pack(doc)
}
