//! Edge tables and properties of the calendar engine.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc, Weekday};
use proptest::prelude::*;

use super::*;

fn office_spec() -> CalendarSpec {
    let hours =
        DaySchedule::parse(&["08:30-12:00".into(), "13:30-17:30".into()]).unwrap_or_else(|_| DaySchedule::all_day());
    CalendarSpec {
        kind: CalendarKind::Business {
            weekdays: CalendarSpec::weekday_set(&[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ]),
            hours,
            holidays: Some(HolidayTable::cn().clone()),
            closures: Default::default(),
            extra_workdays: Default::default(),
        },
        tz: chrono_tz::Asia::Shanghai,
    }
}

fn office() -> Calendar {
    office_spec().compile(2025, 2026)
}

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_str(&format!("{s} +0800"), "%Y-%m-%d %H:%M %z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn show(t: DateTime<Utc>) -> String {
    t.with_timezone(
        &FixedOffset::east_opt(8 * 3600).unwrap_or(FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!())),
    )
    .format("%Y-%m-%d %H:%M")
    .to_string()
}

fn due(cal: &Calendar, start: &str, d: &str) -> String {
    let d: BusinessDuration = d.parse().unwrap_or_default();
    cal.add_business(bj(start), d, &[]).map(|c| show(c.value)).unwrap_or_else(|e| e.to_string())
}

#[test]
fn deadlines_a_careful_person_computes_by_hand() {
    let cal = office();
    let table = [
        // (start, duration, deadline, why)
        ("2026-03-03 10:00", "1wd", "2026-03-04 10:00", "DESIGN.md: Tue 10:00 + 1wd is Wed 10:00"),
        ("2025-09-30 16:50", "2h", "2025-10-09 09:50", "eve of National Day 2025: 40 min, then Oct 1–8 off"),
        ("2026-09-30 17:00", "1h", "2026-10-08 09:00", "eve of National Day 2026: holidays Oct 1–7"),
        ("2026-03-02 11:30", "1h", "2026-03-02 14:00", "across the lunch break"),
        ("2026-03-02 12:30", "30m", "2026-03-02 14:00", "reported during lunch counts from 13:30"),
        ("2026-03-02 07:00", "30m", "2026-03-02 09:00", "reported before opening counts from 08:30"),
        ("2026-03-06 17:00", "1h", "2026-03-09 09:00", "Friday evening runs into Monday"),
        ("2025-09-27 10:00", "1h", "2025-09-28 09:30", "Saturday report, make-up Sunday Sep 28 is worked"),
        ("2026-02-13 17:00", "2h", "2026-02-14 10:00", "before Spring Festival, make-up Saturday Feb 14"),
        ("2026-02-14 17:00", "1h", "2026-02-24 09:00", "Spring Festival Feb 15–23 off"),
        ("2026-02-27 17:00", "1h", "2026-02-28 09:00", "make-up Saturday Feb 28"),
        ("2026-03-02 15:30", "2h", "2026-03-02 17:30", "due at closing time, not next morning"),
        ("2026-03-02 09:00", "5wd", "2026-03-09 09:00", "five working days"),
        ("2026-03-02 09:00", "0m", "2026-03-02 09:00", "zero is now"),
        ("2026-03-07 09:00", "0m", "2026-03-07 09:00", "zero on a weekend is still now"),
    ];
    for (start, d, want, why) in table {
        assert_eq!(due(&cal, start, d), want, "{why}");
    }
}

#[test]
fn sunday_is_worked_only_when_the_notice_says_so() {
    let spec = office_spec();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    assert!(spec.is_working_day(d("2025-09-28")));
    assert!(!spec.is_working_day(d("2025-10-05")));
    assert!(!spec.is_working_day(d("2025-10-08")), "Wednesday inside the holiday");
    assert!(spec.is_working_day(d("2025-10-11")));
}

#[test]
fn project_closures_and_extra_workdays_win() {
    let mut spec = office_spec();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    if let CalendarKind::Business { closures, extra_workdays, .. } = &mut spec.kind {
        closures.insert(d("2026-03-03"));
        extra_workdays.insert(d("2026-03-07"));
    }
    let cal = spec.compile(2026, 2026);
    assert_eq!(due(&cal, "2026-03-02 17:00", "1h"), "2026-03-04 09:00");
    assert_eq!(due(&cal, "2026-03-06 17:00", "1h"), "2026-03-07 09:00");
}

