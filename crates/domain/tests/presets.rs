//! The seed presets in `contracts/`: each validates, and its numbers are the numbers of its seed
//! (the seed sections are cited next to each assertion, as in the preset files).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use yunwei_domain::calendar::BusinessDuration;
use yunwei_domain::contract::{
    AdjustEvent, BelowPass, ClockKind, ClockTarget, Contract, Cycle, Fixed, ItemRule, Metric, ReportKind, parse,
};

const PRESETS: [(&str, &str); 6] = [
    ("example", include_str!("../../../contracts/example.toml")),
    ("seed-000", include_str!("../../../contracts/seed-000.toml")),
    ("seed-001", include_str!("../../../contracts/seed-001.toml")),
    ("seed-002", include_str!("../../../contracts/seed-002.toml")),
    ("seed-003", include_str!("../../../contracts/seed-003.toml")),
    ("seed-004", include_str!("../../../contracts/seed-004.toml")),
];

fn preset(name: &str) -> Contract {
    let text = PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).unwrap_or_default();
    parse(text).unwrap_or_else(|e| panic!("{name}:\n{e}"))
}

fn m(n: i64) -> BusinessDuration {
    BusinessDuration::minutes(n)
}

fn h(n: i64) -> BusinessDuration {
    BusinessDuration::minutes(n * 60)
}

fn wd(n: i64) -> BusinessDuration {
    BusinessDuration::working_days(n)
}

fn days(n: i64) -> BusinessDuration {
    BusinessDuration::minutes(n * 24 * 60)
}

fn t(within: BusinessDuration, calendar: &str) -> ClockTarget {
    ClockTarget { within, calendar: calendar.to_owned() }
}

/// `severity → clock → within` of a contract, for table comparisons.
fn clocks(c: &Contract) -> BTreeMap<(String, &'static str), (BusinessDuration, String)> {
    c.severities
        .iter()
        .flat_map(|(code, s)| {
            s.clocks.iter().map(move |(k, t)| ((code.clone(), k.code()), (t.within, t.calendar.clone())))
        })
        .collect()
}

fn expect_clocks(
    rows: &[(&str, &str, BusinessDuration, &str)],
) -> BTreeMap<(String, &'static str), (BusinessDuration, String)> {
    rows.iter()
        .map(|(sev, clock, d, cal)| {
            let k = ClockKind::ALL.into_iter().find(|k| k.code() == *clock).map(ClockKind::code).unwrap_or("?");
            ((sev.to_string(), k), (*d, cal.to_string()))
        })
        .collect()
}

#[test]
fn every_preset_validates_and_is_named_after_its_file() {
    for (name, text) in PRESETS {
        let c = parse(text).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        if name != "example" {
            assert_eq!(c.project.code.as_str(), name);
        }
        // Every number of a seed preset carries its source: a line whose value has a digit has
        // a comment, on the line or (inside a multi-line array) on the line above.
        if name.starts_with("seed-") {
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let value = line.split('#').next().unwrap_or_default().trim();
                let key = value.split('=').next().unwrap_or_default().trim();
                let parties = ["code", "name", "hospital", "vendor", "timezone", "period", "kind", "weekdays", "hours"];
                if parties.contains(&key) || !value.contains('=') || !value.chars().any(|c| c.is_ascii_digit()) {
                    continue;
                }
                let commented = line.contains('#') || (i > 0 && lines[i - 1].trim_start().starts_with('#'));
                assert!(commented, "{name}:{}: a number without its seed section: {line}", i + 1);
            }
        }
    }
}

