//! The service contract as data (DESIGN.md "The central idea"): a TOML document whose terms —
//! calendars, severity levels and their SLA targets, escalation ladder, pause rules — drive every
//! clock. Parsing names the line, column and field path of every problem
//! (`severity.P3.respond.calendar: no calendar named "offce"`), so a typo never passes silently.

pub mod audit;
mod compiled;
mod raw;
mod terms;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use toml::Spanned;

use crate::calendar::{
    BusinessDuration, Calendar, CalendarError, CalendarKind, CalendarSpec, DaySchedule, HolidayTable, Pause,
};
use crate::identity::ProjectCode;
pub use compiled::CompiledContract;
use raw::*;
pub use terms::*;

/// One problem in a contract document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Dotted field path.
    pub field: String,
    /// Why it is wrong.
    pub reason: String,
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}: {}", self.line, self.column, self.field, self.reason)
    }
}

/// All problems of a document, in document order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ContractErrors(pub Vec<ContractError>);

code_enum! {
    /// The SLA clocks of an incident (seed 000 §3, seed 003 1.1.5.2).
    ClockKind {
        /// Reported → an engineer confirms and starts diagnosis (响应).
        Respond = ("respond", "响应"),
        /// Remote support requested → engineer logged in (远程支持响应).
        Remote = ("remote", "远程支持"),
        /// On-site requested → engineer on site (到达现场).
        Onsite = ("onsite", "到达现场"),
        /// Reported → fault removed (解决).
        Resolve = ("resolve", "解决"),
    }
}

/// A clock's target: within this business time of that calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockTarget {
    /// Allowed business time.
    pub within: BusinessDuration,
    /// Name of the calendar it is counted in.
    pub calendar: String,
}

/// One rung of the escalation ladder (seed 003: Manager1 → Manager2 → Manager3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationStep {
    /// Business time after the report.
    pub after: BusinessDuration,
    /// Who is told (`manager1`, `manager2`, `l2` …).
    pub to: String,
    /// Calendar `after` is counted in.
    pub calendar: String,
}

/// A severity level and its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityTerms {
    /// Name shown in the UI (一级故障（紧急）).
    pub name: String,
    /// Targets by clock; a clock without a target is not tracked for this severity.
    pub clocks: BTreeMap<ClockKind, ClockTarget>,
    /// Escalation ladder, by increasing `after`.
    pub escalate: Vec<EscalationStep>,
}

/// The parties and period of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectTerms {
    /// Project code.
    pub code: ProjectCode,
    /// Project name (defaults to hospital + 运维服务).
    pub name: String,
    /// The hospital (甲方).
    pub hospital: String,
    /// The vendor (乙方).
    pub vendor: String,
    /// First day of the service period.
    pub start: NaiveDate,
    /// Last day of the service period.
    pub end: NaiveDate,
    /// Annual fee in fen (1 yuan = 100 fen), if stated.
    pub annual_fee_fen: Option<i64>,
    /// Time zone of the contract's clocks.
    pub timezone: Tz,
}

/// Statuses during which SLA clocks stand still (seed 000 §3.2: 医院批准的时间不包含在承诺的服务等级时间内).
pub const PAUSE_STATUSES: &[&str] =
    &["awaiting_approval", "awaiting_reporter", "awaiting_parts", "awaiting_third_party"];

/// A clock's deadline, or why it could not be computed.
pub type Deadline = Result<crate::calendar::Computed<DateTime<Utc>>, CalendarError>;

/// A validated contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Parties and period.
    pub project: ProjectTerms,
    /// Calendars by name.
    pub calendars: BTreeMap<String, CalendarSpec>,
    /// Severity levels by code (`P1` …).
    pub severities: BTreeMap<String, SeverityTerms>,
    /// Statuses that pause SLA clocks.
    pub pause_while: Vec<String>,
    /// Reports, inspections, complaints, spares, requirements, emergencies, training, scoring
    /// and penalties.
    pub terms: Terms,
}

struct Ctx<'a> {
    text: &'a str,
    errors: Vec<ContractError>,
}

impl Ctx<'_> {
    fn at(&self, span: Range<usize>) -> (usize, usize) {
        let before = &self.text[..span.start.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
        (line, column)
    }

    fn err<T>(&mut self, spanned: &Spanned<T>, field: impl Into<String>, reason: impl Into<String>) {
        let (line, column) = self.at(spanned.span());
        self.errors.push(ContractError { line, column, field: field.into(), reason: reason.into() });
    }
}

