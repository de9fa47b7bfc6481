//! Public-holiday years: the shipped State Council data (`cn`, 2025–2026) and the years an
//! installation administrator adds or corrects without a new release (`yunwei calendar import`,
//! the admin page). Stored years are laid over the shipped ones in every business calendar.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::calendar::{HolidayTable, HolidayYear};
use yunwei_store::holidays::{self as store, HolidayYearRow};

use yunwei_domain::calendar::audit;

use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// Years accepted on import.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// One year as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearInfo {
    /// The year.
    pub year: i32,
    /// Days off.
    pub holidays: usize,
    /// Weekend days worked (调休上班).
    pub workdays: usize,
    /// The notice it comes from.
    pub source: String,
    /// When and by whom it was imported; `None` for shipped data still in force.
    pub imported: Option<(DateTime<Utc>, String)>,
}

fn dates(json: &str) -> BTreeSet<NaiveDate> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .collect()
}

fn to_json(set: &BTreeSet<NaiveDate>) -> String {
    serde_json::Value::from(set.iter().map(|d| d.to_string()).collect::<Vec<_>>()).to_string()
}

/// The stored (administrator) years.
pub async fn stored(app: &App) -> Result<HolidayTable, AppError> {
    let mut t = HolidayTable::default();
    for r in store::list(&app.db).await? {
        t.insert(r.year as i32, HolidayYear { holidays: dates(&r.holidays), workdays: dates(&r.workdays) });
    }
    Ok(t)
}

/// Every year with data, shipped and stored; a stored year replaces the shipped one.
pub async fn list(app: &App) -> Result<Vec<YearInfo>, AppError> {
    let shipped = HolidayTable::cn();
    let sources = HolidayTable::sources_in_json(include_str!("../../domain/data/cn_holidays.json"));
    let mut out: Vec<YearInfo> = shipped
        .years()
        .filter_map(|y| {
            let d = shipped.year(y)?;
            Some(YearInfo {
                year: y,
                holidays: d.holidays.len(),
                workdays: d.workdays.len(),
                source: sources.get(&y).cloned().unwrap_or_default(),
                imported: None,
            })
        })
        .collect();
    for r in store::list(&app.db).await? {
        let info = YearInfo {
            year: r.year as i32,
            holidays: dates(&r.holidays).len(),
            workdays: dates(&r.workdays).len(),
            source: r.source,
            imported: Some((r.updated_at, r.updated_by)),
        };
        match out.iter_mut().find(|i| i.year == info.year) {
            Some(slot) => *slot = info,
            None => out.push(info),
        }
    }
    out.sort_by_key(|i| i.year);
    Ok(out)
}

/// Imports every year of a file in the shipped format (`{"2027": {"holidays": [...],
/// "workdays": [...]}, "_source": {"2027": "…"}}`); all years or none. `actor = None` is the
/// CLI; through the UI only installation administrators may. Returns the years stored.
pub async fn import(app: &App, actor: Option<&Actor>, text: &str, source: Option<&str>) -> Result<Vec<i32>, AppError> {
    if let Some(a) = actor
        && !a.is_admin
    {
        return Err(AppError::Forbidden("只有系统管理员可以导入节假日数据".into()));
    }
    let table = HolidayTable::from_json(text).map_err(|e| ValidationErrors::single("file", e))?;
    let years: Vec<i32> = table.years().collect();
    if years.is_empty() {
        return Err(ValidationErrors::single(
            "file",
            "文件中没有年份数据，格式如 {\"2027\": {\"holidays\": [...], \"workdays\": [...]}}",
        )
        .into());
    }
    if let Some(y) = years.iter().find(|y| !YEARS.contains(y)) {
        return Err(ValidationErrors::single("file", format!("{y} 不是 2000–2100 之间的年份")).into());
    }
    let sources = HolidayTable::sources_in_json(text);
    let now = app.now();
    let by = actor.map(|a| a.username.clone()).unwrap_or_else(|| "system".into());
    let mut tx = app.db.begin().await?;
    for &year in &years {
        let Some(data) = table.year(year) else { continue };
        let source = sources
            .get(&year)
            .cloned()
            .or_else(|| source.map(str::to_owned))
            .unwrap_or_else(|| "管理员导入".to_owned());
        let before = store::get_tx(&mut tx, i64::from(year)).await?;
        let row = HolidayYearRow {
            year: i64::from(year),
            holidays: to_json(&data.holidays),
            workdays: to_json(&data.workdays),
            source,
            updated_at: now,
            updated_by: by.clone(),
        };
        store::put(&mut tx, &row).await?;
        let summary =
            |r: &HolidayYearRow| json!({ "holidays": r.holidays, "workdays": r.workdays, "source": r.source });
        record(
            &mut tx,
            actor,
            now,
            Record {
                project_id: None,
                code: audit::HOLIDAY_YEAR_IMPORT,
                entity_id: year.to_string(),
                summary: json!({ "before": before.as_ref().map(summary), "after": summary(&row) }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    app.caches.terms_changed();
    Ok(years)
}
