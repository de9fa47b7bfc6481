//! Durations as contracts write them: `15m`, `2h`, `1h30m`, `3d`, `5wd` (DESIGN.md "Durations").
//! `m`, `h`, `d` are business time in the clock's calendar; `wd` is N standard working days of
//! that calendar as business time (office hours of 7.5 h → `1wd` = 7.5 business hours).

use std::fmt;
use std::str::FromStr;

/// A duration in a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BusinessDuration {
    /// Standard working days (`wd`).
    pub working_days: i64,
    /// Business seconds (`m`, `h`, `d`).
    pub seconds: i64,
}

impl BusinessDuration {
    /// A duration of business minutes.
    pub fn minutes(m: i64) -> Self {
        Self { working_days: 0, seconds: m * 60 }
    }

    /// A duration of standard working days.
    pub fn working_days(n: i64) -> Self {
        Self { working_days: n, seconds: 0 }
    }

    /// Business seconds, given the length of the calendar's standard working day in seconds.
    pub fn to_seconds(self, standard_day_seconds: i64) -> i64 {
        self.working_days * standard_day_seconds + self.seconds
    }
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(pub String);

impl FromStr for BusinessDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            DurationError(format!(
                "无效的时长“{s}”：应为数字加单位 m（分钟）、h（小时）、d（天）、wd（工作日），如 15m、2h、1h30m、5wd"
            ))
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(bad());
        }
        let mut out = BusinessDuration::default();
        let mut rest = t;
        let mut seen = Vec::new();
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return Err(bad());
            }
            let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = &rest[digits..];
            let (unit, len) = if rest.starts_with("wd") {
                ("wd", 2)
            } else if let Some(c) = rest.chars().next().filter(|c| matches!(c, 'm' | 'h' | 'd')) {
                (&rest[..c.len_utf8()], 1)
            } else {
                return Err(bad());
            };
            if seen.contains(&unit) {
                return Err(bad());
            }
            seen.push(unit);
            match unit {
                "wd" => out.working_days += n,
                "d" => out.seconds += n * 86_400,
                "h" => out.seconds += n * 3_600,
                _ => out.seconds += n * 60,
            }
            rest = &rest[len..];
        }
        Ok(out)
    }
}

impl BusinessDuration {
    /// Plain Chinese: `30 分钟`, `2 小时`, `1 小时 30 分钟`, `3 天`, `5 个工作日`.
    pub fn to_chinese(self) -> String {
        let mut parts = Vec::new();
        if self.working_days != 0 {
            parts.push(format!("{} 个工作日", self.working_days));
        }
        let s = self.seconds;
        if s >= 2 * 86_400 && s % 86_400 == 0 {
            parts.push(format!("{} 天", s / 86_400));
        } else {
            let (h, m) = (s / 3600, (s % 3600) / 60);
            if h != 0 {
                parts.push(format!("{h} 小时"));
            }
            if m != 0 {
                parts.push(format!("{m} 分钟"));
            }
        }
        if parts.is_empty() {
            parts.push("0 分钟".into());
        }
        parts.join(" ")
    }
}

impl fmt::Display for BusinessDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if self.working_days != 0 {
            write!(f, "{}wd", self.working_days)?;
            wrote = true;
        }
        let (h, m) = (self.seconds / 3600, (self.seconds % 3600) / 60);
        if h != 0 {
            write!(f, "{h}h")?;
            wrote = true;
        }
        if m != 0 || !wrote {
            write!(f, "{m}m")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_chinese() {
        let zh = |s: &str| s.parse::<BusinessDuration>().map(BusinessDuration::to_chinese).unwrap_or_default();
        assert_eq!(zh("30m"), "30 分钟");
        assert_eq!(zh("1h30m"), "1 小时 30 分钟");
        assert_eq!(zh("24h"), "24 小时");
        assert_eq!(zh("3d"), "3 天");
        assert_eq!(zh("15d"), "15 天");
        assert_eq!(zh("5wd"), "5 个工作日");
        assert_eq!(zh("0m"), "0 分钟");
    }

    #[test]
    fn contract_durations_parse() {
        let p = |s: &str| s.parse::<BusinessDuration>().ok();
        assert_eq!(p("15m"), Some(BusinessDuration::minutes(15)));
        assert_eq!(p("2h"), Some(BusinessDuration::minutes(120)));
        assert_eq!(p("1h30m"), Some(BusinessDuration::minutes(90)));
        assert_eq!(p("24h"), p("1d"));
        assert_eq!(p("5wd"), Some(BusinessDuration::working_days(5)));
        assert_eq!(p("1wd4h"), Some(BusinessDuration { working_days: 1, seconds: 4 * 3600 }));
        for bad in ["", "15", "m", "2 h", "2x", "1h1h", "-5m", "3.5h", "1wdd"] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn working_days_use_the_calendars_standard_day() {
        let office_day = 7 * 3600 + 1800;
        assert_eq!(BusinessDuration::working_days(1).to_seconds(office_day), office_day);
        assert_eq!(
            "2wd30m".parse::<BusinessDuration>().map(|d| d.to_seconds(office_day)).ok(),
            Some(2 * office_day + 1800)
        );
    }

    #[test]
    fn display_round_trips() {
        for s in ["15m", "2h", "1h30m", "5wd", "1wd4h", "0m"] {
            let d: BusinessDuration = s.parse().unwrap_or_default();
            assert_eq!(d.to_string(), s);
        }
    }
}
