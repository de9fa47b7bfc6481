//! Alerts as the API and the pages read them: the stored row with its labels decoded, and for
//! the alert list the names of the CIs and the numbers of the incidents they point at, each
//! fetched in one batch.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use yunwei_domain::identity::Permission;
use yunwei_store::monitoring::{self as store, AlertRow};

use crate::access::authorize;
use crate::actor::Actor;
use crate::{App, AppError};

/// One stored alert occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertView {
    pub id: i64,
    pub project_id: i64,
    /// `alertmanager`, `zabbix` or `backup`.
    pub source: String,
    pub fingerprint: String,
    /// `firing` or `resolved`.
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub labels: BTreeMap<String, String>,
    pub title: String,
    pub description: String,
    pub host: Option<String>,
    pub link: Option<String>,
    pub received_at: DateTime<Utc>,
    pub last_received_at: DateTime<Utc>,
    /// Notifications that carried it.
    pub receive_count: i64,
    /// `pending` until its effect is written, then `done`.
    pub state: String,
    /// Severity of the incident it opened (`None`: ignored by the contract's rules).
    pub severity: Option<String>,
    pub ci_id: Option<i64>,
    pub incident_id: Option<i64>,
    /// What was done with it.
    pub note: Option<String>,
}

/// The labels as stored (a JSON object of strings; empty when none were stored).
pub(crate) fn labels_of(row: &AlertRow) -> Result<BTreeMap<String, String>, AppError> {
    if row.labels.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    serde_json::from_str(&row.labels).map_err(|e| AppError::Internal(format!("alert {} labels: {e}", row.id)))
}

impl AlertView {
    pub(crate) fn from_row(row: AlertRow) -> Result<Self, AppError> {
        let labels = labels_of(&row)?;
        Ok(AlertView {
            id: row.id,
            project_id: row.project_id,
            source: row.source,
            fingerprint: row.fingerprint,
            status: row.status,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            labels,
            title: row.title,
            description: row.description,
            host: row.host,
            link: row.link,
            received_at: row.received_at,
            last_received_at: row.last_received_at,
            receive_count: row.receive_count,
            state: row.state,
            severity: row.severity,
            ci_id: row.ci_id,
            incident_id: row.incident_id,
            note: row.note,
        })
    }
}

/// An alert with what it points at, by name.
#[derive(Debug, Clone)]
pub struct LinkedAlert {
    pub alert: AlertView,
    /// The name of the CI it was matched to (`None`: none, or no longer in the project).
    pub ci_name: Option<String>,
    /// The number of the incident it opened or joined.
    pub incident_number: Option<String>,
}

/// The project's alerts, newest first.
pub async fn list(
    app: &App,
    actor: &Actor,
    code: &str,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<AlertView>, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentRead).await?;
    store::list(&app.db, access.project.id, before, limit).await?.into_iter().map(AlertView::from_row).collect()
}

/// The project's alerts, newest first, with the names of their CIs and the numbers of their
/// incidents (one query for each, whatever the page size).
pub async fn list_linked(
    app: &App,
    actor: &Actor,
    code: &str,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<LinkedAlert>, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentRead).await?;
    let pid = access.project.id;
    let alerts: Vec<AlertView> = store::list(&app.db, pid, before, limit)
        .await?
        .into_iter()
        .map(AlertView::from_row)
        .collect::<Result<_, _>>()?;
    let ids = |f: fn(&AlertView) -> Option<i64>| {
        let mut v: Vec<i64> = alerts.iter().filter_map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let cis: BTreeMap<i64, String> = yunwei_store::cmdb::by_ids(&app.db, pid, &ids(|a| a.ci_id))
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let incidents: BTreeMap<i64, String> =
        yunwei_store::incident::numbers(&app.db, pid, &ids(|a| a.incident_id)).await?.into_iter().collect();
    Ok(alerts
        .into_iter()
        .map(|alert| LinkedAlert {
            ci_name: alert.ci_id.and_then(|id| cis.get(&id).cloned()),
            incident_number: alert.incident_id.and_then(|id| incidents.get(&id).cloned()),
            alert,
        })
        .collect())
}