#[test]
fn seed_000_numbers() {
    let c = preset("seed-000");
    // §3.1 reply 30 min for 一、二级, 2 h for 三级; §3.2 remote 30 min / 30 min / 2 h; 7×24.
    assert_eq!(
        clocks(&c),
        expect_clocks(&[
            ("P1", "respond", m(30), "always"),
            ("P1", "remote", m(30), "always"),
            ("P2", "respond", m(30), "always"),
            ("P2", "remote", m(30), "always"),
            ("P3", "respond", h(2), "always"),
            ("P3", "remote", h(2), "always"),
        ])
    );
    assert_eq!(c.pause_while, ["awaiting_approval"]); // §3.2 要求 2
    let tm = &c.terms;
    assert_eq!(tm.reports[&ReportKind::Quarterly], t(wd(5), "office")); // §3.4
    assert_eq!(tm.reports[&ReportKind::Inspection], t(wd(3), "office")); // §2.9
    assert_eq!(tm.spares.urgent_replace, Some(t(h(24), "always"))); // §2.10
    assert_eq!(tm.spares.repair_warranty_months, Some(3)); // §5.1
    let complaint = tm.complaint.as_ref().expect("complaint terms");
    assert_eq!(complaint.hours, "office"); // §3.5 Mon–Fri 8:30–17:30
    assert_eq!(complaint.first_reply, Some(t(h(2), "office")));
    assert_eq!(complaint.resolve, Some(t(days(15), "always"))); // 半个月
    assert_eq!(tm.assessment.map(|a| a.period), Some(Cycle::Year));

    // §5: 30/15/30/25, 98 points, 0.1 % per 0.1 point, 20 % cap.
    let s = tm.scoring.as_ref().expect("scoring");
    let shares: Vec<(Metric, Fixed)> = s.items.iter().map(|i| (i.metric, i.share)).collect();
    assert_eq!(
        shares,
        [
            (Metric::IncidentTimeliness, Fixed::whole(30)),
            (Metric::RepairTimeliness, Fixed::whole(15)),
            (Metric::RepairQuality, Fixed::whole(30)),
            (Metric::Satisfaction, Fixed::whole(25)),
        ]
    );
    assert!(s.items.iter().all(|i| i.max == Fixed::whole(100)), "百分制 items");
    assert_eq!(s.items[1].rule, ItemRule::DeductPerMiss(Fixed::milli(500)));
    assert_eq!(s.pass, Fixed::whole(98));
    assert_eq!(
        s.below_pass,
        BelowPass::DeductFee { percent_per_point: Fixed::whole(1), cap_percent: Some(Fixed::whole(20)) }
    );
    assert_eq!(s.adjust[0].event, AdjustEvent::FailedPatch);
    assert_eq!(s.adjust[0].points, Fixed::whole(-5));
    let fee = c.project.annual_fee_fen.expect("fee");
    assert_eq!(s.payable_fen(fee, Fixed::whole(98)), fee);
    assert_eq!(s.payable_fen(fee, Fixed::whole(100)), fee);
    // 97.9: 0.1 point short → 0.1 % of the fee.
    assert_eq!(s.payable_fen(fee, Fixed::milli(97_900)), fee - fee / 1000);
    // 95.5: 2.5 points short → 2.5 %.
    assert_eq!(s.payable_fen(fee, Fixed::milli(95_500)), fee - fee * 25 / 1000);
    // 70: 28 points short → 28 %, capped at 20 %.
    assert_eq!(s.payable_fen(fee, Fixed::whole(70)), fee - fee / 5);
}

#[test]
fn seed_001_numbers() {
    let c = preset("seed-001");
    // 1.4.1 全面加急 10 min, 1.4.2 加急 30 min, 1.4.3 常规 60 min; 2.9 8 h on site.
    assert_eq!(
        clocks(&c),
        expect_clocks(&[
            ("P1", "respond", m(10), "always"),
            ("P2", "respond", m(30), "always"),
            ("P2", "onsite", h(8), "always"),
            ("P3", "respond", m(60), "always"),
        ])
    );
    assert_eq!(c.severities["P1"].name, "全面加急");
    assert_eq!(c.severities["P2"].name, "加急");
    assert_eq!(c.severities["P3"].name, "常规服务");
    let tm = &c.terms;
    assert_eq!(tm.written_reply, Some(t(h(4), "always"))); // 1.2
    // 2.7 manual fallback at 15 min and 3 h.
    let fb: Vec<(BusinessDuration, usize)> =
        tm.emergency.manual_fallback.iter().map(|f| (f.after.within, f.units.len())).collect();
    assert_eq!(fb, [(m(15), 6), (h(3), 3)]);
    assert!(tm.emergency.manual_fallback[0].units.iter().any(|u| u == "门诊挂号"));
    assert!(tm.emergency.manual_fallback[1].units.iter().any(|u| u == "手术室"));
    assert_eq!(tm.emergency.drill_every, Some(Cycle::HalfYear)); // 2.8 (2)
    assert_eq!(tm.training_every, Some(Cycle::Quarter)); // 2.8 (1)
}

