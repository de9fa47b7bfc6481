//! Validation of a CI as entered.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::cmdb::*;

fn ok_input() -> CiInput {
    CiInput { name: "HIS 数据库服务器 01".into(), type_code: "server".into(), ..Default::default() }
}

fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("object")
}

/// The (field, reason) pairs of a refused input.
fn errors(input: &CiInput) -> Vec<(String, String)> {
    match input.validate() {
        Ok(ci) => panic!("accepted: {ci:?}"),
        Err(e) => e.0.into_iter().map(|f| (f.field, f.reason)).collect(),
    }
}

fn fields(input: &CiInput) -> Vec<String> {
    errors(input).into_iter().map(|(f, _)| f).collect()
}

#[test]
fn a_complete_ci_is_accepted_with_text_trimmed_and_codes_resolved() {
    let input = CiInput {
        name: "  核心交换机-门诊楼 ".into(),
        type_code: "核心交换机".into(),
        hostname: Some(" Core-SW01.hospital.local. ".into()),
        vendor: Some(" 华为 ".into()),
        model: Some("S12700E-8".into()),
        serial: Some("2102351234ABC".into()),
        part_number: Some("02351ABC".into()),
        asset_tag: Some("ZC-2024-0001".into()),
        location: Location {
            building: Some("门诊楼".into()),
            room: Some("3楼信息中心机房".into()),
            rack: Some("A03".into()),
            u: Some(" 12-13 ".into()),
        },
        owner_department: Some("信息中心".into()),
        status: Some("在用".into()),
        warranty_end: NaiveDate::from_ymd_opt(2027, 12, 31),
        supplier: Some("某某科技有限公司".into()),
        criticality: Some("critical".into()),
        ips: vec!["10.1.1.1".into(), "10.1.0.0/16".into()],
        attributes: attrs(json!({"firmware": " V200R021C10 ", "vlans": ["10", "20"], "ports": 48, "stacked": true})),
    };
    let ci = input.validate().expect("valid");
    assert_eq!(ci.name, "核心交换机-门诊楼");
    assert_eq!(ci.ci_type.code, "core_switch");
    assert_eq!(ci.vendor.as_deref(), Some("华为"));
    assert_eq!(ci.hostname.as_deref(), Some("core-sw01.hospital.local"), "lower-cased, no trailing dot");
    assert_eq!(ci.location.u.as_deref(), Some("12-13"));
    assert_eq!((ci.status, ci.criticality), (CiStatus::InService, Criticality::Critical));
    assert_eq!(ci.ips.iter().map(ToString::to_string).collect::<Vec<_>>(), ["10.1.1.1", "10.1.0.0/16"]);
    assert_eq!(
        Value::Object(ci.attributes),
        json!({"firmware": "V200R021C10", "vlans": ["10", "20"], "ports": 48, "stacked": true})
    );
}

#[test]
fn status_defaults_to_in_service_and_criticality_to_medium() {
    let ci = CiInput { status: Some(" ".into()), ..ok_input() }.validate().expect("valid");
    assert_eq!((ci.status, ci.criticality), (CiStatus::InService, Criticality::Medium));
    assert_eq!((ci.vendor, ci.location), (None, Location::default()), "blank text is absent");
}

#[test]
fn a_ci_arrives_as_json_with_a_type_field_and_everything_else_optional() {
    let input: CiInput =
        serde_json::from_value(json!({"name": "PACS", "type": "pacs", "warranty_end": "2026-06-30", "id": 5}))
            .expect("json");
    let ci = input.validate().expect("valid");
    assert_eq!((ci.ci_type.code, ci.warranty_end), ("pacs", NaiveDate::from_ymd_opt(2026, 6, 30)));
}

#[test]
fn a_ci_without_name_or_known_type_is_refused_naming_both_fields() {
    let got = errors(&CiInput { name: "  ".into(), type_code: "toaster".into(), ..Default::default() });
    assert_eq!(got, vec![("name".into(), "名称不能为空".into()), ("type".into(), "未知的配置项类型“toaster”".into())]);
    assert_eq!(
        errors(&CiInput { name: "x".into(), ..Default::default() }),
        vec![("type".into(), "配置项类型不能为空".into())]
    );
}

#[test]
fn a_name_may_have_200_characters_of_any_script_but_not_201() {
    assert!(CiInput { name: "机".repeat(200), ..ok_input() }.validate().is_ok());
    assert_eq!(
        errors(&CiInput { name: "机".repeat(201), ..ok_input() }),
        vec![("name".into(), "不能超过 200 个字符".into())]
    );
}

