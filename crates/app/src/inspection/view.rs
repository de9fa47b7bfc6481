//! An execution as the use cases hand it out: typed ids, its status, kind and day parsed, its
//! template and report read once — what web reads instead of the stored row.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use yunwei_domain::id::{CiId, ContractVersionId, IncidentId, InspectionId, PlanId, ProjectId, UserId};
use yunwei_domain::inspection::{Kind, Status, Template, Verdict};
use yunwei_store::inspection::{self as store, ExecutionRow, ResultRow};

use crate::AppError;

/// One inspection, done (or to be done) against one template on one CI.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub id: InspectionId,
    pub project_id: ProjectId,
    /// `INSP-2026-000012`.
    pub number: String,
    pub contract_version_id: ContractVersionId,
    pub template_code: String,
    /// The project template's version; 0 for a built-in.
    pub template_version: i64,
    pub ci_id: Option<CiId>,
    pub ci_name: Option<String>,
    pub kind: Kind,
    pub status: Status,
    pub planned_for: NaiveDate,
    pub started_at: Option<DateTime<Utc>>,
    /// The engineer's signature: when, who.
    pub completed_at: Option<DateTime<Utc>>,
    pub engineer_id: Option<UserId>,
    pub engineer_name: Option<String>,
    /// The hospital's signature.
    pub hospital_id: Option<UserId>,
    pub hospital_name: Option<String>,
    pub hospital_signed_at: Option<DateTime<Utc>>,
    pub hospital_note: Option<String>,
    pub report_due: Option<DateTime<Utc>>,
    pub report_issued_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The plan that generated it.
    pub plan_id: Option<PlanId>,
    /// The plan's period it stands for (`2026-Q2`, `first`, `pre_holiday:2026-国庆节`).
    pub period: Option<String>,
    /// By when it is to be done.
    pub due_at: Option<DateTime<Utc>>,
}

fn unreadable(id: i64, what: &str, value: &str) -> AppError {
    AppError::Internal(format!("{what} of inspection {id} unreadable: {value}"))
}

impl Execution {
    /// The stored row, its codes and day parsed (a value app never writes is an internal error).
    pub(crate) fn from_row(r: &ExecutionRow) -> Result<Self, AppError> {
        Ok(Execution {
            id: InspectionId::new(r.id),
            project_id: ProjectId::new(r.project_id),
            number: r.number.clone(),
            contract_version_id: ContractVersionId::new(r.contract_version_id),
            template_code: r.template_code.clone(),
            template_version: r.template_version,
            ci_id: r.ci_id.map(CiId::new),
            ci_name: r.ci_name.clone(),
            kind: Kind::parse(&r.kind).ok_or_else(|| unreadable(r.id, "kind", &r.kind))?,
            status: Status::parse(&r.status).ok_or_else(|| unreadable(r.id, "status", &r.status))?,
            planned_for: r.planned_for.parse().map_err(|_| unreadable(r.id, "planned_for", &r.planned_for))?,
            started_at: r.started_at,
            completed_at: r.completed_at,
            engineer_id: r.engineer_id.map(UserId::new),
            engineer_name: r.engineer_name.clone(),
            hospital_id: r.hospital_id.map(UserId::new),
            hospital_name: r.hospital_name.clone(),
            hospital_signed_at: r.hospital_signed_at,
            hospital_note: r.hospital_note.clone(),
            report_due: r.report_due,
            report_issued_at: r.report_issued_at,
            created_at: r.created_at,
            created_by: r.created_by.clone(),
            updated_at: r.updated_at,
            version: r.version,
            plan_id: r.plan_id.map(PlanId::new),
            period: r.period.clone(),
            due_at: r.due_at,
        })
    }

    /// Not completed and past its due time.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.open() && self.due_at.is_some_and(|d| now > d)
    }

    /// Whether the report was issued by its due time (`None` while not issued and not yet due,
    /// or when the contract sets no due time).
    pub fn report_met(&self, now: DateTime<Utc>) -> Option<bool> {
        let due = self.report_due?;
        match self.report_issued_at {
            Some(at) => Some(at <= due),
            None => (now > due).then_some(false),
        }
    }
}

