//! Reporting a fault: the checks, the clocks it starts with, and storing it with its number,
//! escalation steps, CI links and audit entry.

use chrono::{DateTime, Datelike, Utc};
use serde_json::{Value, json};
use yunwei_domain::ValidationErrors;
use yunwei_domain::contract::CompiledContract;
use yunwei_domain::identity::Permission;
use yunwei_domain::servicedesk::{Channel, Clocks, SUPPORT_LINES, Scope, Status, audit};
use yunwei_domain::text::BoundedText;
use yunwei_store::incident::{self as store, IncidentRow};

use super::clocks::{clocks_of, snapshot};
use super::view::IncidentView;
use crate::access::authorize;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// A fault as reported.
#[derive(Debug, Clone, Default)]
pub struct NewIncident {
    pub title: String,
    pub description: String,
    pub severity: String,
    pub channel: String,
    pub reported_at: Option<DateTime<Utc>>,
    pub department: Option<String>,
    pub scope: Option<String>,
    pub category: Option<String>,
    pub ci: Vec<String>,
}

/// A text field of at most `MAX` characters, line breaks allowed (a title may come from an alert's
/// summary); blank when refused (the refusal is in `v`) or, if not `required`, left out.
pub(super) fn text<const MAX: usize>(v: &mut ValidationErrors, field: &str, s: &str, required: bool) -> String {
    let t = if required {
        BoundedText::<MAX>::required_multiline(v, field, s)
    } else {
        BoundedText::<MAX>::optional_multiline(v, field, Some(s))
    };
    t.map(String::from).unwrap_or_default()
}

pub(super) fn opt_text<const MAX: usize>(v: &mut ValidationErrors, field: &str, s: &Option<String>) -> Option<String> {
    BoundedText::<MAX>::optional_multiline(v, field, s.as_deref()).map(String::from)
}

/// Reports a fault in project `code`.
pub async fn create(app: &App, actor: &Actor, code: &str, input: NewIncident) -> Result<IncidentView, AppError> {
    let new = prepare(app, actor, code, input).await?;
    let mut tx = app.db.begin().await?;
    let row = insert_prepared(&mut tx, actor, new.row, &new.terms).await?;
    tx.commit().await?;
    IncidentView::load(app, row, new.clocks, Vec::new()).await
}

/// A reported fault checked and its clocks computed, ready to be stored.
pub(crate) struct Prepared {
    pub(crate) row: IncidentRow,
    pub(crate) clocks: Clocks,
    pub(crate) terms: std::sync::Arc<CompiledContract>,
}

/// Checks a report of a fault in project `code` (permission, fields, contract) without writing.
pub(crate) async fn prepare(app: &App, actor: &Actor, code: &str, input: NewIncident) -> Result<Prepared, AppError> {
    let access = authorize(app, actor, code, Permission::IncidentReport).await?;
    let project = access.project;
    let contract_version_id = crate::terms::current_version(app, project.id).await?;
    let t = crate::terms::of_version(app, contract_version_id).await?;
    let now = app.now();
    let mut v = ValidationErrors::default();
    let title = text::<200>(&mut v, "title", &input.title, true);
    let description = text::<10_000>(&mut v, "description", &input.description, false);
    if !t.contract.severities.contains_key(&input.severity) {
        let known = t.contract.severities.keys().cloned().collect::<Vec<_>>().join(", ");
        v.push("severity", format!("合同中没有级别“{}”，可选：{known}", input.severity));
    }
    if Channel::parse(&input.channel).is_none() {
        v.push("channel", format!("未知渠道“{}”，可选：{}", input.channel, Channel::codes()));
    }
    let scope = input.scope.clone().unwrap_or_else(|| Scope::Department.code().to_owned());
    if Scope::parse(&scope).is_none() {
        v.push("scope", format!("未知范围“{scope}”，可选：{}", Scope::codes()));
    }
    let reported_at = crate::clock::truncate_micros(input.reported_at.unwrap_or(now));
    if reported_at > now {
        v.push("reported_at", "报障时间不能晚于当前时间");
    }
    let department = opt_text::<100>(&mut v, "department", &input.department);
    let category = opt_text::<100>(&mut v, "category", &input.category);
    if input.ci.len() > 50 {
        v.push("ci", "最多关联 50 个配置项");
    }
    let ci: Vec<String> =
        input.ci.iter().filter_map(|c| BoundedText::<200>::optional(&mut v, "ci", Some(c))).map(String::from).collect();
    v.into_result()?;

    let mut row = IncidentRow {
        id: 0,
        project_id: project.id,
        number: String::new(),
        contract_version_id,
        title,
        description,
        channel: input.channel,
        severity: input.severity,
        status: Status::Reported.code().to_owned(),
        scope,
        department,
        category,
        ci: Value::from(ci).to_string(),
        reporter_id: Some(actor.user_id.get()),
        reporter_name: Some(actor.display_name.clone()),
        assignee_id: None,
        assignee_name: None,
        support_line: SUPPORT_LINES[0].0.to_owned(),
        reported_at,
        breach_at: None,
        sla: String::new(),
        created_at: now,
        created_by: actor.username.clone(),
        updated_at: now,
        version: 1,
    };
    let clocks = clocks_of(&t, &row, &[], now)?;
    (row.sla, row.breach_at) = snapshot(&clocks, now);
    Ok(Prepared { row, clocks, terms: t })
}

/// Stores a prepared incident inside `tx`: its number, escalation steps, CI links and audit entry.
pub(crate) async fn insert_prepared(
    tx: &mut yunwei_store::Tx,
    actor: &Actor,
    mut row: IncidentRow,
    t: &CompiledContract,
) -> Result<IncidentRow, AppError> {
    let now = row.created_at;
    let year = row.reported_at.with_timezone(&t.contract.project.timezone).year();
    let seq = store::next_seq(tx, row.project_id, year).await?;
    row.number = yunwei_domain::servicedesk::incident_number(year, seq);
    row.id = store::insert(tx, &row).await?;
    crate::notify::sync_escalations(tx, t, &row, &[], now).await?;
    // Entries that name a CI of the project (id, name or asset tag) become links the CI's page
    // lists; the rest stay as typed.
    let named: Vec<String> = serde_json::from_str(&row.ci).unwrap_or_default();
    let cis = yunwei_store::cmdb::resolve_refs(tx, row.project_id, &named).await?;
    yunwei_store::cmdb::link_incident(tx, row.project_id, row.id, &cis).await?;
    record(
        tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::INCIDENT_CREATE,
            entity_id: row.id.to_string(),
            summary: json!({ "after": { "number": row.number, "severity": row.severity, "channel": row.channel, "reported_at": row.reported_at.to_rfc3339() } }),
        },
    )
    .await?;
    Ok(row)
}
