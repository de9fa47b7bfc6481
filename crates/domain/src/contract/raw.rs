//! The contract document as written (TOML), before validation. Field names are the document's
//! keys (DESIGN.md "The central idea"); unknown keys are errors, so a typo never passes silently.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContract {
    pub project: RawProject,
    #[serde(default)]
    pub calendars: BTreeMap<String, RawCalendar>,
    #[serde(default)]
    pub severity: BTreeMap<String, RawSeverity>,
    #[serde(default)]
    pub sla: RawSla,
    #[serde(default)]
    pub reports: BTreeMap<String, Spanned<RawTarget>>,
    pub inspection: Option<RawInspection>,
    pub monitoring: Option<RawMonitoring>,
    pub complaint: Option<RawComplaint>,
    pub spares: Option<RawSpares>,
    pub requirements: Option<RawRequirements>,
    pub emergency: Option<RawEmergency>,
    pub training: Option<RawTraining>,
    pub assessment: Option<RawAssessment>,
    pub scoring: Option<Spanned<RawScoring>>,
    #[serde(default)]
    pub penalties: BTreeMap<String, Spanned<RawPenalty>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    pub code: Spanned<String>,
    pub hospital: String,
    pub vendor: String,
    pub period: RawPeriod,
    pub annual_fee_yuan: Option<Spanned<toml::Value>>,
    pub timezone: Option<Spanned<String>>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeriod {
    pub start: Spanned<toml::Value>,
    pub end: Spanned<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    pub kind: Spanned<String>,
    pub weekdays: Option<Spanned<Vec<String>>>,
    pub hours: Option<Spanned<Vec<String>>>,
    pub holidays: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
    #[serde(default)]
    pub closures: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    pub extra_workdays: Vec<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeverity {
    pub name: Option<String>,
    pub respond: Option<RawTarget>,
    pub remote: Option<RawTarget>,
    pub onsite: Option<RawTarget>,
    pub resolve: Option<RawTarget>,
    #[serde(default)]
    pub escalate: Vec<RawEscalation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub within: Spanned<String>,
    pub calendar: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEscalation {
    pub after: Spanned<String>,
    pub to: Spanned<String>,
    pub calendar: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSla {
    #[serde(default)]
    pub pause_while: Vec<Spanned<String>>,
    pub written_reply: Option<RawTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInspection {
    pub cycle: Option<Spanned<String>>,
    pub first: Option<RawTarget>,
    pub pre_holiday: Option<RawPreHoliday>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMonitoring {
    pub severity: Option<Spanned<String>>,
    #[serde(default)]
    pub rule: Vec<Spanned<RawAlertRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlertRule {
    #[serde(default)]
    pub when: BTreeMap<String, String>,
    pub severity: Option<Spanned<String>>,
    #[serde(default)]
    pub ignore: bool,
    #[serde(default)]
    pub resolve_on_recovery: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreHoliday {
    pub holidays: Spanned<Vec<String>>,
    pub lead: Spanned<String>,
    pub calendar: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComplaint {
    pub hours: Spanned<String>,
    pub first_reply: Option<RawTarget>,
    pub resolve: Option<RawTarget>,
    #[serde(default)]
    pub escalate: Vec<RawEscalation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpares {
    pub coverage_percent: Option<Spanned<toml::Value>>,
    pub initial_stock: Option<RawTarget>,
    pub restock: Option<RawTarget>,
    pub replace: Option<RawTarget>,
    pub urgent_replace: Option<RawTarget>,
    pub standby: Option<RawTarget>,
    pub repair_warranty_months: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequirements {
    pub plan: Option<RawTarget>,
    pub develop: Option<RawTarget>,
    pub deliver: Option<RawTarget>,
    pub customization_days_per_year: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmergency {
    #[serde(default)]
    pub manual_fallback: Vec<RawFallback>,
    pub drill_every: Option<Spanned<String>>,
    pub senior_onsite: Option<RawTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFallback {
    pub after: Spanned<String>,
    pub calendar: Spanned<String>,
    pub units: Spanned<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraining {
    pub every: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssessment {
    pub period: Spanned<String>,
    pub pay_percent_per_period: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScoring {
    pub full: Option<Spanned<toml::Value>>,
    pub pass: Spanned<toml::Value>,
    pub below_pass: Spanned<String>,
    pub deduct_fee_percent_per_point: Option<Spanned<toml::Value>>,
    pub deduct_cap_percent: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub items: Vec<Spanned<RawScoreItem>>,
    #[serde(default)]
    pub adjust: Vec<RawAdjust>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScoreItem {
    pub metric: Spanned<String>,
    pub name: Option<String>,
    pub scope: Option<String>,
    pub weight: Option<Spanned<toml::Value>>,
    pub points: Option<Spanned<toml::Value>>,
    pub deduct: Option<Spanned<toml::Value>>,
    pub free_above_percent: Option<Spanned<toml::Value>>,
    pub per_percent: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdjust {
    pub event: Spanned<String>,
    pub points: Spanned<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPenalty {
    pub name: Option<String>,
    pub deduct_after_warnings: Spanned<toml::Value>,
    pub deduct_percent: Spanned<toml::Value>,
    pub severe_percent: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub may_terminate: bool,
}