#[test]
fn pauses_are_excluded_from_the_clock() {
    let cal = office();
    let p = Pause { start: bj("2026-03-02 09:30"), end: bj("2026-03-02 10:30") };
    let r = cal.add(bj("2026-03-02 09:00"), Duration::hours(2), &[p]).map(|c| show(c.value));
    assert_eq!(r.as_deref(), Ok("2026-03-02 12:00"));
    let e = cal.elapsed(bj("2026-03-02 09:00"), bj("2026-03-02 12:00"), &[p]).map(|c| c.value);
    assert_eq!(e, Ok(Duration::hours(2)));
    // A pause over lunch excludes no working time beyond its working part.
    let lunch = Pause { start: bj("2026-03-02 11:30"), end: bj("2026-03-02 14:00") };
    let r = cal.add(bj("2026-03-02 11:00"), Duration::hours(1), &[lunch]).map(|c| show(c.value));
    assert_eq!(r.as_deref(), Ok("2026-03-02 14:30"));
    // Overlapping pauses count once.
    let a = Pause { start: bj("2026-03-02 09:30"), end: bj("2026-03-02 10:30") };
    let b = Pause { start: bj("2026-03-02 10:00"), end: bj("2026-03-02 11:00") };
    let r = cal.add(bj("2026-03-02 09:00"), Duration::hours(1), &[a, b]).map(|c| show(c.value));
    assert_eq!(r.as_deref(), Ok("2026-03-02 11:30"));
    // A pause that ended before the start changes nothing.
    let old = Pause { start: bj("2026-03-01 09:00"), end: bj("2026-03-01 10:00") };
    let r = cal.add(bj("2026-03-02 09:00"), Duration::hours(1), &[old]).map(|c| show(c.value));
    assert_eq!(r.as_deref(), Ok("2026-03-02 10:00"));
}

#[test]
fn around_the_clock_is_wall_clock_time() {
    let cal = CalendarSpec::always(chrono_tz::Asia::Shanghai).compile(2025, 2026);
    assert_eq!(due(&cal, "2025-10-01 23:50", "15m"), "2025-10-02 00:05");
    assert_eq!(due(&cal, "2025-10-01 08:00", "1wd"), "2025-10-02 08:00");
    let p = Pause { start: bj("2025-10-01 08:05"), end: bj("2025-10-01 08:15") };
    let r = cal.add(bj("2025-10-01 08:00"), Duration::minutes(15), &[p]).map(|c| show(c.value));
    assert_eq!(r.as_deref(), Ok("2025-10-01 08:25"));
}