/// A date written as `"2026-01-01"` (as in DESIGN.md) or as a bare TOML date.
fn date_of(ctx: &mut Ctx<'_>, v: &Spanned<toml::Value>, field: &str) -> Option<NaiveDate> {
    let parsed = match v.get_ref() {
        toml::Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        toml::Value::Datetime(dt) => match (dt.date, dt.time) {
            (Some(d), None) => NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)),
            _ => None,
        },
        _ => None,
    };
    if parsed.is_none() {
        ctx.err(v, field, "须为日期，如 \"2026-01-01\"");
    }
    parsed
}

fn timezone(ctx: &mut Ctx<'_>, v: &Spanned<String>, field: &str) -> Option<Tz> {
    let tz = crate::time::parse_tz(v.get_ref());
    if tz.is_none() {
        ctx.err(v, field, format!("未知时区“{}”，须为 IANA 名称，如 Asia/Shanghai", v.get_ref()));
    }
    tz
}

fn duration(ctx: &mut Ctx<'_>, v: &Spanned<String>, field: &str) -> Option<BusinessDuration> {
    v.get_ref().parse::<BusinessDuration>().map_err(|e| ctx.err(v, field, e.0)).ok()
}

/// Longest service period, in years: calendars are compiled day by day over it.
pub const MAX_PERIOD_YEARS: u32 = 10;
/// Most calendars one contract declares.
pub const MAX_CALENDARS: usize = 16;
/// An annual fee at or above this (in yuan) is a typo; the fen must fit an `i64` anyway.
const MAX_FEE_YUAN: f64 = 1e13;

/// Parses and validates a contract document.
pub fn parse(text: &str) -> Result<Contract, ContractErrors> {
    let mut ctx = Ctx { text, errors: Vec::new() };
    let raw: RawContract = match toml::de::Deserializer::parse(text) {
        Ok(de) => match serde_path_to_error::deserialize(de) {
            Ok(r) => r,
            Err(e) => {
                // Spanned<T> shows up in serde's path as an internal field; drop it.
                let field = e.path().to_string().replace(".$__serde_spanned_private_value", "");
                let inner = e.into_inner();
                let (line, column) = ctx.at(inner.span().unwrap_or(0..0));
                let reason = inner.message().to_owned();
                let field = match (reason.find("missing field `"), field.as_str()) {
                    (Some(i), p) => {
                        let name = reason[i + 15..].split('`').next().unwrap_or_default();
                        if p == "." { name.to_owned() } else { format!("{p}.{name}") }
                    }
                    (None, p) => p.to_owned(),
                };
                return Err(ContractErrors(vec![ContractError { line, column, field, reason }]));
            }
        },
        Err(e) => {
            let (line, column) = ctx.at(e.span().unwrap_or(0..0));
            return Err(ContractErrors(vec![ContractError {
                line,
                column,
                field: "(document)".into(),
                reason: e.message().to_owned(),
            }]));
        }
    };
    let contract = validate(&mut ctx, raw);
    let mut errors = ctx.errors;
    errors.sort_by_key(|e| (e.line, e.column));
    match contract {
        Some(c) if errors.is_empty() => Ok(c),
        _ => Err(ContractErrors(errors)),
    }
}

