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
