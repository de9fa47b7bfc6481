//! Public holidays and make-up workdays (调休上班) per year, from the State Council notices.
//! Shipped: `cn` for 2025 and 2026 (`data/cn_holidays.json`); administrators add later years.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// One year's notice: days off (including weekends inside a holiday) and weekend days worked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayYear {
    /// 放假 days.
    pub holidays: BTreeSet<NaiveDate>,
    /// 调休上班 days (weekends that are worked, with normal weekday hours).
    pub workdays: BTreeSet<NaiveDate>,
}

/// Holiday data for several years.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayTable {
    years: BTreeMap<i32, HolidayYear>,
}

#[derive(Deserialize)]
struct RawYear {
    holidays: Vec<String>,
    workdays: Vec<String>,
}

impl HolidayTable {
    /// Parses the JSON format of `data/cn_holidays.json`: `{"2026": {"holidays": [...],
    /// "workdays": [...]}, ...}`; keys starting with `_` (sources, notes) are ignored.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let raw: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| format!("第 {} 行第 {} 列：{e}", e.line(), e.column()))?;
        let mut out = HolidayTable::default();
        for (key, value) in raw {
            if key.starts_with('_') {
                continue;
            }
            let year: i32 = key.parse().map_err(|_| format!("“{key}”不是年份"))?;
            let y: RawYear = serde_json::from_value(value).map_err(|e| format!("{year}: {e}"))?;
            let parse = |field: &str, list: &[String]| -> Result<BTreeSet<NaiveDate>, String> {
                list.iter()
                    .map(|d| {
                        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                            .map_err(|_| format!("{year}.{field}: “{d}”不是 YYYY-MM-DD 日期"))?;
                        if date.year() != year {
                            return Err(format!("{year}.{field}: {d} 不在 {year} 年"));
                        }
                        Ok(date)
                    })
                    .collect()
            };
            let holidays = parse("holidays", &y.holidays)?;
            let workdays = parse("workdays", &y.workdays)?;
            if let Some(both) = holidays.intersection(&workdays).next() {
                return Err(format!("{year}: {both} 既是放假日又是调休上班日"));
            }
            if let Some(weekday) = workdays.iter().find(|d| d.weekday().number_from_monday() <= 5) {
                return Err(format!("{year}.workdays: {weekday} 是工作日，调休上班日应为周六或周日"));
            }
            out.years.insert(year, HolidayYear { holidays, workdays });
        }
        Ok(out)
    }

    /// The shipped Chinese table (State Council notices).
    pub fn cn() -> &'static HolidayTable {
        static CN: OnceLock<HolidayTable> = OnceLock::new();
        CN.get_or_init(|| HolidayTable::from_json(include_str!("../../data/cn_holidays.json")).unwrap_or_default())
    }

    /// Adds or replaces years from `other`.
    pub fn merge(&mut self, other: HolidayTable) {
        self.years.extend(other.years);
    }

    /// Whether the table has data for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// One year's data.
    pub fn year(&self, year: i32) -> Option<&HolidayYear> {
        self.years.get(&year)
    }

    /// Sets one year's data.
    pub fn insert(&mut self, year: i32, data: HolidayYear) {
        self.years.insert(year, data);
    }

    /// The `_source` entries of a file in the format of [`HolidayTable::from_json`]
    /// (`{"_source": {"2027": "国务院办公厅关于2027年部分节假日安排的通知 …"}}`), by year.
    pub fn sources_in_json(text: &str) -> BTreeMap<i32, String> {
        #[derive(Deserialize)]
        struct WithSource {
            #[serde(rename = "_source", default)]
            source: BTreeMap<String, serde_json::Value>,
        }
        serde_json::from_str::<WithSource>(text)
            .map(|w| {
                w.source.into_iter().filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_owned()))).collect()
            })
            .unwrap_or_default()
    }

    /// Years with data.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// `Some(true)` for a make-up workday, `Some(false)` for a holiday, `None` otherwise.
    pub fn override_for(&self, date: NaiveDate) -> Option<bool> {
        let y = self.years.get(&date.year())?;
        if y.workdays.contains(&date) {
            Some(true)
        } else if y.holidays.contains(&date) {
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn shipped_table_has_2025_and_2026() {
        let cn = HolidayTable::cn();
        assert!(cn.covers(2025) && cn.covers(2026) && !cn.covers(2027));
        assert_eq!(cn.override_for(d("2025-10-08")), Some(false), "National Day 2025 runs to the 8th");
        assert_eq!(cn.override_for(d("2025-09-28")), Some(true), "Sunday worked before National Day");
        assert_eq!(cn.override_for(d("2026-02-14")), Some(true), "Saturday worked before Spring Festival");
        assert_eq!(cn.override_for(d("2026-03-02")), None);
    }

    #[test]
    fn bad_data_is_refused_with_the_place() {
        let e = HolidayTable::from_json(r#"{"2027": {"holidays": ["2027-02-30"], "workdays": []}}"#).err();
        assert!(e.is_some_and(|e| e.contains("2027.holidays")));
        let e = HolidayTable::from_json(r#"{"2027": {"holidays": ["2026-10-01"], "workdays": []}}"#).err();
        assert!(e.is_some_and(|e| e.contains("不在 2027 年")));
        let e = HolidayTable::from_json(r#"{"2027": {"holidays": ["2027-10-01"], "workdays": ["2027-10-01"]}}"#).err();
        assert!(e.is_some());
        // 2027-09-29 is a Wednesday: a make-up workday is always a weekend day.
        let e = HolidayTable::from_json(r#"{"2027": {"holidays": [], "workdays": ["2027-09-29"]}}"#).err();
        assert!(e.is_some_and(|e| e.contains("2027.workdays: 2027-09-29")), "weekday as make-up day");
        let e = HolidayTable::from_json("{\n  \"2027\": {\"holidays\": [}\n}").err();
        assert!(e.is_some_and(|e| e.starts_with("第 2 行")), "syntax errors carry line and column");
    }

    #[test]
    fn sources_are_read_by_year() {
        let text = include_str!("../../data/cn_holidays.json");
        let s = HolidayTable::sources_in_json(text);
        assert!(s.get(&2026).is_some_and(|s| s.contains("2026年部分节假日安排")));
        assert!(HolidayTable::sources_in_json("{}").is_empty());
    }
}
