//! Clocks computed by hand for incidents across holidays, make-up workdays, lunch breaks and
//! approval pauses, under the seed presets.

use chrono::{DateTime, Utc};

use super::*;
use crate::contract::{Contract, parse};

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00")).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

fn preset(text: &str) -> Contract {
    parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn ev(kind: EventKind, at: &str) -> ClockEvent {
    ClockEvent { kind, at: bj(at) }
}

fn clocks(c: &Contract, severity: &str, reported: &str, events: &[ClockEvent], now: &str) -> Clocks {
    compute_clocks(bj(reported), events, &c.severities[severity], &c.compile_calendars(), &c.pause_while, bj(now))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn get(c: &Clocks, k: ClockKind) -> ClockState {
    c.get(&k).cloned().flatten().unwrap_or_else(|| panic!("{k:?} not started"))
}

#[test]
fn seed_000_p3_reply_in_two_hours_remote_missed() {
    let c = preset(include_str!("../../../../contracts/seed-000.toml"));
    use EventKind::*;
    let events = [
        ev(Respond, "2025-09-30T18:00:00"),
        ev(RequestRemote, "2025-09-30T18:10:00"),
        ev(StartRemote, "2025-09-30T20:30:00"),
    ];
    let k = clocks(&c, "P3", "2025-09-30T16:50:00", &events, "2025-09-30T21:00:00");
    let respond = get(&k, ClockKind::Respond);
    assert_eq!((respond.due, respond.met), (bj("2025-09-30T18:50:00"), Some(true)), "§3.1 2 h, 7×24");
    assert_eq!(respond.warn_at, bj("2025-09-30T18:20:00"), "amber after 90 of 120 minutes");
    let remote = get(&k, ClockKind::Remote);
    assert_eq!(
        (remote.started_at, remote.due, remote.met),
        (bj("2025-09-30T18:10:00"), bj("2025-09-30T20:10:00"), Some(false))
    );
    assert!(remote.breached(bj("2025-09-30T21:00:00")));
    assert_eq!(k.len(), 2, "seed 000 tracks respond and remote only");
}

#[test]
fn seed_002_high_priority_over_the_make_up_saturday_with_an_approval_pause() {
    let c = preset(include_str!("../../../../contracts/seed-002.toml"));
    use EventKind::*;
    let events = [
        ev(Respond, "2026-02-13T17:40:00"),
        ev(RequestOnsite, "2026-02-13T17:50:00"),
        ev(ArriveOnsite, "2026-02-13T21:00:00"),
        ev(RequestApproval, "2026-02-14T09:00:00"),
        ev(Approve, "2026-02-14T10:00:00"),
        ev(Resolve, "2026-02-24T08:20:00"),
    ];
    let k = clocks(&c, "P1", "2026-02-13T17:30:00", &events, "2026-02-24T09:00:00");
    let respond = get(&k, ClockKind::Respond);
    assert_eq!((respond.due, respond.met, respond.paused_seconds), (bj("2026-02-13T17:45:00"), Some(true), 0));
    let onsite = get(&k, ClockKind::Onsite);
    assert_eq!((onsite.due, onsite.met), (bj("2026-02-13T20:50:00"), Some(false)), "3 h on site, 7×24");
    // Seed 002 has no approval clause: the hour waiting for approval counts. 1wd = 8 h of
    // 08:00–12:00, 14:00–18:00: 30 min on Fri 13th, then Sat 14th is a make-up workday:
    // 4 h + 3 h 30 min. Resolved after Spring Festival: missed.
    let resolve = get(&k, ClockKind::Resolve);
    assert_eq!((resolve.due, resolve.met, resolve.paused_seconds), (bj("2026-02-14T17:30:00"), Some(false), 0));

    // The same contract with seed 000's approval clause: the approval hour stands still, so
    // 7 h 30 min are used by 18:00 on the 14th; Spring Festival 15th–23rd; the last 30 min on
    // Tue 24th.
    let with_pause = preset(&format!(
        "{}\n[sla]\npause_while = [\"awaiting_approval\"]\n",
        include_str!("../../../../contracts/seed-002.toml")
    ));
    let k = clocks(&with_pause, "P1", "2026-02-13T17:30:00", &events, "2026-02-24T09:00:00");
    let resolve = get(&k, ClockKind::Resolve);
    assert_eq!(resolve.due, bj("2026-02-24T08:30:00"));
    assert_eq!((resolve.met, resolve.paused_seconds), (Some(true), 3600));
    assert!(!k.contains_key(&ClockKind::Remote), "seed 002 sets no remote target");
}

#[test]
fn seed_002_lunch_break_does_not_count() {
    let c = preset(include_str!("../../../../contracts/seed-002.toml"));
    // P3: 5wd = 40 h from Wed 2026-03-11 11:30: 30 min before lunch, then 7.5 h that day
    // left… 11:30–12:00 (0.5 h) + 14:00–18:00 (4 h) = 4.5 h; Thu, Fri, Mon, Tue 8 h each = 32 h
    // (36.5 h); Wed 18th 08:00 + 3.5 h = 11:30.
    let k = clocks(&c, "P3", "2026-03-11T11:30:00", &[], "2026-03-11T11:31:00");
    assert_eq!(get(&k, ClockKind::Resolve).due, bj("2026-03-18T11:30:00"));
    // Reported during lunch: counts from 14:00; 4 h that afternoon, 4 h the next morning.
    let k = clocks(&c, "P1", "2026-03-11T12:30:00", &[], "2026-03-11T12:31:00");
    assert_eq!(get(&k, ClockKind::Resolve).due, bj("2026-03-12T12:00:00"));
}

#[test]
fn seed_003_open_pause_holds_the_clock_and_a_late_pause_keeps_the_breach() {
    let c = preset(include_str!("../../../../contracts/seed-003.toml"));
    use EventKind::*;
    let events = [
        ev(Respond, "2026-10-01T10:10:00"),
        ev(RequestOnsite, "2026-10-01T10:12:00"),
        ev(ArriveOnsite, "2026-10-01T10:50:00"),
        ev(RequestApproval, "2026-10-01T12:00:00"),
    ];
    let k = clocks(&c, "P1", "2026-10-01T10:00:00", &events, "2026-10-02T09:00:00");
    assert_eq!(get(&k, ClockKind::Respond).met, Some(true));
    assert_eq!(get(&k, ClockKind::Onsite).met, Some(false), "30 min on site, arrived after 38");
    let resolve = get(&k, ClockKind::Resolve);
    // 2 h ran before the pause; 22 h remain from now.
    assert_eq!((resolve.due, resolve.paused, resolve.paused_seconds), (bj("2026-10-03T07:00:00"), true, 21 * 3600));
    assert!(!resolve.breached(bj("2026-10-02T09:00:00")));

    // The approval asked for after the 24 h had passed: still breached while it waits.
    let late = [ev(Respond, "2026-10-01T10:10:00"), ev(RequestApproval, "2026-10-02T11:00:00")];
    let k = clocks(&c, "P1", "2026-10-01T10:00:00", &late, "2026-10-02T12:00:00");
    let resolve = get(&k, ClockKind::Resolve);
    assert_eq!(resolve.due, bj("2026-10-02T10:00:00"));
    assert!(resolve.breached(bj("2026-10-02T12:00:00")));
}

#[test]
fn seed_001_runs_round_the_clock_through_new_year_and_never_pauses() {
    let c = preset(include_str!("../../../../contracts/seed-001.toml"));
    use EventKind::*;
    // Reported five minutes before midnight on Spring Festival eve 2026 (a public holiday):
    // 7×24, so the holiday changes nothing.
    let events = [
        ev(Respond, "2026-02-17T00:20:00"),
        ev(RequestOnsite, "2026-02-17T00:30:00"),
        ev(RequestApproval, "2026-02-17T01:00:00"),
        ev(ArriveOnsite, "2026-02-17T08:45:00"),
    ];
    let k = clocks(&c, "P2", "2026-02-16T23:55:00", &events, "2026-02-17T09:00:00");
    let respond = get(&k, ClockKind::Respond);
    assert_eq!((respond.due, respond.met), (bj("2026-02-17T00:25:00"), Some(true)), "1.4.2 30 min");
    assert_eq!(respond.warn_at, bj("2026-02-17T00:17:30"), "amber after 22.5 of 30 minutes");
    let onsite = get(&k, ClockKind::Onsite);
    // 2.9: 8 h from the request; seed 001 lists no pause, so the approval wait counts.
    assert_eq!((onsite.due, onsite.met, onsite.paused_seconds), (bj("2026-02-17T08:30:00"), Some(false), 0));
    assert_eq!(k.len(), 2, "P2 tracks respond and on-site only");

    let p1 = clocks(&c, "P1", "2026-02-16T23:55:00", &[], "2026-02-17T00:06:00");
    let respond = get(&p1, ClockKind::Respond);
    assert_eq!((respond.due, respond.met), (bj("2026-02-17T00:05:00"), None), "1.4.1 10 min");
    assert!(respond.breached(bj("2026-02-17T00:06:00")));
    let p3 = clocks(&c, "P3", "2026-02-16T23:55:00", &[ev(Respond, "2026-02-17T00:55:00")], "2026-02-17T01:00:00");
    assert_eq!(get(&p3, ClockKind::Respond).met, Some(true), "1.4.3 60 min, answered on the minute");
}

#[test]
fn seed_004_names_severities_but_promises_no_times() {
    let c = preset(include_str!("../../../../contracts/seed-004.toml"));
    use EventKind::*;
    for sev in ["P1", "P2", "P3", "P4"] {
        let events = [ev(Respond, "2026-03-05T10:00:00"), ev(RequestOnsite, "2026-03-05T11:00:00")];
        let k = clocks(&c, sev, "2026-03-02T09:00:00", &events, "2026-04-01T09:00:00");
        assert!(k.is_empty(), "{sev}: the contract sets no clock, so nothing can breach: {k:?}");
    }
}

#[test]
fn reopen_resumes_the_resolve_clock_without_the_resolved_gap() {
    let c = preset(include_str!("../../../../contracts/seed-003.toml"));
    use EventKind::*;
    let events =
        [ev(Respond, "2026-03-02T10:05:00"), ev(Resolve, "2026-03-02T12:00:00"), ev(Reopen, "2026-03-03T08:00:00")];
    let k = clocks(&c, "P2", "2026-03-02T10:00:00", &events, "2026-03-03T09:00:00");
    let resolve = get(&k, ClockKind::Resolve);
    // 2 h used before the resolve; the 20 h resolved gap is excluded; 22 h remain from 08:00.
    assert_eq!((resolve.due, resolve.stopped_at, resolve.met), (bj("2026-03-04T06:00:00"), None, None));
    assert_eq!(resolve.paused_seconds, 20 * 3600);
}

#[test]
fn clocks_not_started_are_none_and_severity_decides_the_targets() {
    let c = preset(include_str!("../../../../contracts/seed-003.toml"));
    let k = clocks(&c, "P4", "2026-03-02T10:00:00", &[], "2026-03-02T10:01:00");
    assert_eq!(k.get(&ClockKind::Onsite), Some(&None), "on-site clock waits for a request");
    assert!(!k.contains_key(&ClockKind::Remote), "seed 003 sets no remote target");
}

#[test]
fn transitions_name_the_current_status() {
    use EventKind::*;
    use Status::*;
    assert_eq!(transition(Reported, Respond, false, false), Ok(InProgress));
    assert!(transition(Reported, Resolve, false, false).is_err_and(|e| e.contains("待响应") && e.contains("须先响应")));
    assert_eq!(transition(InProgress, RequestApproval, false, false), Ok(AwaitingApproval));
    assert_eq!(transition(AwaitingApproval, Approve, false, false), Ok(InProgress));
    assert!(transition(InProgress, StartRemote, false, false).is_err());
    assert_eq!(transition(InProgress, StartRemote, true, false), Ok(InProgress));
    assert_eq!(transition(InProgress, Resolve, false, false), Ok(Resolved));
    assert_eq!(transition(Resolved, Confirm, false, false), Ok(Closed));
    assert_eq!(transition(Closed, Reopen, false, false), Ok(InProgress));
    assert!(transition(Closed, Reclassify, false, false).is_err());
    assert_eq!(transition(Closed, Comment, false, false), Ok(Closed));
}

fn ladder(
    c: &Contract,
    severity: &str,
    reported: &str,
    events: &[ClockEvent],
    now: &str,
) -> Vec<Option<DateTime<Utc>>> {
    escalation_steps(bj(reported), events, &c.severities[severity], &c.compile_calendars(), &c.pause_while, bj(now))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|s| s.due)
        .collect()
}

#[test]
fn seed_003_ladder_moves_with_approval_pauses_and_ends_with_the_fix() {
    let c = preset(include_str!("../../../../contracts/seed-003.toml"));
    use EventKind::*;
    let steps = escalation_steps(
        bj("2026-03-02T08:50:00"),
        &[],
        &c.severities["P1"],
        &c.compile_calendars(),
        &c.pause_while,
        bj("2026-03-02T09:00:00"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let to: Vec<&str> = steps.iter().map(|s| s.to.as_str()).collect();
    assert_eq!(to, ["manager1", "manager2", "manager3"], "1.1.5.2.3 Manager1 → Manager2 → Manager3");
    assert_eq!(
        steps.iter().map(|s| s.due).collect::<Vec<_>>(),
        [Some(bj("2026-03-02T09:20:00")), Some(bj("2026-03-02T10:50:00")), Some(bj("2026-03-02T12:50:00"))],
        "30 min, 2 h, 4 h round the clock"
    );
    let waiting = [ev(Respond, "2026-03-02T08:55:00"), ev(RequestApproval, "2026-03-02T09:00:00")];
    assert_eq!(ladder(&c, "P1", "2026-03-02T08:50:00", &waiting, "2026-03-02T09:30:00"), [None, None, None]);
    let approved = [waiting[0], waiting[1], ev(Approve, "2026-03-02T10:00:00")];
    assert_eq!(
        ladder(&c, "P1", "2026-03-02T08:50:00", &approved, "2026-03-02T10:00:00"),
        [Some(bj("2026-03-02T10:20:00")), Some(bj("2026-03-02T11:50:00")), Some(bj("2026-03-02T13:50:00"))],
        "the hour waiting for the hospital moves every step"
    );
    let fixed = [approved[0], approved[1], approved[2], ev(Resolve, "2026-03-02T10:30:00")];
    assert!(ladder(&c, "P1", "2026-03-02T08:50:00", &fixed, "2026-03-02T10:30:00").is_empty());
    let back = [fixed[0], fixed[1], fixed[2], fixed[3], ev(Reopen, "2026-03-02T11:30:00")];
    assert_eq!(
        ladder(&c, "P1", "2026-03-02T08:50:00", &back, "2026-03-02T11:30:00")[1],
        Some(bj("2026-03-02T12:50:00")),
        "the hour it was thought fixed does not count either"
    );
}

#[test]
fn incident_numbers_are_recognised_in_searches() {
    assert_eq!(incident_number(2026, 123), "INC-2026-000123");
    assert_eq!(as_incident_number(" inc-2026-000123 ").as_deref(), Some("INC-2026-000123"));
    assert_eq!(as_incident_number("INC-2026-1234567").as_deref(), Some("INC-2026-1234567"));
    for not in ["INC-2026-12", "INC-26-000123", "INC-2026-00012x", "存储 INC-2026-000123", "INC-2026", ""] {
        assert_eq!(as_incident_number(not), None, "{not}");
    }
}
