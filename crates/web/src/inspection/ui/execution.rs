//! One inspection, filled in on site on a phone: its items section by section with their
//! standard, method and normal range; a form per item (saved at once by `app.js` through the
//! API, queued on the phone while the network is away; without script a plain form post per
//! item); the engineer's and the hospital's signatures; abnormal items turned into incidents;
//! photos per item (thumbnails; taken or picked and uploaded by `app.js`); and the report's text
//! with its due time.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use yunwei_app::inspection::{self as uc, AnswerInput, REPORT_FIELDS};
use yunwei_domain::ValidationErrors;
use yunwei_domain::id::InspectionId;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{Status, Verdict};

use super::executions::{ACTIVE, execution_in_project, met_view, number_text, range_of, reasons};
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::contract::ui::severities;
use crate::ui::csrf::{csrf_failed, csrf_ok};
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;
use crate::ui::time::local;
use crate::ui::time::tz_of;

/// One item with its answer, as the page shows it.
struct ItemView {
    key: String,
    name: String,
    standard: String,
    method: String,
    /// `ok_abnormal`, `number`, `text` or `photo`.
    kind: &'static str,
    unit: String,
    range: String,
    answered: bool,
    /// `ok`, `abnormal`, or empty while unanswered.
    verdict: &'static str,
    verdict_label: &'static str,
    value: String,
    text: String,
    note: String,
    /// When and by whom it was answered.
    saved: String,
    /// (id, number) of the incident it became.
    incident: Option<(i64, String)>,
    /// Abnormal and not yet an incident.
    can_raise: bool,
    /// (id, name) of its photos, oldest first.
    photos: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "inspection/inspection.html")]
struct DetailPage {
    shell: Shell,
    code: String,
    id: i64,
    number: String,
    name: String,
    title: String,
    /// (link, name) of the CI inspected; the link is empty for callers who cannot open it.
    ci: Option<(String, String)>,
    status: &'static str,
    status_code: &'static str,
    kind: &'static str,
    planned_for: String,
    /// By when it is to be done (a plan's), and whether that has passed undone.
    due_at: String,
    overdue: bool,
    /// (section number, name, items)
    sections: Vec<(usize, String, Vec<ItemView>)>,
    answered: usize,
    total: usize,
    abnormal: usize,
    /// Answers may be given now by this caller.
    editable: bool,
    can_work: bool,
    can_confirm: bool,
    severities: Vec<(String, String)>,
    engineer: String,
    engineer_at: String,
    hospital: String,
    hospital_at: String,
    hospital_note: String,
    /// (key, label, text)
    report: Vec<(&'static str, &'static str, String)>,
    report_open: bool,
    report_editable: bool,
    due: String,
    issued: String,
    met: &'static str,
    met_class: &'static str,
    error: String,
}

