use std::collections::BTreeSet;

use super::*;
use crate::error::ValidationErrors;

fn item(section: &str, name: &str) -> ItemInput {
    ItemInput { section: section.into(), name: name.into(), ..ItemInput::default() }
}

fn input(items: Vec<ItemInput>) -> TemplateInput {
    TemplateInput {
        code: "t".into(),
        name: "测试".into(),
        title: None,
        source: None,
        cycle: None,
        header: vec![],
        ci_types: vec![],
        items,
    }
}

fn fields(e: ValidationErrors) -> Vec<String> {
    e.0.into_iter().map(|e| e.field).collect()
}

#[test]
fn every_builtin_parses_with_a_unique_code_and_names_its_seed() {
    let codes: BTreeSet<&str> = builtins().iter().map(|t| t.code.as_str()).collect();
    assert_eq!(codes.len(), BUILTIN_FILES.len());
    for t in builtins() {
        assert!(t.source.starts_with("种子 00"), "{}: source {}", t.code, t.source);
        assert!(!t.items.is_empty(), "{}", t.code);
        for it in &t.items {
            assert!(it.incident.is_none(), "built-ins open no incident by themselves");
        }
    }
}

/// The seeds' forms, counted row by row (seed 000 §2.2 and §2.3).
#[test]
fn the_seed_forms_keep_their_sections_and_rows() {
    let sw = builtin("core_switch").expect("core switch");
    let got: Vec<(&str, usize)> = sw.sections().into_iter().map(|(s, i)| (s, i.len())).collect();
    assert_eq!(got, [("硬件运行状态", 3), ("系统运行状态检查", 3), ("日志检查", 1), ("其他检查内容", 1)]);
    assert_eq!(sw.header, ["系统管理单位", "维保单位", "设备名", "设备型号", "管理IP"]);

    let mc = builtin("minicomputer").expect("minicomputer");
    let got: Vec<(&str, usize)> = mc.sections().into_iter().map(|(s, i)| (s, i.len())).collect();
    assert_eq!(
        got,
        [
            ("硬件运行状态", 8),
            ("系统检查", 11),
            ("系统性能检查", 3),
            ("数据库运行状态", 2),
            ("集群检查", 2),
            ("存储检查", 4)
        ]
    );
    assert_eq!(mc.items.len(), 30);
    assert_eq!(mc.item("1.1").map(|i| i.name.as_str()), Some("电源指示灯"));
    assert_eq!(mc.item("6.4").map(|i| i.name.as_str()), Some("系统故障报告"));
    assert!(mc.items.iter().all(|i| i.result == ResultKind::OkAbnormal));
}

#[test]
fn keys_count_items_within_their_section() {
    let t =
        validate(&input(vec![item("硬件", "电源"), item("硬件", "风扇"), item("系统", "日志")]), &[]).expect("valid");
    let keys: Vec<&str> = t.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["1.1", "1.2", "2.1"]);
    assert_eq!(t.cycle, Period::Quarter, "quarterly unless the template says otherwise");
    assert_eq!(t.title, "测试", "the title defaults to the name");
}

#[test]
fn bad_templates_name_every_field_and_reason() {
    let mut bad = input(vec![
        ItemInput { result: Some("colour".into()), ..item("硬件", "电源") },
        ItemInput { result: Some("number".into()), min: Some(90.0), max: Some(80.0), ..item("硬件", "温度") },
        ItemInput { unit: Some("%".into()), ..item("系统", "CPU") },
        item("硬件", "风扇"),
        item("系统", "CPU"),
        ItemInput { incident: Some("P9".into()), ..item("系统", "内存") },
        item("系统", " "),
    ]);
    bad.code = "Bad Code".into();
    bad.cycle = Some("fortnight".into());
    let e = validate(&bad, &["P1", "P2"]).expect_err("invalid");
    assert_eq!(
        fields(e.clone()),
        [
            "code",
            "cycle",
            "items[0].result",
            "items[1].min",
            "items[2].result",
            "items[3].section",
            "items[4].name",
            "items[5].incident",
            "items[6].name"
        ]
    );
    let reasons: Vec<String> = e.0.iter().map(|e| e.reason.clone()).collect();
    assert!(reasons.iter().any(|r| r.contains("下限 90 大于上限 80")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("“硬件”的项目须连在一起")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("可选：P1, P2")), "{reasons:?}");
    assert_eq!(fields(validate(&input(vec![]), &[]).expect_err("empty")), ["items"]);
}

