//! Monitoring intake: `/api/v1/projects/{code}/alerts/alertmanager` (the Alertmanager webhook,
//! version 4, exactly as Alertmanager sends it), `/alerts/zabbix` (the media type in
//! `contrib/zabbix/`), `/alerts/backup` (backup-job reports) and the list `/alerts`. Senders
//! authenticate with the API token of a project member allowed to report faults. A payload that
//! is not what the sender documents is a 400 naming the field, and nothing of it is stored.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

use yunwei_app::monitoring::{self as uc, AlertView, Intake};
use yunwei_domain::monitoring::{self as domain, AlertmanagerPayload, BackupPayload, ZabbixPayload};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::page::{Page, Paging};
use crate::http::time::rfc3339;
use crate::openapi::problems::{BadRequest, Forbidden, Invalid, NotFound, Unauthorized};

/// A JSON body whose every problem is a 400 naming the field.
pub struct Payload<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Payload<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        ApiJson::<T>::from_request(req, state).await.map(|j| Payload(j.0)).map_err(ApiError::payload_problem)
    }
}

/// One stored alert.
#[derive(Serialize, ToSchema)]
pub struct AlertJson {
    pub id: i64,
    /// `alertmanager`, `zabbix` or `backup`.
    pub source: String,
    pub fingerprint: String,
    /// `firing` or `resolved`.
    pub status: String,
    pub title: String,
    pub starts_at: String,
    pub ends_at: Option<String>,
    /// Notifications that carried it.
    pub receive_count: i64,
    /// `pending` (to be acted on) or `done`.
    pub state: String,
    /// Severity of the incident it opened; `null` when the contract's rules say record only.
    pub severity: Option<String>,
    pub ci_id: Option<i64>,
    pub incident_id: Option<i64>,
    /// What was done with it.
    pub note: Option<String>,
    #[schema(value_type = Object)]
    pub labels: BTreeMap<String, String>,
}

fn alert_json(r: AlertView) -> AlertJson {
    AlertJson {
        id: r.id,
        source: r.source,
        fingerprint: r.fingerprint,
        status: r.status,
        title: r.title,
        starts_at: rfc3339(r.starts_at),
        ends_at: r.ends_at.map(rfc3339),
        receive_count: r.receive_count,
        state: r.state,
        severity: r.severity,
        ci_id: r.ci_id,
        incident_id: r.incident_id,
        note: r.note,
        labels: r.labels,
    }
}

/// What a notification did.
#[derive(Serialize, ToSchema)]
pub struct IntakeJson {
    /// Alerts new to yunwei (an occurrence, or the recovery of a firing one).
    pub accepted: usize,
    /// Alerts already stored (resends).
    pub resent: usize,
    pub alerts: Vec<AlertJson>,
}

fn intake_json(i: Intake) -> IntakeJson {
    IntakeJson { accepted: i.accepted, resent: i.resent, alerts: i.alerts.into_iter().map(alert_json).collect() }
}

/// Receives an Alertmanager notification (webhook version 4).
#[utoipa::path(post, path = "/api/v1/projects/{code}/alerts/alertmanager", tag = "monitoring",
    params(("code" = String, Path, description = "项目代码")),
    request_body(content = Object, description = "Alertmanager webhook payload, version 4"),
    responses(
        (status = 200, body = IntakeJson),
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
    ))]
pub async fn alertmanager(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    Payload(p): Payload<AlertmanagerPayload>,
) -> Result<Json<IntakeJson>, ApiError> {
    let alerts = domain::from_alertmanager(p).map_err(|e| ApiError::invalid(e.0).payload_problem())?;
    Ok(Json(intake_json(uc::receive(&st.app, &auth.actor, &code, alerts).await?)))
}

/// Receives a Zabbix event from the yunwei media type (`contrib/zabbix/`).
#[utoipa::path(post, path = "/api/v1/projects/{code}/alerts/zabbix", tag = "monitoring",
    params(("code" = String, Path, description = "项目代码")),
    request_body(content = Object, description = "event_id, value, severity, host, host_ip, trigger, started_at, recovered_at, message, url"),
    responses(
        (status = 200, body = IntakeJson),
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
    ))]
pub async fn zabbix(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    Payload(p): Payload<ZabbixPayload>,
) -> Result<Json<IntakeJson>, ApiError> {
    let tz = yunwei_app::monitoring::timezone(&st.app, &auth.actor, &code).await?;
    let alert = domain::from_zabbix(p, tz).map_err(|e| ApiError::invalid(e.0).payload_problem())?;
    Ok(Json(intake_json(uc::receive(&st.app, &auth.actor, &code, vec![alert]).await?)))
}

