//! Inspections (seed 000 §2.2–2.5 and §2.9, seed 003 1.1.6.2.5/7 and 1.1.8.2, seed 004 2.1):
//! checklist templates with a reference standard, method, result kind and cycle per item; the
//! judging of an answer against the item (a number outside its normal range is abnormal, whatever
//! the engineer ticks); and the life of one execution (planned → in progress → completed and signed
//! by the engineer → confirmed by the hospital).
//!
//! The seeds' checklists ship as built-in templates (`builtin/*.toml`, transcribed item by item;
//! docs/inspection-templates.md sets them beside the seed text). A project copies and edits them;
//! an execution keeps the exact template it was filled in against, so editing a template never
//! changes a finished inspection.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

pub mod audit;
#[cfg(test)]
mod tests;
mod validate;

pub use validate::*;

code_enum! {
    /// How often an inspection (or one of its items) is due.
    Period {
        /// Every day (the resident engineer's monitoring, seed 000 §2.3).
        Day = ("day", "每天"),
        /// Every week.
        Week = ("week", "每周"),
        /// Every month.
        Month = ("month", "每月"),
        /// Every quarter (seed 003 1.1.6.2.5: 每季度至少一次).
        Quarter = ("quarter", "每季度"),
        /// Every half year.
        HalfYear = ("half_year", "每半年"),
        /// Every year.
        Year = ("year", "每年"),
    }
}

code_enum! {
    /// What an item's answer is.
    ResultKind {
        /// □正常 □异常.
        OkAbnormal = ("ok_abnormal", "正常/异常"),
        /// A measured number with a unit, checked against the item's normal range.
        Number = ("number", "数值"),
        /// Free text (what was found), judged by the engineer.
        Text = ("text", "文字"),
        /// A photo of what was seen, judged by the engineer.
        Photo = ("photo", "照片"),
    }
}

code_enum! {
    /// The verdict on one item (正常 / 异常).
    Verdict {
        /// 正常.
        Ok = ("ok", "正常"),
        /// 异常.
        Abnormal = ("abnormal", "异常"),
    }
}

/// One line of a checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Position in the template, `section.item` counted from 1 (`2.3`): what results refer to.
    pub key: String,
    /// Section it belongs to (硬件运行状态 …).
    pub section: String,
    /// What is checked (电源指示灯).
    pub name: String,
    /// Reference standard (参考标准), when the template states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    /// How it is checked (巡检方法描述), when the template states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The kind of answer.
    pub result: ResultKind,
    /// Unit of a number (`%`, `℃`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Lowest normal value of a number, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest normal value of a number, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The item's own cycle, when it differs from the template's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<Period>,
    /// Severity of the incident an abnormal answer opens by itself; without it an abnormal item
    /// becomes an incident only when someone asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

/// A checklist (巡检作业计划书).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Code, unique among built-ins and within a project (`minicomputer`).
    pub code: String,
    /// Short name (小型机系统巡检).
    pub name: String,
    /// Title of the printed form.
    pub title: String,
    /// Where it comes from (`种子 000 §2.3`, or the project that wrote it).
    pub source: String,
    /// Default cycle.
    pub cycle: Period,
    /// Header fields of the printed form (设备名, 管理IP …), filled from the CI.
    pub header: Vec<String>,
    /// CI types it is meant for (CMDB type codes); empty when any.
    #[serde(default)]
    pub ci_types: Vec<String>,
    /// The items, section by section.
    pub items: Vec<Item>,
}

