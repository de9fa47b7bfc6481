//! The contract document: the DESIGN.md sketch parses; mistakes are named by line and field.

use chrono::{DateTime, FixedOffset, Utc};

use super::*;

/// The sketch of DESIGN.md "The central idea", verbatim.
const SKETCH: &str = r#"[project]
code = "demo"                          # used in URLs and numbers
hospital = "示例医院"
vendor = "示例运维服务商"
period = { start = "2026-01-01", end = "2026-12-31" }
annual_fee_yuan = 1200000
timezone = "Asia/Shanghai"

[calendars.always]                     # 7×24
kind = "24x7"
[calendars.office]                     # 5×8
kind = "business"
weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]
hours = ["08:30-12:00", "13:30-17:30"]
holidays = "cn"                        # shipped State Council holidays and make-up workdays

[severity.P1]                          # 一级故障 / 全面加急
name = "一级故障（紧急）"
respond = { within = "15m", calendar = "always" }
remote  = { within = "30m", calendar = "always" }
onsite  = { within = "30m", calendar = "always" }
resolve = { within = "24h", calendar = "always" }
escalate = [{ after = "30m", to = "manager1" }, { after = "2h", to = "manager2" }, { after = "4h", to = "manager3" }]

[severity.P3]
respond = { within = "2h",  calendar = "office" }
resolve = { within = "5wd", calendar = "office" }   # wd = working days

[sla]
pause_while = ["awaiting_approval"]    # 医院批准的时间不包含在承诺的服务等级时间内
"#;

fn errors(text: &str) -> Vec<ContractError> {
    parse(text).err().map(|e| e.0).unwrap_or_default()
}

#[test]
fn the_design_sketch_parses_as_written() {
    let c = parse(SKETCH).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.project.code.as_str(), "demo");
    assert_eq!(c.project.annual_fee_fen, Some(120_000_000));
    assert_eq!(c.calendars.len(), 2);
    let p1 = &c.severities["P1"];
    assert_eq!(p1.name, "一级故障（紧急）");
    assert_eq!(p1.clocks[&ClockKind::Respond].within, BusinessDuration::minutes(15));
    assert_eq!(p1.escalate.iter().map(|s| s.to.as_str()).collect::<Vec<_>>(), ["manager1", "manager2", "manager3"]);
    assert_eq!(p1.escalate[0].calendar, "always");
    let p3 = &c.severities["P3"];
    assert_eq!(p3.clocks.len(), 2);
    assert_eq!(p3.clocks[&ClockKind::Resolve].within, BusinessDuration::working_days(5));
    assert_eq!(c.pause_while, ["awaiting_approval"]);
}

#[test]
fn a_misspelt_calendar_is_named_with_its_line() {
    let text = SKETCH.replace(
        r#"respond = { within = "2h",  calendar = "office" }"#,
        r#"respond = { within = "2h",  calendar = "offce" }"#,
    );
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].line, 26);
    assert_eq!(e[0].field, "severity.P3.respond.calendar");
    assert!(e[0].reason.contains("no calendar named \"offce\""), "{}", e[0]);
    assert!(e[0].to_string().starts_with("line 26, column "));
}

#[test]
fn an_unknown_key_is_named_with_its_path() {
    let text = SKETCH.replace("resolve = { within = \"5wd\"", "reslove = { within = \"5wd\"");
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].line, 27);
    assert!(e[0].field.starts_with("severity.P3"), "{}", e[0]);
    assert!(e[0].reason.contains("reslove"), "{}", e[0]);
}