#[test]
fn seed_002_numbers() {
    let c = preset("seed-002");
    // §2: 15 min response, 3 h on site; 附件一: high/medium/low in 1/3/5 working days.
    let mut rows = Vec::new();
    for (sev, days) in [("P1", 1), ("P2", 3), ("P3", 5)] {
        rows.push((sev, "respond", m(15), "always"));
        rows.push((sev, "onsite", h(3), "always"));
        rows.push((sev, "resolve", wd(days), "office"));
    }
    assert_eq!(clocks(&c), expect_clocks(&rows));
    let tm = &c.terms;
    // 附件二: requirement 10/20/30 working days; 附件一: 15 working days of customisation.
    assert_eq!(tm.requirements.plan, Some(t(wd(10), "office")));
    assert_eq!(tm.requirements.develop, Some(t(wd(20), "office")));
    assert_eq!(tm.requirements.deliver, Some(t(wd(30), "office")));
    assert_eq!(tm.requirements.customization_days_per_year, Some(15));
    assert_eq!(tm.emergency.senior_onsite, Some(t(h(24), "always")));
    // §4 / 附件二: 100 points, 80 pass, pay the score below it, +2 per commendation.
    let s = tm.scoring.as_ref().expect("scoring");
    assert_eq!((s.full, s.pass, s.below_pass), (Fixed::whole(100), Fixed::whole(80), BelowPass::PayScorePercent));
    let points: Vec<(Metric, i64)> = s.items.iter().map(|i| (i.metric, i.share.0 / Fixed::ONE)).collect();
    assert_eq!(
        points,
        [
            (Metric::IncidentTimeliness, 25),
            (Metric::IncidentTimeliness, 20),
            (Metric::IncidentTimeliness, 5),
            (Metric::RequirementTimeliness, 20),
            (Metric::Satisfaction, 20),
            (Metric::ResolutionRate, 10),
        ]
    );
    assert_eq!(s.items[0].scope.as_deref(), Some("HIS"));
    assert_eq!(s.items[3].rule, ItemRule::DeductPerMiss(Fixed::whole(1)));
    assert_eq!(
        s.items[5].rule,
        ItemRule::Threshold { free_above_percent: Fixed::whole(90), per_percent: Fixed::whole(1) }
    );
    assert_eq!(s.adjust[0].event, AdjustEvent::Commendation);
    assert_eq!(s.adjust[0].points, Fixed::whole(2));
    let fee = c.project.annual_fee_fen.expect("fee");
    assert_eq!(s.payable_fen(fee, Fixed::whole(85)), fee);
    assert_eq!(s.payable_fen(fee, Fixed::whole(80)), fee);
    assert_eq!(s.payable_fen(fee, Fixed::whole(70)), fee * 7 / 10); // §4 2) 得分 70 分 → 70%
}

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

fn preview(c: &Contract, severity: &str, at: &str) -> Vec<String> {
    let cals = c.compile_calendars();
    let tz = FixedOffset::east_opt(8 * 3600).expect("offset");
    c.preview(&cals, severity, bj(at))
        .unwrap_or_default()
        .into_iter()
        .map(|(k, r)| {
            format!("{} {}", k.code(), r.map(|c| c.value.with_timezone(&tz).to_rfc3339()).unwrap_or_default())
        })
        .collect()
}