impl Template {
    /// The item with this key.
    pub fn item(&self, key: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.key == key)
    }

    /// The sections in order, each with its items.
    pub fn sections(&self) -> Vec<(&str, Vec<&Item>)> {
        let mut out: Vec<(&str, Vec<&Item>)> = Vec::new();
        for it in &self.items {
            match out.last_mut() {
                Some((s, items)) if *s == it.section => items.push(it),
                _ => out.push((&it.section, vec![it])),
            }
        }
        out
    }

    /// The template in the form a client writes it back (to copy and edit).
    pub fn to_input(&self) -> TemplateInput {
        TemplateInput {
            code: self.code.clone(),
            name: self.name.clone(),
            title: Some(self.title.clone()),
            source: Some(self.source.clone()),
            cycle: Some(self.cycle.code().to_owned()),
            header: self.header.clone(),
            ci_types: self.ci_types.clone(),
            items: self
                .items
                .iter()
                .map(|i| ItemInput {
                    section: i.section.clone(),
                    name: i.name.clone(),
                    standard: i.standard.clone(),
                    method: i.method.clone(),
                    result: Some(i.result.code().to_owned()),
                    unit: i.unit.clone(),
                    min: i.min,
                    max: i.max,
                    cycle: i.cycle.map(|c| c.code().to_owned()),
                    incident: i.incident.clone(),
                })
                .collect(),
        }
    }
}

/// A built-in template file: sections hold their items (the seeds' forms are laid out so).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuiltinFile {
    code: String,
    name: String,
    title: String,
    source: String,
    cycle: String,
    #[serde(default)]
    header: Vec<String>,
    #[serde(default)]
    ci_types: Vec<String>,
    section: Vec<BuiltinSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuiltinSection {
    name: String,
    /// Items without `section` (the section holds them).
    item: Vec<ItemInput>,
}

/// The built-in template files, in display order.
const BUILTIN_FILES: &[(&str, &str)] = &[
    ("core_switch", include_str!("builtin/core_switch.toml")),
    ("network_onsite", include_str!("builtin/network_onsite.toml")),
    ("minicomputer", include_str!("builtin/minicomputer.toml")),
    ("storage", include_str!("builtin/storage.toml")),
    ("oracle", include_str!("builtin/oracle.toml")),
    ("weblogic", include_str!("builtin/weblogic.toml")),
    ("pc_workstation", include_str!("builtin/pc_workstation.toml")),
    ("health_checkup_server", include_str!("builtin/health_checkup_server.toml")),
];

/// Parses one built-in file (line and column in the error when the TOML itself is bad).
fn parse_builtin(text: &str) -> Result<Template, String> {
    let f: BuiltinFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let input = TemplateInput {
        code: f.code,
        name: f.name,
        title: Some(f.title),
        source: Some(f.source),
        cycle: Some(f.cycle),
        header: f.header,
        ci_types: f.ci_types,
        items: f
            .section
            .into_iter()
            .flat_map(|s| {
                let section = s.name;
                s.item.into_iter().map(move |i| ItemInput { section: section.clone(), ..i })
            })
            .collect(),
    };
    validate(&input, &[]).map_err(|e| e.to_string())
}

static BUILTINS: LazyLock<Vec<Template>> = LazyLock::new(|| {
    BUILTIN_FILES
        .iter()
        .map(|(code, text)| {
            let t = parse_builtin(text).unwrap_or_else(|e| panic!("built-in template {code}: {e}"));
            assert_eq!(t.code, *code, "built-in template file {code}.toml names itself {}", t.code);
            t
        })
        .collect()
});

/// The seeds' templates (a unit test checks every file, so this cannot fail at run time).
pub fn builtins() -> &'static [Template] {
    &BUILTINS
}

/// The built-in template with this code.
pub fn builtin(code: &str) -> Option<&'static Template> {
    BUILTINS.iter().find(|t| t.code == code)
}

/// An answer to one item as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The engineer's verdict, if given.
    pub verdict: Option<Verdict>,
    /// A measured number.
    pub number: Option<f64>,
    /// Free text.
    pub text: Option<String>,
}

