//! Working hours of a day (`["08:30-12:00", "13:30-17:30"]`) and working weekdays.

use chrono::Weekday;

/// Seconds since local midnight; `86_400` stands for `24:00`.
pub type DaySecond = u32;

/// Most working intervals one day may have (a calendar compiles to one entry per interval per day).
pub const MAX_INTERVALS: usize = 8;

/// The working intervals of one working day, sorted and not overlapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySchedule(Vec<(DaySecond, DaySecond)>);

impl DaySchedule {
    /// Parses `HH:MM-HH:MM` intervals (end may be `24:00`); they must be increasing and disjoint.
    pub fn parse(items: &[String]) -> Result<Self, String> {
        if items.is_empty() {
            return Err("至少需要一个工作时段，如 08:30-12:00".into());
        }
        if items.len() > MAX_INTERVALS {
            return Err(format!("一天最多 {MAX_INTERVALS} 个工作时段"));
        }
        let mut out: Vec<(DaySecond, DaySecond)> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let (a, b) = item.split_once('-').ok_or_else(|| format!("第 {} 个时段“{item}”应为 HH:MM-HH:MM", i + 1))?;
            let (a, b) = (parse_hhmm(a.trim()), parse_hhmm(b.trim()));
            let (Some(a), Some(b)) = (a, b) else {
                return Err(format!("第 {} 个时段“{item}”应为 HH:MM-HH:MM", i + 1));
            };
            if a >= b || a >= 86_400 {
                return Err(format!("第 {} 个时段“{item}”的结束时间须晚于开始时间", i + 1));
            }
            if out.last().is_some_and(|&(_, prev_end)| a < prev_end) {
                return Err(format!("第 {} 个时段“{item}”与前一时段重叠或顺序颠倒", i + 1));
            }
            out.push((a, b));
        }
        Ok(Self(out))
    }

    /// The whole day (24x7 calendars expressed as business calendars, tests).
    pub fn all_day() -> Self {
        Self(vec![(0, 86_400)])
    }

    /// The intervals.
    pub fn intervals(&self) -> &[(DaySecond, DaySecond)] {
        &self.0
    }

    /// Working seconds of a standard working day (the unit of `wd`).
    pub fn seconds(&self) -> i64 {
        self.0.iter().map(|&(a, b)| i64::from(b - a)).sum()
    }
}

fn parse_hhmm(s: &str) -> Option<DaySecond> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 3600 + m * 60)
}

/// Parses a weekday as contracts write it (`Mon` … `Sun`, or 周一 … 周日).
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s.trim() {
        "Mon" | "mon" | "周一" => Weekday::Mon,
        "Tue" | "tue" | "周二" => Weekday::Tue,
        "Wed" | "wed" | "周三" => Weekday::Wed,
        "Thu" | "thu" | "周四" => Weekday::Thu,
        "Fri" | "fri" | "周五" => Weekday::Fri,
        "Sat" | "sat" | "周六" => Weekday::Sat,
        "Sun" | "sun" | "周日" | "周天" => Weekday::Sun,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn office_hours_with_a_lunch_break() {
        let d = DaySchedule::parse(&s(&["08:30-12:00", "13:30-17:30"])).unwrap_or_else(|_| DaySchedule::all_day());
        assert_eq!(d.seconds(), 7 * 3600 + 1800);
        assert_eq!(DaySchedule::parse(&s(&["00:00-24:00"])).map(|d| d.seconds()), Ok(86_400));
    }

    #[test]
    fn bad_hours_are_refused() {
        for bad in
            [&["8:30-12:00"][..], &["12:00-08:30"], &["08:00-12:00", "11:00-13:00"], &["08:00"], &["25:00-26:00"], &[]]
        {
            assert!(DaySchedule::parse(&s(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn weekdays_in_english_and_chinese() {
        assert_eq!(parse_weekday("Mon"), Some(Weekday::Mon));
        assert_eq!(parse_weekday("周日"), Some(Weekday::Sun));
        assert_eq!(parse_weekday("Monday"), None);
    }
}
