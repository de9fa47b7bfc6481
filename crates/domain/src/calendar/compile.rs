//! A calendar as a contract declares it, and its compilation into working intervals.

use std::collections::BTreeSet;

use chrono::{Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::schedule::DaySchedule;
use super::{Calendar, HolidayTable, Timeline};

/// What kind of calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarKind {
    /// 7×24: every instant counts.
    TwentyFourSeven,
    /// Working weekdays and hours, with holidays, make-up workdays and project exceptions.
    Business {
        /// Working weekdays, indexed Monday = 0 … Sunday = 6.
        weekdays: [bool; 7],
        /// Working hours of a working day (make-up workdays included).
        hours: DaySchedule,
        /// Public holidays and make-up workdays (`holidays = "cn"`), if the calendar follows them.
        holidays: Option<HolidayTable>,
        /// Project-specific extra closures (e.g. the hospital's own day off).
        closures: BTreeSet<NaiveDate>,
        /// Project-specific extra working days.
        extra_workdays: BTreeSet<NaiveDate>,
    },
}

/// A calendar before compilation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarSpec {
    /// Its kind and rules.
    pub kind: CalendarKind,
    /// Time zone of its hours (default Asia/Shanghai).
    pub tz: Tz,
}

impl CalendarSpec {
    /// A weekday table from a list of weekdays.
    pub fn weekday_set(days: &[Weekday]) -> [bool; 7] {
        let mut out = [false; 7];
        for d in days {
            out[d.num_days_from_monday() as usize] = true;
        }
        out
    }

    /// The 7×24 calendar.
    pub fn always(tz: Tz) -> Self {
        Self { kind: CalendarKind::TwentyFourSeven, tz }
    }

    /// Whether `date` is a working day: project closures, then project working days, then
    /// public holidays and make-up workdays, then the weekday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match &self.kind {
            CalendarKind::TwentyFourSeven => true,
            CalendarKind::Business { weekdays, holidays, closures, extra_workdays, .. } => {
                if closures.contains(&date) {
                    return false;
                }
                if extra_workdays.contains(&date) {
                    return true;
                }
                if let Some(open) = holidays.as_ref().and_then(|h| h.override_for(date)) {
                    return open;
                }
                weekdays[date.weekday().num_days_from_monday() as usize]
            }
        }
    }

    /// Compiles the calendar for the years `first..=last` (local time). Instants outside them
    /// are refused, so choose the contract period with a margin.
    pub fn compile(&self, first: i32, last: i32) -> Calendar {
        let CalendarKind::Business { hours, holidays, .. } = &self.kind else {
            return Calendar { tz: self.tz, standard_day: 86_400, timeline: Timeline::Wall, missing: BTreeSet::new() };
        };
        let (mut starts, mut ends, mut before) = (Vec::new(), Vec::new(), Vec::new());
        let mut acc = 0i64;
        let mut day = NaiveDate::from_ymd_opt(first, 1, 1).unwrap_or_default();
        let stop = NaiveDate::from_ymd_opt(last + 1, 1, 1).unwrap_or_default();
        while day < stop {
            if self.is_working_day(day) {
                for &(a, b) in hours.intervals() {
                    let (s, e) = (self.instant(day, a, true), self.instant(day, b, false));
                    // A DST change can swallow an interval; skip what is left empty.
                    if e > s && starts.last().is_none_or(|_| ends.last().is_some_and(|&pe| s >= pe)) {
                        starts.push(s);
                        ends.push(e);
                        before.push(acc);
                        acc += e - s;
                    }
                }
            }
            day = day.succ_opt().unwrap_or(stop);
        }
        let range = (
            self.instant(NaiveDate::from_ymd_opt(first, 1, 1).unwrap_or_default(), 0, true),
            self.instant(stop, 0, true),
        );
        let missing = match holidays {
            Some(h) => (first..=last).filter(|y| !h.covers(*y)).collect(),
            None => BTreeSet::new(),
        };
        Calendar {
            tz: self.tz,
            standard_day: hours.seconds(),
            timeline: Timeline::Business { starts, ends, before, range, first_year: first, last_year: last },
            missing,
        }
    }

    /// The UTC instant (µs) of local `date` at `second` of the day. A local time that a DST
    /// change skips maps to the first instant after the gap; a repeated one to its first
    /// occurrence for a start and its second for an end.
    fn instant(&self, date: NaiveDate, second: u32, is_start: bool) -> i64 {
        let (date, second) =
            if second >= 86_400 { (date.succ_opt().unwrap_or(date), second - 86_400) } else { (date, second) };
        let mut local: NaiveDateTime =
            date.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::seconds(i64::from(second));
        for _ in 0..8 {
            match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc).timestamp_micros(),
                LocalResult::Ambiguous(a, b) => {
                    let t = if is_start { a } else { b };
                    return t.with_timezone(&Utc).timestamp_micros();
                }
                // In a DST gap: the wall clock jumps; move to the end of the gap (gaps are
                // at most a couple of hours, on a quarter-hour boundary).
                LocalResult::None => local += chrono::Duration::minutes(15),
            }
        }
        Utc.from_utc_datetime(&local).timestamp_micros()
    }
}
