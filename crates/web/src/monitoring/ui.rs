//! The monitoring page (监控告警, seed 000 §2.3): the project's alerts newest first with what
//! became of each (the incident it opened or joined, the CI it was matched to), the backup jobs
//! expected every day with their latest reports and a form to set one up, and how to point
//! Alertmanager, Zabbix and backup scripts at this project.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::access::authorize;
use yunwei_app::monitoring::{self as uc, LinkedAlert};
use yunwei_domain::identity::Permission;
use yunwei_domain::monitoring::Source;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;
use crate::ui::time::local;
use crate::ui::time::tz_of;

/// Alerts per page.
const PAGE: u64 = 50;

fn source_label(code: &str) -> &'static str {
    [Source::Alertmanager, Source::Zabbix, Source::Backup]
        .into_iter()
        .find(|s| s.code() == code)
        .map(Source::label)
        .unwrap_or("其他")
}

/// One alert as listed.
struct AlertLine {
    id: i64,
    source: &'static str,
    /// `firing` or `resolved`.
    status: String,
    status_label: &'static str,
    title: String,
    host: String,
    started: String,
    ended: String,
    receive_count: i64,
    last_received: String,
    severity: String,
    /// (link, name); the link is empty for callers who cannot open the CMDB.
    ci: Option<(String, String)>,
    /// (id, number).
    incident: Option<(i64, String)>,
    note: String,
    pending: bool,
    link: String,
}

/// A backup job with its latest report.
struct JobLine {
    job: String,
    expected_by: String,
    host: String,
    /// `ok`, `failed` or `none`.
    last: &'static str,
    last_label: &'static str,
    last_at: String,
    last_error: String,
    size: String,
}

/// The backup-job form as typed.
#[derive(Deserialize, Default)]
pub struct JobForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    job: String,
    #[serde(default)]
    expected_by: String,
    #[serde(default)]
    host: String,
}