#[test]
fn seed_002_low_priority_across_national_day() {
    // 5wd of 8 h = 40 h in 08:00–12:00, 14:00–18:00: 70 min on Sep 30; Oct 1–8 off; 8 h each
    // on Oct 9, 10, 11 (make-up Saturday) and 13; then 4 h + 2 h 50 min on Oct 14.
    let c = preset("seed-002");
    assert_eq!(
        preview(&c, "P3", "2025-09-30T16:50:00+08:00"),
        ["respond 2025-09-30T17:05:00+08:00", "onsite 2025-09-30T19:50:00+08:00", "resolve 2025-10-14T16:50:00+08:00"]
    );
    // High priority: 1wd from Tue 10:00 is Wed 10:00.
    assert_eq!(preview(&c, "P1", "2026-03-10T10:00:00+08:00")[2], "resolve 2026-03-11T10:00:00+08:00");
}

#[test]
fn seed_003_numbers() {
    let c = preset("seed-003");
    // 1.1.3.3 15 min response, 30 min on site; 1.1.5.1.1 24 h resolution; P1–P4 (1.1.5.2.3).
    let mut rows = Vec::new();
    for sev in ["P1", "P2", "P3", "P4"] {
        rows.push((sev, "respond", m(15), "always"));
        rows.push((sev, "onsite", m(30), "always"));
        rows.push((sev, "resolve", h(24), "always"));
    }
    assert_eq!(clocks(&c), expect_clocks(&rows));
    let ladder: Vec<&str> = c.severities["P1"].escalate.iter().map(|s| s.to.as_str()).collect();
    assert_eq!(ladder, ["manager1", "manager2", "manager3"]); // 1.1.5.2.3
    let tm = &c.terms;
    assert_eq!(tm.spares.restock, Some(t(days(3), "always"))); // 1.1.5.1.3 三天内
    assert_eq!(tm.spares.initial_stock, Some(t(days(14), "always"))); // 两周内
    assert_eq!(tm.spares.coverage_percent, Some(Fixed::whole(100)));
    assert_eq!(tm.spares.standby, Some(t(h(24), "always"))); // 1.1.6.2.6
    let insp = tm.inspection.as_ref().expect("inspection");
    assert_eq!(insp.cycle, Cycle::Quarter); // 1.1.6.2.5
    assert_eq!(insp.first, Some(t(days(7), "always"))); // 1.1.5.1.3 一周内首检
    assert_eq!(
        insp.pre_holiday.as_ref().map(|p| p.holidays.clone()),
        Some(vec!["元旦".into(), "春节".into(), "国庆节".into()])
    );
    assert_eq!(tm.reports[&ReportKind::Inspection], t(days(7), "always")); // 1.1.7.2.9
    assert_eq!(tm.reports[&ReportKind::Upgrade], t(wd(3), "office")); // 1.1.9.2
    assert_eq!(
        preview(&c, "P2", "2026-02-16T23:50:00+08:00"),
        ["respond 2026-02-17T00:05:00+08:00", "onsite 2026-02-17T00:20:00+08:00", "resolve 2026-02-17T23:50:00+08:00"]
    );
}

#[test]
fn seed_004_numbers() {
    let c = preset("seed-004");
    assert!(clocks(&c).is_empty(), "seed 004 sets no response times");
    let tm = &c.terms;
    assert_eq!(tm.inspection.as_ref().map(|i| i.cycle), Some(Cycle::Quarter)); // 2.1 每季度
    let a = tm.assessment.expect("assessment");
    assert_eq!((a.period, a.pay_percent_per_period), (Cycle::HalfYear, Some(Fixed::whole(50))));
    // 付款方式: ordinary 3 warnings → 1 % (3 % severe); urgent 2 → 3 % (5 %); major 1 → 5 %
    // (10 % or termination); disaster → 10 % or termination.
    let ladder: Vec<(&str, u32, i64, Option<i64>, bool)> = tm
        .penalties
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.deduct_after_warnings,
                p.deduct_percent.0 / Fixed::ONE,
                p.severe_percent.map(|s| s.0 / Fixed::ONE),
                p.may_terminate,
            )
        })
        .collect();
    assert_eq!(
        ladder,
        [
            ("普通问题", 3, 1, Some(3), false),
            ("紧急问题", 2, 3, Some(5), false),
            ("重大问题", 1, 5, Some(10), true),
            ("灾难问题", 0, 10, None, true),
        ]
    );
}