async fn detail_page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    id: yunwei_domain::id::InspectionId,
    error: String,
    status: StatusCode,
) -> Response {
    let (access, v) = match execution_in_project(st, auth, code, id).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let tz = tz_of(&access);
    let now = st.app.now();
    let row = &v.execution;
    let state = row.status;
    let roles = &access.roles;
    let can_work = roles.grants(Permission::InspectionWork);
    let ids: Vec<i64> = v.results.iter().filter_map(|r| r.incident_id.map(|i| i.get())).collect();
    let incidents = match uc::incidents(&st.app, &auth.actor, code, &ids).await {
        Ok(i) => i,
        Err(e) => return app_error_page(e),
    };
    let photos = match uc::photos(&st.app, &auth.actor, id).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let sections = v
        .template
        .sections()
        .into_iter()
        .enumerate()
        .map(|(n, (section, items))| {
            let items = items
                .into_iter()
                .map(|it| {
                    let r = v.result(&it.key);
                    let verdict = r.map(|r| r.verdict);
                    let incident = r
                        .and_then(|r| r.incident_id.map(|i| i.get()))
                        .map(|i| (i, incidents.get(&i).map_or_else(|| format!("#{i}"), |r| r.number.clone())));
                    ItemView {
                        key: it.key.clone(),
                        name: it.name.clone(),
                        standard: it.standard.clone().unwrap_or_default(),
                        method: it.method.clone().unwrap_or_default(),
                        kind: it.result.code(),
                        unit: it.unit.clone().unwrap_or_default(),
                        range: range_of(it),
                        answered: r.is_some(),
                        verdict: verdict.map(Verdict::code).unwrap_or(""),
                        verdict_label: verdict.map(Verdict::label).unwrap_or("未填写"),
                        value: number_text(r.and_then(|r| r.number)),
                        text: r.and_then(|r| r.text.clone()).unwrap_or_default(),
                        note: r.map(|r| r.note.clone()).unwrap_or_default(),
                        saved: r.map(|r| format!("{} · {}", local(r.recorded_at, tz), r.actor)).unwrap_or_default(),
                        can_raise: verdict == Some(Verdict::Abnormal) && incident.is_none(),
                        incident,
                        photos: photos
                            .iter()
                            .filter(|p| p.item_key == it.key)
                            .map(|p| (p.id, p.file.name.clone()))
                            .collect(),
                    }
                })
                .collect();
            (n + 1, section.to_owned(), items)
        })
        .collect();
    let report = REPORT_FIELDS.iter().map(|(k, label)| (*k, *label, v.report.get(k).to_owned())).collect();
    let report_open = matches!(state, Status::Completed | Status::Confirmed);
    let (met, met_class) = met_view(v.report_met(now), row.report_due.is_some());
    let ci = row.ci_id.map(|ci| {
        let link = if roles.grants(Permission::CmdbRead) { format!("/p/{code}/cis/{ci}") } else { String::new() };
        (link, row.ci_name.clone().unwrap_or_default())
    });
    let sev = if can_work { severities(st, auth, code).await } else { Vec::new() };
    let shell = match Shell::build(st, auth, &row.number, Some(&access), ACTIVE).await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let at = |t: Option<DateTime<Utc>>| t.map(|t| local(t, tz)).unwrap_or_default();
    let page = DetailPage {
        shell,
        code: code.to_owned(),
        id: id.get(),
        number: row.number.clone(),
        name: v.template.name.clone(),
        title: v.template.title.clone(),
        ci,
        status: state.label(),
        status_code: state.code(),
        kind: row.kind.label(),
        planned_for: row.planned_for.to_string(),
        due_at: at(row.due_at),
        overdue: v.overdue(now),
        sections,
        answered: v.results.len(),
        total: v.template.items.len(),
        abnormal: v.abnormal(),
        editable: can_work && state.open(),
        can_work,
        can_confirm: roles.grants(Permission::InspectionConfirm) && state == Status::Completed,
        severities: sev,
        engineer: row.engineer_name.clone().unwrap_or_default(),
        engineer_at: at(row.completed_at),
        hospital: row.hospital_name.clone().unwrap_or_default(),
        hospital_at: at(row.hospital_signed_at),
        hospital_note: row.hospital_note.clone().unwrap_or_default(),
        report,
        report_open,
        report_editable: report_open && can_work,
        due: at(row.report_due),
        issued: at(row.report_issued_at),
        met,
        met_class,
        error,
    };
    (status, render(&page)).into_response()
}

/// `GET /p/{code}/inspections/{id}`.
pub async fn detail(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, InspectionId)>,
) -> Response {
    detail_page(&st, &auth, &code, id, String::new(), StatusCode::OK).await
}

/// The inspection a form acts on, and who is acting.
struct Target<'a> {
    st: &'a AppState,
    auth: &'a Auth,
    code: &'a str,
    id: yunwei_domain::id::InspectionId,
}