#[test]
fn bad_values_are_all_reported_in_document_order() {
    let text = SKETCH
        .replace(r#"timezone = "Asia/Shanghai""#, r#"timezone = "Asia/Shangai""#)
        .replace(r#""13:30-17:30""#, r#""13:30-12:30""#)
        .replace(r#"within = "15m""#, r#"within = "15 minutes""#)
        .replace(r#"["awaiting_approval"]"#, r#"["waiting"]"#);
    let fields: Vec<String> = errors(&text).into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        ["project.timezone", "calendars.office.hours", "severity.P1.respond.within", "sla.pause_while[0]"]
    );
}

#[test]
fn malformed_toml_gives_line_and_column() {
    let e = errors("[project]\ncode = \"demo\n");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, 2);
}

#[test]
fn escalation_must_climb() {
    let text = SKETCH.replace(r#"{ after = "2h", to = "manager2" }"#, r#"{ after = "20m", to = "manager2" }"#);
    let e = errors(&text);
    assert_eq!(e.first().map(|e| e.field.as_str()), Some("severity.P1.escalate[1].after"));
}

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

#[test]
fn preview_gives_the_deadlines_of_each_clock() {
    let c = parse(SKETCH).unwrap_or_else(|e| panic!("{e}"));
    let cals = c.compile_calendars();
    let out = c.preview(&cals, "P3", bj("2025-09-30T16:50:00+08:00")).unwrap_or_default();
    let bj_tz = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!());
    let lines: Vec<String> = out
        .into_iter()
        .map(|(k, r)| {
            format!("{} {}", k.code(), r.map(|c| c.value.with_timezone(&bj_tz).to_rfc3339()).unwrap_or_default())
        })
        .collect();
    // respond: 40 min on Sep 30, National Day Oct 1–8, then 80 min on Oct 9.
    // resolve: 5 × 7.5 h = 37.5 h: 40 min on Sep 30, 7.5 h on each of Oct 9, 10, 11 (make-up
    // Saturday) and 13, then 6 h 50 min on Oct 14: 08:30–12:00 and 13:30–16:50.
    assert_eq!(lines, ["respond 2025-10-09T09:50:00+08:00", "resolve 2025-10-14T16:50:00+08:00"]);
    assert!(c.preview(&cals, "P9", bj("2025-09-30T16:50:00+08:00")).is_none());
}

/// The sketch with the later sections appended.
fn with(extra: &str) -> String {
    format!("{SKETCH}\n{extra}")
}

#[test]
fn later_sections_parse() {
    let c = parse(&with(
        r#"[reports]
quarterly = { within = "5wd", calendar = "office" }
[inspection]
pre_holiday = { holidays = ["国庆节"], lead = "3wd", calendar = "office" }
[complaint]
hours = "office"
first_reply = { within = "2h", calendar = "office" }
[assessment]
period = "quarter"
[scoring]
pass = 90
below_pass = "pay_score_percent"
items = [{ metric = "satisfaction", points = 60 }, { metric = "resolution_rate", points = 40 }]
"#,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.terms.reports[&ReportKind::Quarterly].within, BusinessDuration::working_days(5));
    let insp = c.terms.inspection.as_ref().map(|i| i.cycle);
    assert_eq!(insp, Some(Cycle::Quarter), "quarterly unless the contract says otherwise");
    assert_eq!(c.terms.assessment.map(|a| a.period), Some(Cycle::Quarter));
    let s = c.terms.scoring.as_ref().map(|s| s.items.len());
    assert_eq!(s, Some(2));
}

#[test]
fn mistakes_in_later_sections_are_named() {
    let cases: &[(&str, &str, &str)] = &[
        ("[reports]\nquartely = { within = \"5wd\", calendar = \"office\" }", "reports.quartely", "未知报告"),
        ("[complaint]\nhours = \"ofice\"", "complaint.hours", "no calendar named"),
        (
            "[inspection]\npre_holiday = { holidays = [\"圣诞节\"], lead = \"3wd\", calendar = \"office\" }",
            "inspection.pre_holiday.holidays",
            "圣诞节",
        ),
        ("[inspection]\ncycle = \"weekly\"", "inspection.cycle", "未知周期"),
        (
            "[scoring]\npass = 98\nbelow_pass = \"pay_score_percent\"\nitems = [{ metric = \"satisfaction\", weight = 60 }, { metric = \"repair_quality\", weight = 30 }]",
            "scoring.items",
            "权重之和须为 100%，现为 90%",
        ),
        (
            "[scoring]\npass = 98\nbelow_pass = \"pay_score_percent\"\nitems = [{ metric = \"happiness\", points = 100 }]",
            "scoring.items[0].metric",
            "未知指标",
        ),
        (
            "[scoring]\npass = 120\nbelow_pass = \"pay_score_percent\"\nitems = [{ metric = \"satisfaction\", points = 100 }]",
            "scoring.pass",
            "0 到 100",
        ),
        (
            "[scoring]\npass = 98\nbelow_pass = \"deduct_fee\"\ndeduct_fee_percent_per_point = 0.0001\nitems = [{ metric = \"satisfaction\", points = 100 }]",
            "scoring.deduct_fee_percent_per_point",
            "三位小数",
        ),
        (
            "[penalties.ordinary]\ndeduct_after_warnings = -1\ndeduct_percent = 1",
            "penalties.ordinary.deduct_after_warnings",
            "整数",
        ),
        (
            "[emergency]\nmanual_fallback = [{ after = \"3h\", calendar = \"always\", units = [\"护士站\"] }, { after = \"15m\", calendar = \"always\", units = [\"门诊挂号\"] }]",
            "emergency.manual_fallback[1].after",
            "逐级递增",
        ),
    ];
    for (extra, field, reason) in cases {
        let e = errors(&with(extra));
        assert_eq!(e.len(), 1, "{extra}: {e:?}");
        assert_eq!(e[0].field, *field, "{extra}");
        assert!(e[0].reason.contains(reason), "{extra}: {}", e[0]);
        assert!(e[0].line > 30, "{extra}: the line of the mistake, not of the document start: {}", e[0]);
    }
}

#[test]
fn project_fields_are_set_keeping_comments() {
    let doc = with_project_fields(SKETCH, &[("code", "szrmyy"), ("hospital", "深圳市\"人民\"医院")]);
    let c = parse(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.project.code.as_str(), "szrmyy");
    assert_eq!(c.project.hospital, "深圳市\"人民\"医院");
    assert!(doc.contains("code = \"szrmyy\"                          # used in URLs and numbers"), "{doc}");
    assert_eq!(doc.lines().count(), SKETCH.lines().count());
    // Only the [project] table.
    let other = with_project_fields(SKETCH, &[("name", "改名")]);
    assert_eq!(other, SKETCH, "no name in [project]; severity names untouched");
}

#[test]
fn added_holiday_years_change_deadlines_and_clear_the_warning() {
    let mut c = parse(SKETCH).unwrap_or_else(|e| panic!("{e}"));
    let at = bj("2027-09-30T16:50:00+08:00");
    let before = c.preview(&c.compile_calendars(), "P3", at).unwrap_or_default();
    let (_, r) = &before[0];
    let r = r.as_ref().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.missing_holiday_years, [2027], "2027 is not shipped: the result says so");
    assert_eq!(r.value, bj("2027-10-01T09:50:00+08:00"), "without data Oct 1 2027 (a Friday) counts as a workday");

    let extra = HolidayTable::from_json(
        r#"{"2027": {"holidays": ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"], "workdays": ["2027-09-26", "2027-10-09"]}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    c.add_holiday_years(&extra);
    let after = c.preview(&c.compile_calendars(), "P3", at).unwrap_or_default();
    let r = after[0].1.as_ref().unwrap_or_else(|e| panic!("{e}"));
    assert!(r.missing_holiday_years.is_empty());
    assert_eq!(r.value, bj("2027-10-08T09:50:00+08:00"));
}

#[test]
fn alert_rules_map_labels_to_severities() {
    let c = parse(&with(
        r#"[monitoring]
severity = "P3"
[[monitoring.rule]]
when = { severity = "critical" }
severity = "P1"
resolve_on_recovery = true
[[monitoring.rule]]
when = { severity = "info" }
ignore = true
"#,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let m = &c.terms.monitoring;
    assert_eq!(m.severity.as_deref(), Some("P3"));
    assert_eq!(m.rules.len(), 2);
    assert_eq!(m.rules[0].when.get("severity").map(String::as_str), Some("critical"));
    assert!(m.rules[0].resolve_on_recovery && !m.rules[0].ignore);
    assert!(m.rules[1].ignore && m.rules[1].severity.is_none());
    assert_eq!(parse(SKETCH).map(|c| c.terms.monitoring).ok(), Some(Default::default()), "no section: no rules");
}

#[test]
fn bad_alert_rules_are_named_with_their_line() {
    let e = errors(&with(
        "[monitoring]\nseverity = \"P2\"\n[[monitoring.rule]]\nwhen = { job = \"node\" }\n[[monitoring.rule]]\nseverity = \"P1\"\nignore = true\n",
    ));
    let got: Vec<(&str, usize)> = e.iter().map(|e| (e.field.as_str(), e.line)).collect();
    let base = SKETCH.lines().count() + 1;
    assert_eq!(
        got,
        [
            ("monitoring.severity", base + 2),
            ("monitoring.rule[0]", base + 3),
            ("monitoring.rule[1].severity", base + 6)
        ]
    );
    assert!(e[0].reason.contains("可选：P1, P3"), "{}", e[0].reason);
}

/// The limits the parser fuzzing found were needed (docs/reliability.md): each is the field's error.
#[test]
fn a_fee_period_or_calendars_too_large_to_compute_with_are_refused_by_field() {
    let fields = |text: &str| errors(text).into_iter().map(|e| (e.field, e.reason)).collect::<Vec<_>>();
    let fee = SKETCH.replace("annual_fee_yuan = 1200000", "annual_fee_yuan = 9223372036854775807");
    assert_eq!(fields(&fee)[0].0, "project.annual_fee_yuan");
    let long = SKETCH.replace(r#"end = "2026-12-31""#, r#"end = "2036-01-01""#);
    assert_eq!(fields(&long), vec![("project.period.end".to_owned(), "服务期最长 10 年".to_owned())]);
    let ten_years = SKETCH.replace(r#"end = "2026-12-31""#, r#"end = "2035-12-31""#);
    assert!(parse(&ten_years).is_ok(), "ten years are accepted");
    let hours: Vec<String> = (8..17).map(|h| format!("\"{h:02}:00-{h:02}:30\"")).collect();
    let many = SKETCH.replace(r#"hours = ["08:30-12:00", "13:30-17:30"]"#, &format!("hours = [{}]", hours.join(", ")));
    assert_eq!(fields(&many), vec![("calendars.office.hours".to_owned(), "一天最多 8 个工作时段".to_owned())]);
    let calendars: String = (0..MAX_CALENDARS).map(|i| format!("[calendars.c{i:02}]\nkind = \"24x7\"\n")).collect();
    let too_many = SKETCH.replace("[severity.P1]", &format!("{calendars}\n[severity.P1]"));
    assert_eq!(fields(&too_many), vec![("calendars".to_owned(), "一份合同最多 16 个日历".to_owned())]);
}
