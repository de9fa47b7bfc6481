//! Deadline computations over a two-year office calendar (Mon–Fri 08:30–12:00, 13:30–17:30,
//! CN holidays and make-up workdays), against a minute-stepping implementation kept here as the
//! baseline. Run: `cargo bench -p yunwei-domain --bench calendar`; figures in
//! docs/performance.md.

use std::hint::black_box;

use chrono::{DateTime, Duration, Timelike, Utc, Weekday};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yunwei_domain::calendar::{Calendar, CalendarKind, CalendarSpec, DaySchedule, HolidayTable};

fn spec() -> CalendarSpec {
    CalendarSpec {
        kind: CalendarKind::Business {
            weekdays: CalendarSpec::weekday_set(&[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ]),
            hours: DaySchedule::parse(&["08:30-12:00".into(), "13:30-17:30".into()])
                .unwrap_or_else(|_| DaySchedule::all_day()),
            holidays: Some(HolidayTable::cn().clone()),
            closures: Default::default(),
            extra_workdays: Default::default(),
        },
        tz: chrono_tz::Asia::Shanghai,
    }
}

/// The baseline: walk minute by minute, counting working minutes (what a naive SLA timer does).
fn minute_stepping(spec: &CalendarSpec, start: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    let tz = spec.tz;
    let working = |t: DateTime<Utc>| {
        let local = t.with_timezone(&tz);
        if !spec.is_working_day(local.date_naive()) {
            return false;
        }
        let m = local.hour() * 60 + local.minute();
        (510..720).contains(&m) || (810..1050).contains(&m)
    };
    let mut t = start;
    let mut left = minutes;
    while left > 0 {
        if working(t) {
            left -= 1;
        }
        t += Duration::minutes(1);
    }
    t
}

/// A fixed mix of report times (every 37 minutes over 2025 … Sept 2026) and SLA durations.
fn workload() -> Vec<(DateTime<Utc>, i64)> {
    let base =
        DateTime::parse_from_rfc3339("2025-01-01T00:00:00+08:00").map(|t| t.with_timezone(&Utc)).unwrap_or_default();
    let durations = [15, 30, 120, 450, 5 * 450];
    (0..4096).map(|i| (base + Duration::minutes(37 * 97 * i), durations[(i as usize) % durations.len()])).collect()
}

fn bench(c: &mut Criterion) {
    let spec = spec();
    let cal: Calendar = spec.compile(2025, 2026);
    let work = workload();
    for &(s, m) in work.iter().take(64) {
        assert_eq!(cal.add(s, Duration::minutes(m), &[]).map(|c| c.value).ok(), Some(minute_stepping(&spec, s, m)));
    }
    let mut g = c.benchmark_group("deadline");
    g.throughput(Throughput::Elements(work.len() as u64));
    g.bench_function("compiled_intervals", |b| {
        b.iter(|| {
            for &(s, m) in &work {
                black_box(cal.add(black_box(s), Duration::minutes(m), &[]).map(|c| c.value).ok());
            }
        })
    });
    g.sample_size(10);
    g.throughput(Throughput::Elements(64));
    g.bench_function("minute_stepping_baseline", |b| {
        b.iter(|| {
            for &(s, m) in work.iter().take(64) {
                black_box(minute_stepping(&spec, black_box(s), m));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