/// Judges an answer against its item: a number outside the normal range is abnormal and cannot
/// be ticked normal; an ok/abnormal item needs the tick; text and photo items are normal unless
/// the engineer says otherwise. The error names the field and the reason.
pub fn judge(item: &Item, a: &Answer) -> Result<Verdict, (&'static str, String)> {
    match item.result {
        ResultKind::OkAbnormal => a.verdict.ok_or(("verdict", "请选择“正常”或“异常”".to_owned())),
        ResultKind::Number => {
            let n = a.number.ok_or(("value", format!("“{}”须填写数值", item.name)))?;
            if !n.is_finite() {
                return Err(("value", "须为有限的数".to_owned()));
            }
            let unit = item.unit.as_deref().unwrap_or("");
            let low = item.min.is_some_and(|m| n < m);
            let high = item.max.is_some_and(|m| n > m);
            if low || high {
                if a.verdict == Some(Verdict::Ok) {
                    let range = range_text(item);
                    return Err(("verdict", format!("{n}{unit} 超出正常范围 {range}，不能判为正常")));
                }
                return Ok(Verdict::Abnormal);
            }
            Ok(a.verdict.unwrap_or(Verdict::Ok))
        }
        ResultKind::Text | ResultKind::Photo => Ok(a.verdict.unwrap_or(Verdict::Ok)),
    }
}

/// The normal range of a number item as people write it (`0–80%`, `≤ 80%`).
pub fn range_text(item: &Item) -> String {
    let unit = item.unit.as_deref().unwrap_or("");
    match (item.min, item.max) {
        (Some(lo), Some(hi)) => format!("{lo}–{hi}{unit}"),
        (Some(lo), None) => format!("≥ {lo}{unit}"),
        (None, Some(hi)) => format!("≤ {hi}{unit}"),
        (None, None) => String::new(),
    }
}

code_enum! {
    /// Where an execution stands.
    Status {
        /// Generated by a plan or created, nothing filled in yet.
        Planned = ("planned", "待巡检"),
        /// Answers are being recorded.
        InProgress = ("in_progress", "巡检中"),
        /// Every item answered; signed by the engineer. The report clock runs from here.
        Completed = ("completed", "已完成"),
        /// Signed by the hospital.
        Confirmed = ("confirmed", "医院已确认"),
        /// Called off (with a reason).
        Cancelled = ("cancelled", "已取消"),
    }
}

code_enum! {
    /// What an execution is for (seed 003 1.1.6.2.5, 1.1.5.1.3 and 1.1.8.2).
    Kind {
        /// The period's inspection of the plan's cycle.
        Routine = ("routine", "例行巡检"),
        /// The first inspection after the service period starts.
        First = ("first", "首次巡检"),
        /// The inspection before a holiday.
        PreHoliday = ("pre_holiday", "节前巡检"),
    }
}

impl Status {
    /// Whether answers may still be recorded.
    pub fn open(self) -> bool {
        matches!(self, Status::Planned | Status::InProgress)
    }
}

/// The keys of the items that have no answer yet, in template order.
pub fn unanswered<'a>(t: &'a Template, answered: &BTreeSet<&str>) -> Vec<&'a Item> {
    t.items.iter().filter(|i| !answered.contains(i.key.as_str())).collect()
}