/// The answer to one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult {
    pub execution_id: InspectionId,
    pub item_key: String,
    pub verdict: Verdict,
    pub number: Option<f64>,
    pub text: Option<String>,
    pub note: String,
    /// When the engineer recorded it on the device (a form filled offline arrives later).
    pub recorded_at: DateTime<Utc>,
    /// When the server stored it.
    pub saved_at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor: String,
    /// The incident this answer became.
    pub incident_id: Option<IncidentId>,
}

impl ItemResult {
    pub(crate) fn from_row(r: &ResultRow) -> Result<Self, AppError> {
        Ok(ItemResult {
            execution_id: InspectionId::new(r.execution_id),
            item_key: r.item_key.clone(),
            verdict: Verdict::parse(&r.verdict).ok_or_else(|| unreadable(r.execution_id, "verdict", &r.verdict))?,
            number: r.number,
            text: r.text.clone(),
            note: r.note.clone(),
            recorded_at: r.recorded_at,
            saved_at: r.saved_at,
            actor_id: r.actor_id.map(UserId::new),
            actor: r.actor.clone(),
            incident_id: r.incident_id.map(IncidentId::new),
        })
    }
}

/// An execution with its template, its report's text and its answers.
#[derive(Debug, Clone)]
pub struct ExecutionView {
    pub execution: Execution,
    /// The template it was created with (copied into the execution, read).
    pub template: Template,
    /// The report's text.
    pub report: ReportText,
    pub results: Vec<ItemResult>,
}

/// The report's text fields written so far, by [`super::REPORT_FIELDS`] key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportText(pub(super) BTreeMap<String, String>);

impl ReportText {
    /// The text of field `key`; empty while unwritten.
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }

    fn parse(id: i64, stored: &str) -> Result<Self, AppError> {
        serde_json::from_str(stored)
            .map(ReportText)
            .map_err(|e| AppError::Internal(format!("report of inspection {id} unreadable: {e}")))
    }
}

impl ExecutionView {
    /// Whether the report was issued by its due time (see [`Execution::report_met`]).
    pub fn report_met(&self, now: DateTime<Utc>) -> Option<bool> {
        self.execution.report_met(now)
    }

    /// The answer to `key`.
    pub fn result(&self, key: &str) -> Option<&ItemResult> {
        self.results.iter().find(|r| r.item_key == key)
    }

    /// Not completed and past its due time.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.execution.overdue(now)
    }

    /// Items answered abnormal.
    pub fn abnormal(&self) -> usize {
        self.results.iter().filter(|r| r.verdict == Verdict::Abnormal).count()
    }
}

/// The template copied into a stored execution.
pub(super) fn template_of(row: &ExecutionRow) -> Result<Template, AppError> {
    serde_json::from_str(&row.template)
        .map_err(|e| AppError::Internal(format!("template of inspection {} unreadable: {e}", row.id)))
}

/// An execution with its template and answers, as stored.
pub(crate) fn view(row: &ExecutionRow, results: &[ResultRow]) -> Result<ExecutionView, AppError> {
    Ok(ExecutionView {
        execution: Execution::from_row(row)?,
        template: template_of(row)?,
        report: ReportText::parse(row.id, &row.report)?,
        results: results.iter().map(ItemResult::from_row).collect::<Result<_, _>>()?,
    })
}

/// Filters of the execution list.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    /// Any of these (all when empty).
    pub status: Vec<Status>,
    pub ci_id: Option<CiId>,
    /// Planned on or after.
    pub from: Option<NaiveDate>,
    /// Planned on or before.
    pub to: Option<NaiveDate>,
    /// Not completed and past its due time at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub plan_id: Option<PlanId>,
    /// The plan's period (`2026-Q2`, `first` …).
    pub period: Option<String>,
    /// Only those after this (planned day, id) in the list's order (a page's cursor).
    pub after: Option<(NaiveDate, InspectionId)>,
}

impl ExecutionFilter {
    pub(super) fn to_store(&self) -> store::ExecutionFilter {
        store::ExecutionFilter {
            status: self.status.iter().map(|s| s.code().to_owned()).collect(),
            ci_id: self.ci_id.map(CiId::get),
            from: self.from.map(|d| d.to_string()),
            to: self.to.map(|d| d.to_string()),
            overdue_at: self.overdue_at,
            plan_id: self.plan_id.map(PlanId::get),
            period: self.period.clone(),
            after: self.after.map(|(d, id)| (d.to_string(), id.get())),
        }
    }
}