fn validate(ctx: &mut Ctx<'_>, raw: RawContract) -> Option<Contract> {
    let p = &raw.project;
    let code = ProjectCode::parse(p.code.get_ref(), "project.code")
        .map_err(|e| ctx.err(&p.code, "project.code", e.0[0].reason.clone()))
        .ok();
    let tz = match &p.timezone {
        Some(t) => timezone(ctx, t, "project.timezone"),
        None => Some(crate::time::DEFAULT_TZ),
    };
    let start = date_of(ctx, &p.period.start, "project.period.start");
    let end = date_of(ctx, &p.period.end, "project.period.end");
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            ctx.err(&p.period.end, "project.period.end", "服务期结束日期早于开始日期");
        } else if s.checked_add_months(chrono::Months::new(12 * MAX_PERIOD_YEARS)).is_none_or(|limit| e >= limit) {
            // Every calendar is compiled day by day over the period.
            ctx.err(&p.period.end, "project.period.end", format!("服务期最长 {MAX_PERIOD_YEARS} 年"));
        }
    }
    let fee = p.annual_fee_yuan.as_ref().and_then(|v| match v.get_ref() {
        toml::Value::Integer(i) if (0..=i64::MAX / 100).contains(i) => Some(i * 100),
        toml::Value::Float(f) if (0.0..MAX_FEE_YUAN).contains(f) && (f * 100.0).fract().abs() < 1e-6 => {
            Some((f * 100.0).round() as i64)
        }
        _ => {
            ctx.err(v, "project.annual_fee_yuan", "年服务费须为不小于 0 的金额（元，最多两位小数）");
            None
        }
    });

    let mut calendars = BTreeMap::new();
    for (i, (name, c)) in raw.calendars.iter().enumerate() {
        let path = format!("calendars.{name}");
        if i == MAX_CALENDARS {
            ctx.err(&c.kind, "calendars", format!("一份合同最多 {MAX_CALENDARS} 个日历"));
        }
        let ctz = match &c.timezone {
            Some(t) => timezone(ctx, t, &format!("{path}.timezone")),
            None => tz,
        };
        let kind = match c.kind.get_ref().as_str() {
            "24x7" => Some(CalendarKind::TwentyFourSeven),
            "business" => business(ctx, c, &path),
            other => {
                ctx.err(&c.kind, format!("{path}.kind"), format!("未知日历类型“{other}”，可选 24x7、business"));
                None
            }
        };
        if let (Some(kind), Some(tz)) = (kind, ctz) {
            calendars.insert(name.clone(), CalendarSpec { kind, tz });
        }
    }

    let mut severities = BTreeMap::new();
    for (code, s) in &raw.severity {
        let path = format!("severity.{code}");
        let mut clocks = BTreeMap::new();
        for (kind, t) in [
            (ClockKind::Respond, &s.respond),
            (ClockKind::Remote, &s.remote),
            (ClockKind::Onsite, &s.onsite),
            (ClockKind::Resolve, &s.resolve),
        ] {
            if let Some(c) = t.as_ref().and_then(|t| target(ctx, &raw, t, &format!("{path}.{}", kind.code()))) {
                clocks.insert(kind, c);
            }
        }
        let default_cal = s.resolve.as_ref().or(s.respond.as_ref()).map(|t| t.calendar.get_ref().clone());
        let escalate = ladder(ctx, &raw, &s.escalate, &path, default_cal);
        severities.insert(
            code.clone(),
            SeverityTerms { name: s.name.clone().unwrap_or_else(|| code.clone()), clocks, escalate },
        );
    }

    let mut pause_while = Vec::new();
    for (i, st) in raw.sla.pause_while.iter().enumerate() {
        if PAUSE_STATUSES.contains(&st.get_ref().as_str()) {
            pause_while.push(st.get_ref().clone());
        } else {
            ctx.err(
                st,
                format!("sla.pause_while[{i}]"),
                format!("未知状态“{}”，可选：{}", st.get_ref(), PAUSE_STATUSES.join(", ")),
            );
        }
    }

    let terms = terms::terms(ctx, &raw);
    let (code, tz, start, end) = (code?, tz?, start?, end?);
    Some(Contract {
        project: ProjectTerms {
            name: p.name.clone().unwrap_or_else(|| format!("{}运维服务", p.hospital)),
            code,
            hospital: p.hospital.clone(),
            vendor: p.vendor.clone(),
            start,
            end,
            annual_fee_fen: fee,
            timezone: tz,
        },
        calendars,
        severities,
        pause_while,
        terms,
    })
}

/// A clock target (`{ within = "2h", calendar = "office" }`) at `path`.
fn target(ctx: &mut Ctx<'_>, raw: &RawContract, t: &RawTarget, path: &str) -> Option<ClockTarget> {
    let within = duration(ctx, &t.within, &format!("{path}.within"));
    check_calendar(ctx, raw, &t.calendar, &format!("{path}.calendar"));
    within
        .filter(|_| raw.calendars.contains_key(t.calendar.get_ref()))
        .map(|within| ClockTarget { within, calendar: t.calendar.get_ref().clone() })
}

/// An escalation ladder at `{path}.escalate`; steps without a calendar use `default_cal`.
fn ladder(
    ctx: &mut Ctx<'_>,
    raw: &RawContract,
    steps: &[RawEscalation],
    path: &str,
    default_cal: Option<String>,
) -> Vec<EscalationStep> {
    let mut escalate: Vec<EscalationStep> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let spath = format!("{path}.escalate[{i}]");
        let after = duration(ctx, &step.after, &format!("{spath}.after"));
        let calendar = match &step.calendar {
            Some(c) => {
                check_calendar(ctx, raw, c, &format!("{spath}.calendar"));
                Some(c.get_ref().clone())
            }
            None => default_cal.clone(),
        };
        let to = step.to.get_ref().trim();
        if to.is_empty() || !to.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
            ctx.err(&step.to, format!("{spath}.to"), "升级对象须为角色或岗位代码，如 manager1、l2");
        }
        let Some(calendar) = calendar else {
            ctx.err(&step.after, format!("{spath}.calendar"), "未指定日历，且没有可沿用的日历");
            continue;
        };
        if let Some(after) = after {
            if let Some(prev) = escalate.last()
                && prev.calendar == calendar
                && prev.after.working_days == after.working_days
                && prev.after.seconds >= after.seconds
            {
                ctx.err(&step.after, format!("{spath}.after"), "升级时限须逐级递增");
            }
            escalate.push(EscalationStep { after, to: to.to_owned(), calendar });
        }
    }
    escalate
}

