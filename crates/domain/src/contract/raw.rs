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
}