#[test]
fn a_number_outside_its_range_is_abnormal_and_cannot_be_ticked_normal() {
    let t = validate(
        &input(vec![ItemInput {
            result: Some("number".into()),
            unit: Some("%".into()),
            min: Some(0.0),
            max: Some(80.0),
            ..item("性能", "CPU利用率")
        }]),
        &[],
    )
    .expect("valid");
    let it = &t.items[0];
    let n = |x: f64, v: Option<Verdict>| judge(it, &Answer { verdict: v, number: Some(x), text: None });
    assert_eq!(n(80.0, None), Ok(Verdict::Ok), "the bound is normal");
    assert_eq!(n(80.5, None), Ok(Verdict::Abnormal));
    assert_eq!(n(-1.0, None), Ok(Verdict::Abnormal));
    assert_eq!(n(50.0, Some(Verdict::Abnormal)), Ok(Verdict::Abnormal), "the engineer may flag a normal number");
    let (field, reason) = n(95.0, Some(Verdict::Ok)).expect_err("contradiction");
    assert_eq!(field, "verdict");
    assert_eq!(reason, "95% 超出正常范围 0–80%，不能判为正常");
    assert_eq!(judge(it, &Answer::default()).map_err(|e| e.0), Err("value"));
    assert_eq!(n(f64::NAN, None).map_err(|e| e.0), Err("value"));
}

#[test]
fn a_tick_box_needs_its_tick_and_text_is_normal_unless_flagged() {
    let t = validate(
        &input(vec![item("硬件", "电源"), ItemInput { result: Some("text".into()), ..item("其他", "其他检查内容") }]),
        &[],
    )
    .expect("valid");
    assert_eq!(judge(&t.items[0], &Answer::default()).map_err(|e| e.0), Err("verdict"));
    assert_eq!(
        judge(&t.items[0], &Answer { verdict: Some(Verdict::Abnormal), ..Answer::default() }),
        Ok(Verdict::Abnormal)
    );
    assert_eq!(judge(&t.items[1], &Answer { text: Some("无".into()), ..Answer::default() }), Ok(Verdict::Ok));
}

#[test]
fn a_template_written_back_validates_to_itself() {
    for t in builtins() {
        assert_eq!(validate(&t.to_input(), &[]).as_ref(), Ok(t), "{}", t.code);
    }
}

#[test]
fn unanswered_items_in_template_order() {
    let t = validate(&input(vec![item("a", "1"), item("a", "2"), item("b", "3")]), &[]).expect("valid");
    let answered: BTreeSet<&str> = ["1.2"].into_iter().collect();
    let keys: Vec<&str> = unanswered(&t, &answered).iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["1.1", "2.1"]);
}

#[test]
fn periods_contain_the_day() {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let b = |p: Period, s: &str| {
        let (a, z, l) = p.bounds(d(s));
        (a.to_string(), z.to_string(), l)
    };
    assert_eq!(b(Period::Quarter, "2026-05-20"), ("2026-04-01".into(), "2026-06-30".into(), "2026-Q2".into()));
    assert_eq!(b(Period::Quarter, "2026-12-31"), ("2026-10-01".into(), "2026-12-31".into(), "2026-Q4".into()));
    assert_eq!(b(Period::Month, "2026-02-10"), ("2026-02-01".into(), "2026-02-28".into(), "2026-02".into()));
    assert_eq!(b(Period::HalfYear, "2026-07-01"), ("2026-07-01".into(), "2026-12-31".into(), "2026-H2".into()));
    assert_eq!(b(Period::Week, "2026-03-04"), ("2026-03-02".into(), "2026-03-08".into(), "2026-W10".into()));
    assert_eq!(b(Period::Year, "2026-03-04").2, "2026");
}

#[test]
fn the_2026_notice_gives_named_holiday_blocks() {
    let t = crate::calendar::HolidayTable::cn();
    let got: Vec<(&str, String, String)> =
        holiday_blocks(t, 2026).into_iter().map(|b| (b.name, b.start.to_string(), b.end.to_string())).collect();
    let names: Vec<&str> = got.iter().map(|g| g.0).collect();
    assert_eq!(names, ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"], "{got:?}");
    assert_eq!(got[1], ("春节", "2026-02-15".into(), "2026-02-23".into()));
    assert_eq!(got[6].1, "2026-10-01");
}

#[test]
fn five_working_days_before_national_day_skip_the_mid_autumn_weekend() {
    use chrono::TimeZone;
    // Office hours 08:30–12:00 and 13:30–17:30 Mon–Fri with the 2026 notice: before Thu 1 Oct come Wed 30, Tue 29,
    // Mon 28 Sep, then 中秋 (Fri 25 – Sun 27) off, then Thu 24 and Wed 23: 08:30 on the 23rd.
    let doc = include_str!("../../../../contracts/seed-003.toml");
    let c = crate::contract::parse(doc).expect("preset");
    let cals = c.compile_calendars();
    let office = &cals["office"];
    let tz = chrono_tz::Asia::Shanghai;
    let start = tz.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).single().expect("time").with_timezone(&chrono::Utc);
    let due = lead_before(office, start, chrono::Duration::seconds(5 * office.standard_day_seconds())).expect("due");
    assert_eq!(due.with_timezone(&tz).to_rfc3339(), "2026-09-23T08:30:00+08:00");
}