fn check_calendar(ctx: &mut Ctx<'_>, raw: &RawContract, name: &Spanned<String>, field: &str) {
    if !raw.calendars.contains_key(name.get_ref()) {
        let known = raw.calendars.keys().cloned().collect::<Vec<_>>().join(", ");
        ctx.err(name, field, format!("no calendar named \"{}\" (defined: {known})", name.get_ref()));
    }
}

fn business(ctx: &mut Ctx<'_>, c: &RawCalendar, path: &str) -> Option<CalendarKind> {
    let weekdays = match &c.weekdays {
        Some(w) => {
            let mut days = Vec::new();
            for d in w.get_ref() {
                match crate::calendar::schedule::parse_weekday(d) {
                    Some(day) => days.push(day),
                    None => ctx.err(w, format!("{path}.weekdays"), format!("“{d}”不是星期，应为 Mon … Sun")),
                }
            }
            CalendarSpec::weekday_set(&days)
        }
        None => {
            ctx.err(
                &c.kind,
                format!("{path}.weekdays"),
                "business 日历须列出工作日，如 [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]",
            );
            return None;
        }
    };
    let hours = match &c.hours {
        Some(h) => DaySchedule::parse(h.get_ref()).map_err(|e| ctx.err(h, format!("{path}.hours"), e)).ok()?,
        None => {
            ctx.err(
                &c.kind,
                format!("{path}.hours"),
                "business 日历须给出工作时段，如 [\"08:30-12:00\", \"13:30-17:30\"]",
            );
            return None;
        }
    };
    let holidays = match c.holidays.as_ref().map(|h| (h, h.get_ref().as_str())) {
        None | Some((_, "none")) => None,
        Some((_, "cn")) => Some(HolidayTable::cn().clone()),
        Some((h, other)) => {
            ctx.err(h, format!("{path}.holidays"), format!("未知节假日表“{other}”，可选 cn、none"));
            None
        }
    };
    let mut dates = |list: &[Spanned<toml::Value>], field: &str| {
        list.iter().filter_map(|d| date_of(ctx, d, &format!("{path}.{field}"))).collect()
    };
    let closures = dates(&c.closures, "closures");
    let extra_workdays = dates(&c.extra_workdays, "extra_workdays");
    Some(CalendarKind::Business { weekdays, hours, holidays, closures, extra_workdays })
}

/// A copy of `document` with string fields of its `[project]` table set (`code`, `hospital` …),
/// comments and layout kept: how a preset becomes a hospital's contract (and the demo's).
/// Fields that are not present are left alone.
pub fn with_project_fields(document: &str, fields: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(document.len());
    let mut in_project = false;
    for line in document.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_project = trimmed.starts_with("[project]");
        }
        let replaced = in_project
            .then(|| {
                let (key, rest) = trimmed.split_once('=')?;
                let (_, value) = fields.iter().find(|(k, _)| *k == key.trim())?;
                let rest = rest.trim_start().strip_prefix('"')?;
                let end = rest.find('"')?;
                let tail = &rest[end + 1..];
                let quoted = toml::Value::String((*value).to_owned()).to_string();
                Some(format!("{} = {quoted}{tail}", key.trim_end()))
            })
            .flatten();
        out.push_str(replaced.as_deref().unwrap_or(line));
    }
    out
}

impl Contract {
    /// Lays `extra` (years an administrator added or corrected) over the shipped holiday data of
    /// every calendar that follows public holidays.
    pub fn add_holiday_years(&mut self, extra: &HolidayTable) {
        for spec in self.calendars.values_mut() {
            if let CalendarKind::Business { holidays: Some(table), .. } = &mut spec.kind {
                table.merge(extra.clone());
            }
        }
    }

    /// Compiles every calendar for the contract period with a year of margin on each side.
    pub fn compile_calendars(&self) -> BTreeMap<String, Calendar> {
        let (first, last) = (self.project.start.year() - 1, self.project.end.year() + 1);
        self.calendars.iter().map(|(n, s)| (n.clone(), s.compile(first, last))).collect()
    }

    /// Deadlines of each clock of `severity` for a fault reported `at` (no pauses yet): what
    /// `yunwei sla preview` prints. `None` when the severity is unknown.
    pub fn preview(
        &self,
        calendars: &BTreeMap<String, Calendar>,
        severity: &str,
        at: DateTime<Utc>,
    ) -> Option<Vec<(ClockKind, Deadline)>> {
        let s = self.severities.get(severity)?;
        let none: &[Pause] = &[];
        Some(
            s.clocks
                .iter()
                .map(|(k, t)| {
                    let r = match calendars.get(&t.calendar) {
                        Some(c) => c.add_business(at, t.within, none),
                        None => Err(CalendarError::Invalid(format!("no calendar {}", t.calendar))),
                    };
                    (*k, r)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests;