impl Period {
    /// The period containing `day`: its first and last day and its label (`2026-Q1`, `2026-03`,
    /// `2026-H1`, `2026`, `2026-W10`, `2026-03-02`).
    pub fn bounds(self, day: chrono::NaiveDate) -> (chrono::NaiveDate, chrono::NaiveDate, String) {
        use chrono::{Datelike, Days, Months, NaiveDate};
        let months_from_year_start = |m: u32| NaiveDate::from_ymd_opt(day.year(), m, 1).unwrap_or(day);
        let span = |start: NaiveDate, months: u32| {
            let end = start.checked_add_months(Months::new(months)).and_then(|d| d.checked_sub_days(Days::new(1)));
            (start, end.unwrap_or(start))
        };
        match self {
            Period::Day => (day, day, day.to_string()),
            Period::Week => {
                let start = day - Days::new(u64::from(day.weekday().num_days_from_monday()));
                let w = day.iso_week();
                (start, start + Days::new(6), format!("{}-W{:02}", w.year(), w.week()))
            }
            Period::Month => {
                let (s, e) = span(months_from_year_start(day.month()), 1);
                (s, e, format!("{}-{:02}", day.year(), day.month()))
            }
            Period::Quarter => {
                let q = (day.month() - 1) / 3;
                let (s, e) = span(months_from_year_start(q * 3 + 1), 3);
                (s, e, format!("{}-Q{}", day.year(), q + 1))
            }
            Period::HalfYear => {
                let h = (day.month() - 1) / 6;
                let (s, e) = span(months_from_year_start(h * 6 + 1), 6);
                (s, e, format!("{}-H{}", day.year(), h + 1))
            }
            Period::Year => {
                let (s, e) = span(months_from_year_start(1), 12);
                (s, e, day.year().to_string())
            }
        }
    }
}

/// A run of consecutive days off of the State Council's notice, with its holiday's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayBlock {
    /// 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节 (or 节假日 when none fits).
    pub name: &'static str,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
}

/// The holidays of `year` as blocks of consecutive days off, named by when they fall (the notice
/// lists dates, not names): the block holding 1 January is 元旦, 1 October 国庆节 (中秋 falling
/// inside it joins it), 1 May 劳动节, early April 清明节; a week or more from mid-January to
/// February is 春节; a June block 端午节, a September block 中秋节.
pub fn holiday_blocks(table: &crate::calendar::HolidayTable, year: i32) -> Vec<HolidayBlock> {
    use chrono::{Datelike, Days};
    let Some(y) = table.year(year) else { return Vec::new() };
    let mut blocks: Vec<(chrono::NaiveDate, chrono::NaiveDate)> = Vec::new();
    for d in &y.holidays {
        match blocks.last_mut() {
            Some((_, end)) if *end + Days::new(1) == *d => *end = *d,
            _ => blocks.push((*d, *d)),
        }
    }
    blocks
        .into_iter()
        .map(|(start, end)| {
            let has =
                |m: u32, d: u32| start.iter_days().take_while(|x| *x <= end).any(|x| x.month() == m && x.day() == d);
            let len = (end - start).num_days() + 1;
            let name = if has(1, 1) {
                "元旦"
            } else if has(10, 1) {
                "国庆节"
            } else if has(5, 1) {
                "劳动节"
            } else if (has(4, 4) || has(4, 5)) && start.month() == 4 {
                "清明节"
            } else if len >= 5 && (start.month() == 1 || start.month() == 2) {
                "春节"
            } else if start.month() == 6 || (start.month() == 5 && start.day() > 20) {
                "端午节"
            } else if start.month() == 9 {
                "中秋节"
            } else {
                "节假日"
            };
            HolidayBlock { name, start, end }
        })
        .collect()
}

/// The latest instant from which `lead` of the calendar's working time remains before `end`
/// (an inspection `lead` before a holiday starts must be done by then). `None` when even a year
/// before `end` is too late (a calendar without working time).
pub fn lead_before(
    cal: &crate::calendar::Calendar,
    end: chrono::DateTime<chrono::Utc>,
    lead: chrono::Duration,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let at = |secs: i64| chrono::DateTime::from_timestamp(secs, 0).unwrap_or(end);
    let enough = |secs: i64| cal.elapsed(at(secs), end, &[]).map(|e| e.value >= lead).unwrap_or(false);
    // Whole seconds: the latest second with enough working time left before `end`.
    let mut lo = end.timestamp() - 366 * 86_400;
    if !enough(lo) {
        return None;
    }
    let mut hi = end.timestamp() + 1;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if enough(mid) { lo = mid } else { hi = mid }
    }
    Some(at(lo))
}