#[test]
fn text_fields_are_limited_and_named_by_path() {
    let input = CiInput {
        serial: Some("S".repeat(65)),
        vendor: Some("a\nb".into()),
        location: Location { rack: Some("R".repeat(65)), u: Some("1".repeat(17)), ..Default::default() },
        supplier: Some("供".repeat(201)),
        ..ok_input()
    };
    assert_eq!(fields(&input), ["vendor", "serial", "location.rack", "location.u", "supplier"]);
    assert_eq!(errors(&input)[0].1, "不能包含换行、制表符等控制字符");
}

#[test]
fn unknown_status_and_criticality_are_refused() {
    let input = CiInput { status: Some("broken".into()), criticality: Some("urgent".into()), ..ok_input() };
    let got = errors(&input);
    assert_eq!(got.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["status", "criticality"]);
    assert!(got[1].1.starts_with("未知的重要程度“urgent”，可选：critical（关键）"));
}

#[test]
fn a_warranty_end_far_outside_a_device_s_life_is_refused() {
    let input = CiInput { warranty_end: NaiveDate::from_ymd_opt(202, 1, 1), ..ok_input() };
    assert_eq!(fields(&input), ["warranty_end"]);
}

#[test]
fn bad_and_duplicate_ips_are_named_by_their_index() {
    let input = CiInput {
        ips: vec!["10.1.2.3".into(), "10.1.2.300".into(), " 10.1.2.3/32 ".into(), "10.1.2.3/24".into(), "".into()],
        ..ok_input()
    };
    let got = errors(&input);
    assert_eq!(got.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["ips[1]", "ips[2]", "ips[3]", "ips[4]"]);
    assert_eq!(got[1].1, "与 ips[0] 重复（10.1.2.3）");
    let v6 = CiInput { ips: vec!["fe80::1".into(), "FE80:0::1".into()], ..ok_input() };
    assert_eq!(fields(&v6), ["ips[1]"]);
}

#[test]
fn attributes_are_flat_values_with_short_non_empty_keys() {
    let input = CiInput {
        attributes: attrs(json!({
            "nic": {"eth0": "10.1.2.3"},
            "vlans": ["10", 20],
            "": "x",
            "k".repeat(65): "x",
            "cpu": "2 × Xeon Gold 6330",
        })),
        ..ok_input()
    };
    let got = errors(&input);
    let long = format!("attributes.{}", "k".repeat(65));
    assert_eq!(
        got.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        ["attributes", long.as_str(), "attributes.nic", "attributes.vlans[1]"]
    );
    assert_eq!(got[2].1, "属性值不能是对象，只能是字符串、数字、布尔值或字符串数组");
}

#[test]
fn attribute_keys_are_trimmed_and_may_not_collide_after_trimming() {
    let ci = CiInput { attributes: attrs(json!({" 固件版本 ": "V1"})), ..ok_input() }.validate().expect("valid");
    assert_eq!(Value::Object(ci.attributes), json!({"固件版本": "V1"}));
    let clash = CiInput { attributes: attrs(json!({"os": "a", " os": "b"})), ..ok_input() };
    assert_eq!(errors(&clash), vec![("attributes.os".into(), "属性名重复（忽略首尾空格后相同）".into())]);
}

#[test]
fn null_blank_and_empty_attributes_mean_not_set() {
    let input = CiInput { attributes: attrs(json!({"a": null, "b": "  ", "c": [], "d": 0, "e": false})), ..ok_input() };
    let ci = input.validate().expect("valid");
    assert_eq!(Value::Object(ci.attributes), json!({"d": 0, "e": false}));
    let blank_item = CiInput { attributes: attrs(json!({"vlans": ["10", " "]})), ..ok_input() };
    assert_eq!(fields(&blank_item), ["attributes.vlans[1]"]);
}

#[test]
fn every_problem_of_an_input_is_reported_at_once() {
    let input = CiInput {
        name: String::new(),
        type_code: "?".into(),
        status: Some("?".into()),
        ips: vec!["x".into()],
        attributes: attrs(json!({"o": {}})),
        ..Default::default()
    };
    assert_eq!(fields(&input), ["name", "type", "status", "ips[0]", "attributes.o"]);
}

#[test]
fn a_host_name_with_spaces_or_chinese_is_refused() {
    for bad in ["his db", "数据库服务器", "a/b"] {
        let input =
            CiInput { name: "x".into(), type_code: "server".into(), hostname: Some(bad.into()), ..Default::default() };
        let e = input.validate().expect_err(bad);
        assert_eq!(e.0[0].field, "hostname", "{bad}");
    }
}