#[test]
fn daylight_saving_days_have_the_hours_the_clock_shows() {
    let spec = CalendarSpec {
        kind: CalendarKind::Business {
            weekdays: [true; 7],
            hours: DaySchedule::parse(&["01:00-04:00".into()]).unwrap_or_else(|_| DaySchedule::all_day()),
            holidays: None,
            closures: Default::default(),
            extra_workdays: Default::default(),
        },
        tz: chrono_tz::America::New_York,
    };
    let cal = spec.compile(2026, 2026);
    let ny = |s: &str| {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap_or_default();
        chrono_tz::America::New_York
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    let day = |a: &str, b: &str| cal.elapsed(ny(a), ny(b), &[]).map(|c| c.value);
    // 8 March 2026: 02:00 → 03:00, the working window 01:00–04:00 lasts two hours.
    assert_eq!(day("2026-03-08 00:00", "2026-03-09 00:00"), Ok(Duration::hours(2)));
    // 1 November 2026: 02:00 → 01:00, 01:00–04:00 lasts four hours.
    assert_eq!(day("2026-11-01 00:00", "2026-11-02 00:00"), Ok(Duration::hours(4)));
    assert_eq!(day("2026-06-01 00:00", "2026-06-02 00:00"), Ok(Duration::hours(3)));
}

#[test]
fn a_year_without_holiday_data_is_flagged_not_silently_wrong() {
    let cal = office_spec().compile(2025, 2027);
    let r = cal.add_business(bj("2026-12-31 17:00"), BusinessDuration::working_days(2), &[]);
    assert_eq!(r.map(|c| c.missing_holiday_years), Ok(vec![2027]));
    let r = cal.add_business(bj("2026-03-02 09:00"), BusinessDuration::working_days(2), &[]);
    assert_eq!(r.map(|c| c.missing_holiday_years), Ok(vec![]));
}

#[test]
fn instants_outside_the_compiled_years_are_refused() {
    let cal = office();
    assert!(matches!(cal.add(bj("2030-01-01 09:00"), Duration::hours(1), &[]), Err(CalendarError::OutOfRange(..))));
    assert!(matches!(cal.add(bj("2026-12-31 17:00"), Duration::hours(8), &[]), Err(CalendarError::OutOfRange(..))));
    assert!(matches!(cal.add(bj("2026-03-02 09:00"), Duration::hours(-1), &[]), Err(CalendarError::Invalid(_))));
}

// --- properties -------------------------------------------------------------------------------

fn start_strategy() -> impl Strategy<Value = DateTime<Utc>> {
    // 2025-01-01 .. 2026-09-30 (leaving room for long durations inside the compiled years).
    let lo = bj("2025-01-01 00:00").timestamp();
    let hi = bj("2026-09-30 00:00").timestamp();
    (lo..hi, 0u32..1_000_000).prop_map(|(s, us)| DateTime::from_timestamp(s, us * 1000).unwrap_or_default())
}

fn duration_strategy() -> impl Strategy<Value = Duration> {
    // Up to ~40 business days of office time.
    (0i64..(40 * 27_000)).prop_map(Duration::seconds)
}

fn pauses_strategy() -> impl Strategy<Value = Vec<(i64, i64)>> {
    // Up to three pauses within 20 days of the start, each up to 3 days long (may overlap).
    prop::collection::vec((0i64..(20 * 86_400), 1i64..(3 * 86_400)), 0..4)
}

fn pauses_after(start: DateTime<Utc>, v: Vec<(i64, i64)>) -> Vec<Pause> {
    v.into_iter()
        .map(|(off, len)| Pause { start: start + Duration::seconds(off), end: start + Duration::seconds(off + len) })
        .collect()
}

thread_local! {
    static OFFICE: Calendar = office();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn elapsed_of_add_is_the_duration(s in start_strategy(), d in duration_strategy(), p in pauses_strategy()) {
        OFFICE.with(|cal| {
            let pauses = pauses_after(s, p);
            let due = cal.add(s, d, &pauses).map(|c| c.value);
            prop_assert!(due.is_ok());
            let due = due.unwrap_or_default();
            prop_assert_eq!(cal.elapsed(s, due, &pauses).map(|c| c.value), Ok(d));
            Ok(())
        })?;
    }

    #[test]
    fn deadlines_are_monotonic_in_start_and_duration(s in start_strategy(), gap in 0i64..(10 * 86_400), d in duration_strategy(), more in 0i64..100_000) {
        OFFICE.with(|cal| {
            let add = |s, d| cal.add(s, d, &[]).map(|c| c.value).unwrap_or_default();
            prop_assert!(add(s, d) <= add(s + Duration::seconds(gap), d));
            prop_assert!(add(s, d) <= add(s, d + Duration::seconds(more)));
            prop_assert!(add(s, d) >= s);
            Ok(())
        })?;
    }

    #[test]
    fn pauses_never_shorten_a_deadline(s in start_strategy(), d in duration_strategy(), p in pauses_strategy()) {
        OFFICE.with(|cal| {
            let pauses = pauses_after(s, p);
            let plain = cal.add(s, d, &[]).map(|c| c.value).unwrap_or_default();
            let paused = cal.add(s, d, &pauses).map(|c| c.value).unwrap_or_default();
            prop_assert!(paused >= plain);
            Ok(())
        })?;
    }

    #[test]
    fn around_the_clock_equals_wall_clock_arithmetic(s in start_strategy(), d in 0i64..(400 * 86_400)) {
        let cal = CalendarSpec::always(chrono_tz::Asia::Shanghai).compile(2025, 2026);
        let d = Duration::seconds(d);
        prop_assert_eq!(cal.add(s, d, &[]).map(|c| c.value), Ok(s + d));
        prop_assert_eq!(cal.elapsed(s, s + d, &[]).map(|c| c.value), Ok(d));
    }
}
