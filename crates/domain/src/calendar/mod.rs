//! Calendars and business-time arithmetic (seed 000 §4.1 and seed 002: 7×24 and 5×8 service
//! hours; DESIGN.md "Durations"). Every clock in yunwei — SLA, inspections, reports,
//! complaints, restocking — is computed here.
//!
//! A business calendar is compiled once into its working intervals (UTC, microseconds) with a
//! prefix sum of working time, so `add` and `elapsed` are binary searches: O(log n), never
//! minute stepping. A 24x7 calendar is wall-clock time. Paused intervals (awaiting the
//! hospital's approval) are excluded from both.

pub mod audit;
mod compile;
pub mod duration;
pub mod holidays;
pub mod schedule;

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;

pub use compile::{CalendarKind, CalendarSpec};
pub use duration::BusinessDuration;
pub use holidays::{HolidayTable, HolidayYear};
pub use schedule::DaySchedule;

/// An interval during which a clock stood still.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// Paused from.
    pub start: DateTime<Utc>,
    /// Resumed at.
    pub end: DateTime<Utc>,
}

/// A result, with the years it touched for which no holiday data exists: such a result may be
/// wrong, and must say so rather than be silently wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed<T> {
    /// The value.
    pub value: T,
    /// Years without holiday data that the computation crossed (empty when all is known).
    pub missing_holiday_years: Vec<i32>,
}

/// Why a computation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The instant lies outside the years the calendar was compiled for.
    #[error("{0} is outside the calendar's years {1}–{2}")]
    OutOfRange(DateTime<Utc>, i32, i32),
    /// A negative duration or an end before the start.
    #[error("{0}")]
    Invalid(String),
}

/// A compiled calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    standard_day: i64,
    timeline: Timeline,
    /// Years the business calendar counts holidays for but has no data about.
    missing: BTreeSet<i32>,
}

#[derive(Debug, Clone)]
enum Timeline {
    /// Wall-clock time.
    Wall,
    /// Working intervals `[start, end)` in UTC microseconds with the working time before each.
    Business {
        starts: Vec<i64>,
        ends: Vec<i64>,
        before: Vec<i64>,
        /// Instants covered: from local midnight of 1 January of `first_year` to the end of
        /// `last_year`.
        range: (i64, i64),
        first_year: i32,
        last_year: i32,
    },
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

impl Timeline {
    fn out_of_range(&self, us: i64) -> CalendarError {
        match self {
            Timeline::Business { first_year, last_year, .. } => {
                CalendarError::OutOfRange(from_micros(us), *first_year, *last_year)
            }
            Timeline::Wall => CalendarError::Invalid("instant out of range".into()),
        }
    }

    /// Working time (µs) from the start of the calendar to `us`.
    fn work_at(&self, us: i64) -> Result<i64, CalendarError> {
        match self {
            Timeline::Wall => Ok(us),
            Timeline::Business { starts, ends, before, range, .. } => {
                if us < range.0 || us > range.1 {
                    return Err(self.out_of_range(us));
                }
                let n = starts.partition_point(|&s| s <= us);
                if n == 0 {
                    return Ok(0);
                }
                let i = n - 1;
                Ok(before[i] + us.min(ends[i]) - starts[i])
            }
        }
    }

    /// The earliest instant at which the working time reaches `work`.
    fn instant_of(&self, work: i64) -> Result<i64, CalendarError> {
        match self {
            Timeline::Wall => Ok(work),
            Timeline::Business { starts, ends, before, .. } => {
                // before[k] + len(k) is the working time at the end of interval k.
                let idx = partition(before.len(), |k| before[k] + (ends[k] - starts[k]) < work);
                if idx == before.len() {
                    let (_, end) = match self {
                        Timeline::Business { range, .. } => *range,
                        Timeline::Wall => (0, 0),
                    };
                    return Err(self.out_of_range(end));
                }
                Ok(starts[idx] + (work - before[idx]).max(0))
            }
        }
    }
}

/// First index in `0..len` for which `pred` is false (pred must be true then false).
fn partition(len: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Sorted, merged pauses.
fn merged(pauses: &[Pause]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> =
        pauses.iter().map(|p| (micros(p.start), micros(p.end))).filter(|(a, b)| a < b).collect();
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

impl Calendar {
    /// The calendar's time zone.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// Working seconds of a standard working day (the unit of `wd`; 24 h for 24x7).
    pub fn standard_day_seconds(&self) -> i64 {
        self.standard_day
    }

    fn flag<T>(&self, value: T, from: DateTime<Utc>, to: DateTime<Utc>) -> Computed<T> {
        let (a, b) = (from.with_timezone(&self.tz).year(), to.with_timezone(&self.tz).year());
        let missing = self.missing.range(a.min(b)..=a.max(b)).copied().collect();
        Computed { value, missing_holiday_years: missing }
    }

    /// The instant at which `duration` of business time has passed since `start`, not counting
    /// `pauses`. A start outside working time counts from the next working instant.
    pub fn add(
        &self,
        start: DateTime<Utc>,
        duration: Duration,
        pauses: &[Pause],
    ) -> Result<Computed<DateTime<Utc>>, CalendarError> {
        let d = duration.num_microseconds().ok_or_else(|| CalendarError::Invalid("duration too long".into()))?;
        if d < 0 {
            return Err(CalendarError::Invalid("negative duration".into()));
        }
        let tl = &self.timeline;
        let mut t = micros(start);
        let mut remaining = d;
        for (ps, pe) in merged(pauses) {
            if pe <= t {
                continue;
            }
            let from = ps.max(t);
            let available = tl.work_at(from)? - tl.work_at(t)?;
            if available >= remaining {
                break;
            }
            remaining -= available;
            t = t.max(pe);
        }
        let due = tl.instant_of(tl.work_at(t)? + remaining)?.max(t);
        let due = from_micros(due);
        Ok(self.flag(due, start, due))
    }

    /// `add` with a contract duration (`wd` resolved with this calendar's standard day).
    pub fn add_business(
        &self,
        start: DateTime<Utc>,
        duration: BusinessDuration,
        pauses: &[Pause],
    ) -> Result<Computed<DateTime<Utc>>, CalendarError> {
        self.add(start, Duration::seconds(duration.to_seconds(self.standard_day)), pauses)
    }

    /// Business time between `start` and `end`, not counting `pauses`.
    pub fn elapsed(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        pauses: &[Pause],
    ) -> Result<Computed<Duration>, CalendarError> {
        let (s, e) = (micros(start), micros(end));
        if e < s {
            return Err(CalendarError::Invalid("end before start".into()));
        }
        let tl = &self.timeline;
        let mut total = tl.work_at(e)? - tl.work_at(s)?;
        for (ps, pe) in merged(pauses) {
            let (a, b) = (ps.max(s), pe.min(e));
            if a < b {
                total -= tl.work_at(b)? - tl.work_at(a)?;
            }
        }
        Ok(self.flag(Duration::microseconds(total), start, end))
    }
}

#[cfg(test)]
mod tests;