/// A backup report as stored, with what its alert did.
#[derive(Serialize, ToSchema)]
pub struct BackupJson {
    pub id: i64,
    #[serde(flatten)]
    pub intake: IntakeJson,
}

/// Receives a backup job's report: a failure raises an alert, the job's next success resolves it.
#[utoipa::path(post, path = "/api/v1/projects/{code}/alerts/backup", tag = "monitoring",
    params(("code" = String, Path, description = "项目代码")),
    request_body(content = Object, description = "job, success, started_at, ended_at, size_bytes, error, host"),
    responses(
        (status = 200, body = BackupJson),
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
    ))]
pub async fn backup(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    Payload(p): Payload<BackupPayload>,
) -> Result<Json<BackupJson>, ApiError> {
    let r = domain::backup_report(p).map_err(|e| ApiError::invalid(e.0).payload_problem())?;
    let (id, intake) = uc::backup(&st.app, &auth.actor, &code, r).await?;
    Ok(Json(BackupJson { id, intake: intake_json(intake) }))
}

/// The project's alerts, newest first.
#[utoipa::path(get, path = "/api/v1/projects/{code}/alerts", tag = "monitoring",
    params(("code" = String, Path, description = "项目代码"), Paging),
    responses(
        (status = 200, body = Page<AlertJson>),
        NotFound,
        Invalid,
    ))]
pub async fn list_alerts(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<AlertJson>>, ApiError> {
    let rows = uc::list(&st.app, &auth.actor, &code, paging.after_id()?, paging.fetch()).await?;
    Ok(Json(paging.page_by_id(rows, |r| r.id, alert_json)))
}

/// A backup job the project expects a daily report from.
#[derive(Serialize, ToSchema)]
pub struct BackupJobJson {
    pub job: String,
    /// `HH:MM`, the project's time zone.
    pub expected_by: String,
    pub host: Option<String>,
    /// Its latest report: success, end time, error.
    pub last_success: Option<bool>,
    pub last_ended_at: Option<String>,
    pub last_error: Option<String>,
}

fn job_json(v: uc::BackupJobView) -> BackupJobJson {
    BackupJobJson {
        job: v.row.job,
        expected_by: v.row.expected_by,
        host: v.row.host,
        last_success: v.last.as_ref().map(|l| l.success),
        last_ended_at: v.last.as_ref().map(|l| rfc3339(l.ended_at)),
        last_error: v.last.and_then(|l| l.error),
    }
}

/// A backup job as set up.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteBackupJob {
    /// The daily report is due by this local time (`06:00`).
    pub expected_by: String,
    /// The host backed up (for matching the CI of a missing-report alert).
    pub host: Option<String>,
}

/// Sets up or changes a backup job: a day without its report by `expected_by` raises an alert.
///
/// Takes back the job as the list gave it (its name and latest report unchanged).
#[utoipa::path(put, path = "/api/v1/projects/{code}/backup-jobs/{job}", tag = "monitoring",
    params(("code" = String, Path, description = "项目代码"), ("job" = String, Path, description = "作业名")),
    request_body = WriteBackupJob,
    responses(
        (status = 200, body = BackupJobJson),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn put_backup_job(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, job)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<BackupJobJson>, ApiError> {
    // What the list shows of this job (a new one: its name, nothing reported yet).
    let current = uc::backup_jobs(&st.app, &auth.actor, &code)
        .await?
        .into_iter()
        .map(job_json)
        .find(|j| j.job == job)
        .unwrap_or_else(|| BackupJobJson {
            job: job.clone(),
            expected_by: String::new(),
            host: None,
            last_success: None,
            last_ended_at: None,
            last_error: None,
        });
    let req: WriteBackupJob = crate::http::update::parse_update(body, &current)?;
    let v = uc::set_backup_job(&st.app, &auth.actor, &code, &job, &req.expected_by, req.host).await?;
    Ok(Json(job_json(v)))
}

/// The project's backup jobs with their latest reports.
#[utoipa::path(get, path = "/api/v1/projects/{code}/backup-jobs", tag = "monitoring",
    params(("code" = String, Path, description = "项目代码")),
    responses(
        (status = 200, body = Vec<BackupJobJson>),
        NotFound,
    ))]
pub async fn list_backup_jobs(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<BackupJobJson>>, ApiError> {
    Ok(Json(uc::backup_jobs(&st.app, &auth.actor, &code).await?.into_iter().map(job_json).collect()))
}
