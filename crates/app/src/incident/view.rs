//! Incidents as the API, the pages and the reports read them: the stored row with its JSON
//! columns (`ci`, `sla`, an event's `data`) decoded once, here.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use yunwei_domain::contract::ClockKind;
use yunwei_domain::servicedesk::Clocks;
use yunwei_store::incident::{EventRow, IncidentRow};

use crate::{App, AppError};

/// An attachment's description (fully typed as stored).
pub use yunwei_store::incident::AttachmentRow as Attachment;
/// The filters of a project's incident list.
pub use yunwei_store::incident::IncidentFilter;

/// The category of incidents raised from inspection items.
pub const INSPECTION_CATEGORY: &str = "巡检";

/// One SLA clock as the stored snapshot has it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClockSnapshot {
    pub due: DateTime<Utc>,
    pub warn_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// Whether it stopped in time; `None` while running.
    pub met: Option<bool>,
    pub paused_seconds: i64,
}

/// The stored snapshot of an incident's clocks: those of its severity, `None` while not started.
pub type Sla = BTreeMap<ClockKind, Option<ClockSnapshot>>;

/// A stored incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: i64,
    pub project_id: i64,
    /// `INC-2026-000123`.
    pub number: String,
    pub contract_version_id: i64,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub severity: String,
    pub status: String,
    pub scope: String,
    pub department: Option<String>,
    pub category: Option<String>,
    /// The configuration items as reported (names, ids or asset tags).
    pub ci: Vec<String>,
    pub reporter_id: Option<i64>,
    pub reporter_name: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    /// `l1`, `l2` or `expert`.
    pub support_line: String,
    pub reported_at: DateTime<Utc>,
    pub breach_at: Option<DateTime<Utc>>,
    /// The clocks as of the last change (a list shows these; a single read computes them live).
    pub sla: Sla,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Something that happened to an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub incident_id: i64,
    /// The event type's code.
    pub kind: String,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub note: String,
    /// Type-specific fields (`severity`, `to`, `assignee_name`, `score`, `cause` …).
    pub data: Map<String, Value>,
}

impl Event {
    /// A text field of `data` ("" when absent).
    pub fn text(&self, key: &str) -> &str {
        self.data.get(key).and_then(Value::as_str).unwrap_or_default()
    }

    /// A number field of `data`.
    pub fn number(&self, key: &str) -> Option<i64> {
        self.data.get(key).and_then(Value::as_i64)
    }
}

/// An incident with its live clocks and its events.
#[derive(Debug, Clone)]
pub struct IncidentView {
    /// The stored incident.
    pub row: Incident,
    /// The clocks at the time of reading.
    pub clocks: Clocks,
    /// What happened, in order.
    pub events: Vec<Event>,
    /// The CIs its `ci` entries name: (id, name).
    pub cis: Vec<(i64, String)>,
    /// The inspection answers it was raised from: (inspection id, number, item key).
    pub inspections: Vec<(i64, String, String)>,
}

fn corrupt(what: &str, id: i64, e: serde_json::Error) -> AppError {
    AppError::Internal(format!("{what} of incident {id}: {e}"))
}

/// The `ci` column: a JSON list of strings (blank: none).
pub(crate) fn ci_of(row: &IncidentRow) -> Result<Vec<String>, AppError> {
    if row.ci.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(&row.ci).map_err(|e| corrupt("ci", row.id, e))
}

fn sla_of(row: &IncidentRow) -> Result<Sla, AppError> {
    if row.sla.trim().is_empty() {
        return Ok(Sla::new());
    }
    let stored: BTreeMap<String, Option<ClockSnapshot>> =
        serde_json::from_str(&row.sla).map_err(|e| corrupt("sla", row.id, e))?;
    stored
        .into_iter()
        .map(|(k, c)| match ClockKind::parse(&k) {
            Some(kind) => Ok((kind, c)),
            None => Err(AppError::Internal(format!("sla of incident {}: unknown clock {k}", row.id))),
        })
        .collect()
}

impl Incident {
    pub(crate) fn from_row(row: IncidentRow) -> Result<Self, AppError> {
        let ci = ci_of(&row)?;
        let sla = sla_of(&row)?;
        Ok(Incident {
            id: row.id,
            project_id: row.project_id,
            number: row.number,
            contract_version_id: row.contract_version_id,
            title: row.title,
            description: row.description,
            channel: row.channel,
            severity: row.severity,
            status: row.status,
            scope: row.scope,
            department: row.department,
            category: row.category,
            ci,
            reporter_id: row.reporter_id,
            reporter_name: row.reporter_name,
            assignee_id: row.assignee_id,
            assignee_name: row.assignee_name,
            support_line: row.support_line,
            reported_at: row.reported_at,
            breach_at: row.breach_at,
            sla,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
            version: row.version,
        })
    }
}

impl Event {
    pub(crate) fn from_row(e: EventRow) -> Result<Self, AppError> {
        let data = if e.data.trim().is_empty() {
            Map::new()
        } else {
            serde_json::from_str(&e.data).map_err(|err| corrupt("event data", e.incident_id, err))?
        };
        Ok(Event {
            id: e.id,
            incident_id: e.incident_id,
            kind: e.kind,
            at: e.at,
            recorded_at: e.recorded_at,
            actor_id: e.actor_id,
            actor: e.actor,
            note: e.note,
            data,
        })
    }
}

impl IncidentView {
    /// The view of a stored incident: its links looked up, its columns decoded.
    pub(super) async fn load(
        app: &App,
        row: IncidentRow,
        clocks: Clocks,
        events: Vec<EventRow>,
    ) -> Result<Self, AppError> {
        let cis = linked_cis(app, &row).await?;
        let inspections = linked_inspections(app, &row).await?;
        Ok(IncidentView {
            row: Incident::from_row(row)?,
            clocks,
            events: events.into_iter().map(Event::from_row).collect::<Result<_, _>>()?,
            cis,
            inspections,
        })
    }
}

/// The inspection answers an incident came from; no query unless it was raised from one.
async fn linked_inspections(app: &App, row: &IncidentRow) -> Result<Vec<(i64, String, String)>, AppError> {
    if row.category.as_deref() != Some(INSPECTION_CATEGORY) {
        return Ok(Vec::new());
    }
    Ok(yunwei_store::inspection::sources_of_incident(&app.db, row.id).await?)
}

/// The CIs an incident is linked to; no query when its `ci` list is empty.
async fn linked_cis(app: &App, row: &IncidentRow) -> Result<Vec<(i64, String)>, AppError> {
    if row.ci.trim() == "[]" || row.ci.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(yunwei_store::cmdb::cis_of_incident(&app.db, row.id).await?)
}