#[derive(Template)]
#[template(path = "monitoring/alerts.html")]
struct Page {
    shell: Shell,
    code: String,
    alerts: Vec<AlertLine>,
    /// The `before` of the next (older) page; 0 when this is the last.
    older: i64,
    /// This is not the first page.
    paged: bool,
    jobs: Vec<JobLine>,
    can_jobs: bool,
    form: JobForm,
    error: String,
    /// The intake URLs: (what, URL).
    intake: Vec<(&'static str, String)>,
}

/// `?before=ID`: alerts older than that one.
#[derive(Deserialize, Default)]
pub struct AlertQuery {
    #[serde(default)]
    before: Option<i64>,
}

/// 1.2 GB, 350 MB, 12 KB.
fn size_text(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{bytes} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

/// Where this server is reached, as the browser reached it (a proxy's `X-Forwarded-*` first).
fn base_url(st: &AppState, headers: &HeaderMap) -> String {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty());
    let scheme = h("x-forwarded-proto").unwrap_or(if st.web.cookie_secure { "https" } else { "http" });
    match h("x-forwarded-host").or_else(|| h(header::HOST.as_str())) {
        Some(host) => format!("{scheme}://{host}"),
        None => format!("{scheme}://本服务器地址"),
    }
}

#[allow(clippy::too_many_arguments)]
async fn page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    before: Option<i64>,
    headers: &HeaderMap,
    form: JobForm,
    error: String,
    status: StatusCode,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, code, Permission::IncidentRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let tz = tz_of(&access);
    let mut rows = match uc::list_linked(&st.app, &auth.actor, code, before, PAGE + 1).await {
        Ok(r) => r,
        Err(e) => return app_error_page(e),
    };
    let more = rows.len() as u64 > PAGE;
    rows.truncate(PAGE as usize);
    let cmdb = access.roles.grants(Permission::CmdbRead);
    let older = if more { rows.last().map(|r| r.alert.id).unwrap_or_default() } else { 0 };
    let alerts = rows
        .into_iter()
        .map(|LinkedAlert { alert: r, ci_name, incident_number }| AlertLine {
            id: r.id,
            source: source_label(&r.source),
            status_label: if r.status == "firing" { "告警中" } else { "已恢复" },
            status: r.status,
            title: r.title,
            host: r.host.unwrap_or_default(),
            started: local(r.starts_at, tz),
            ended: r.ends_at.map(|t| local(t, tz)).unwrap_or_default(),
            receive_count: r.receive_count,
            last_received: local(r.last_received_at, tz),
            severity: r.severity.unwrap_or_default(),
            ci: r.ci_id.map(|id| {
                let link = if cmdb { format!("/p/{code}/cis/{id}") } else { String::new() };
                (link, ci_name.unwrap_or_else(|| format!("#{id}")))
            }),
            incident: r.incident_id.map(|id| (id, incident_number.unwrap_or_else(|| format!("#{id}")))),
            note: r.note.unwrap_or_default(),
            pending: r.state == "pending",
            link: r.link.filter(|l| l.starts_with("http://") || l.starts_with("https://")).unwrap_or_default(),
        })
        .collect();
    let jobs = match uc::backup_jobs(&st.app, &auth.actor, code).await {
        Ok(j) => j,
        Err(e) => return app_error_page(e),
    };
    let jobs = jobs
        .into_iter()
        .map(|v| {
            let (last, last_label) = match &v.last {
                Some(l) if l.success => ("ok", "成功"),
                Some(_) => ("failed", "失败"),
                None => ("none", "尚无报告"),
            };
            JobLine {
                job: v.row.job,
                expected_by: v.row.expected_by,
                host: v.row.host.unwrap_or_default(),
                last,
                last_label,
                last_at: v.last.as_ref().map(|l| local(l.ended_at, tz)).unwrap_or_default(),
                last_error: v.last.as_ref().and_then(|l| l.error.clone()).unwrap_or_default(),
                size: v.last.as_ref().and_then(|l| l.size_bytes).map(size_text).unwrap_or_default(),
            }
        })
        .collect();
    let base = base_url(st, headers);
    let intake = [("Prometheus Alertmanager", "alertmanager"), ("Zabbix", "zabbix"), ("备份作业报告", "backup")]
        .into_iter()
        .map(|(what, path)| (what, format!("{base}/api/v1/projects/{code}/alerts/{path}")))
        .collect();
    let shell = match Shell::build(st, auth, "监控告警", Some(&access), "monitoring").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let p = Page {
        shell,
        code: code.to_owned(),
        alerts,
        older,
        paged: before.is_some(),
        jobs,
        can_jobs: access.roles.grants(Permission::InspectionTemplateWrite),
        form: JobForm {
            expected_by: if form.expected_by.is_empty() { "06:00".into() } else { form.expected_by },
            ..form
        },
        error,
        intake,
    };
    (status, render(&p)).into_response()
}

/// `GET /p/{code}/alerts`.
pub async fn list(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Query(q): Query<AlertQuery>,
    headers: HeaderMap,
) -> Response {
    page(&st, &auth, &code, q.before, &headers, JobForm::default(), String::new(), StatusCode::OK).await
}

fn field_label(f: &str) -> String {
    match f {
        "job" => "作业名",
        "expected_by" => "最晚报告时间",
        "host" => "主机",
        other => other,
    }
    .to_owned()
}

/// How the monitoring page words a refused form.
const FORM: FormErrors = FormErrors::new(field_label);

/// `POST /p/{code}/backup-jobs`: sets up (or changes) a backup job.
pub async fn set_job(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    CheckedForm(auth, f): CheckedForm<JobForm>,
) -> Response {
    let host = Some(f.host.clone()).filter(|h| !h.trim().is_empty());
    match uc::set_backup_job(&st.app, &auth.actor, &code, &f.job, &f.expected_by, host).await {
        Ok(_) => Redirect::to(&format!("/p/{code}/alerts#backup")).into_response(),
        Err(e) => match FORM.reasons(e) {
            Ok(msg) => {
                let msg = format!("备份作业未保存：{msg}");
                page(&st, &auth, &code, None, &headers, f, msg, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}