/// Runs a form's action after the CSRF and project checks; on success back to the page at
/// `anchor`, else the page with the reason (`what` failed).
async fn act<F, Fut, T>(t: Target<'_>, csrf: &str, what: &str, anchor: &str, f: F) -> Response
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, yunwei_app::AppError>>,
{
    let Target { st, auth, code, id } = t;
    if !csrf_ok(auth, csrf) {
        return csrf_failed();
    }
    if let Err(page) = execution_in_project(st, auth, code, id).await {
        return page;
    }
    match f().await {
        Ok(_) => Redirect::to(&format!("/p/{code}/inspections/{id}#{anchor}")).into_response(),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                detail_page(st, auth, code, id, format!("{what}：{msg}"), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}

/// One item's form, as posted without script.
#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    note: String,
    /// When it was given on the device (RFC 3339), for a client posting the form itself; now if absent.
    #[serde(default)]
    recorded_at: String,
}

fn answer_input(f: &AnswerForm) -> Result<AnswerInput, ValidationErrors> {
    let mut v = ValidationErrors::default();
    let value = match f.value.trim() {
        "" => None,
        s => s.parse::<f64>().ok().filter(|n| n.is_finite()).or_else(|| {
            v.push("value", "须为数字");
            None
        }),
    };
    let recorded_at = match f.recorded_at.trim() {
        "" => None,
        s => DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).ok().or_else(|| {
            v.push("recorded_at", "须为带时区的时间");
            None
        }),
    };
    v.into_result()?;
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(AnswerInput { verdict: opt(&f.verdict), value, text: opt(&f.text), note: Some(f.note.clone()), recorded_at })
}

/// `POST /p/{code}/inspections/{id}/results/{key}`: one item's answer, without script.
pub async fn answer(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id, key)): Path<(String, InspectionId, String)>,
    Form(f): Form<AnswerForm>,
) -> Response {
    let what = format!("第 {key} 项未保存");
    act(Target { st: &st, auth: &auth, code: &code, id }, &f._csrf, &what, &format!("item-{key}"), || async {
        let input = answer_input(&f)?;
        uc::answer(&st.app, &auth.actor, id, &key, input).await
    })
    .await
}

/// The severity an abnormal item's incident gets.
#[derive(Deserialize, Default)]
pub struct RaiseForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    severity: String,
}

/// `POST /p/{code}/inspections/{id}/results/{key}/incident`: 转为故障.
pub async fn raise_incident(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id, key)): Path<(String, InspectionId, String)>,
    Form(f): Form<RaiseForm>,
) -> Response {
    let what = format!("第 {key} 项未能转为故障");
    let severity = Some(f.severity.trim().to_owned()).filter(|s| !s.is_empty());
    act(Target { st: &st, auth: &auth, code: &code, id }, &f._csrf, &what, &format!("item-{key}"), || {
        uc::raise_incident(&st.app, &auth.actor, id, &key, severity)
    })
    .await
}

/// A form that carries nothing but its token (and the hospital's note).
#[derive(Deserialize, Default)]
pub struct SignForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    note: String,
}

/// `POST /p/{code}/inspections/{id}/complete`: the engineer signs.
pub async fn complete(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, InspectionId)>,
    Form(f): Form<SignForm>,
) -> Response {
    act(Target { st: &st, auth: &auth, code: &code, id }, &f._csrf, "未能签字完成", "sign", || {
        uc::complete(&st.app, &auth.actor, id)
    })
    .await
}

/// `POST /p/{code}/inspections/{id}/confirm`: the hospital signs, with a note.
pub async fn confirm(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, InspectionId)>,
    Form(f): Form<SignForm>,
) -> Response {
    let note = Some(f.note.clone());
    act(Target { st: &st, auth: &auth, code: &code, id }, &f._csrf, "未能确认", "sign", || {
        uc::confirm(&st.app, &auth.actor, id, note)
    })
    .await
}

/// The report's text fields; `issue` set by the 签发 button.
#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    causes: String,
    #[serde(default)]
    impact: String,
    #[serde(default)]
    recommendations: String,
    #[serde(default)]
    risks: String,
    #[serde(default)]
    issue: String,
}

/// `POST /p/{code}/inspections/{id}/report`: saves the report's text, and issues it.
pub async fn write_report(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, InspectionId)>,
    Form(f): Form<ReportForm>,
) -> Response {
    let fields = [
        ("findings", &f.findings),
        ("causes", &f.causes),
        ("impact", &f.impact),
        ("recommendations", &f.recommendations),
        ("risks", &f.risks),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.clone()))
    .collect();
    let issue = !f.issue.is_empty();
    act(Target { st: &st, auth: &auth, code: &code, id }, &f._csrf, "报告未保存", "report", || {
        uc::write_report(&st.app, &auth.actor, id, fields, issue)
    })
    .await
}
