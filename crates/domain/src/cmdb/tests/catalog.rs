//! The type catalog, status and criticality.

use std::collections::HashSet;

use serde_json::json;

use crate::cmdb::*;

#[test]
fn every_type_code_is_unique_snake_case_and_has_a_chinese_name() {
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for t in CI_TYPES {
        assert!(codes.insert(t.code), "duplicate code {}", t.code);
        assert!(names.insert(t.name_zh), "duplicate name {}", t.name_zh);
        assert!(t.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{} is not snake_case", t.code);
        assert!(!t.name_zh.is_empty());
    }
}

#[test]
fn every_class_has_types_and_the_catalog_lists_them_class_by_class() {
    for class in CiClass::ALL {
        assert!(CI_TYPES.iter().any(|t| t.class == class), "{class:?} has no type");
    }
    let order: Vec<CiClass> = CI_TYPES.iter().map(|t| t.class).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "types are grouped by class in class order");
}

#[test]
fn the_issue_s_types_are_all_in_the_catalog() {
    for code in [
        "core_switch",
        "aggregation_switch",
        "access_switch",
        "router",
        "wireless_ap",
        "wireless_controller",
        "firewall",
        "ips",
        "vpn",
        "waf",
        "load_balancer",
        "server",
        "minicomputer",
        "pc_workstation",
        "virtual_machine",
        "storage_array",
        "san_switch",
        "tape_library",
        "os",
        "database",
        "middleware",
        "his",
        "cis",
        "lis",
        "pacs",
        "emr",
        "ris",
        "physical_exam",
        "other_application",
        "ups",
        "air_conditioning",
        "cabling",
        "other",
    ] {
        assert!(ci_type(code).is_some(), "{code} missing");
    }
    assert_eq!(ci_type("core_switch").map(|t| (t.name_zh, t.class)), Some(("核心交换机", CiClass::Network)));
    assert_eq!(ci_type("physical_exam").map(|t| t.class), Some(CiClass::Application));
    assert_eq!(ci_type("Core_Switch"), None, "the lookup by code is exact");
}

#[test]
fn list_types_gives_code_name_class_and_class_name_for_the_api() {
    let list = list_types();
    assert_eq!(list.len(), CI_TYPES.len());
    let row = serde_json::to_value(list[0]).unwrap_or_default();
    assert_eq!(row, json!({"code": "core_switch", "name": "核心交换机", "class": "network", "class_name": "网络设备"}));
}

#[test]
fn a_type_parses_from_its_code_in_any_case_or_its_chinese_name() {
    assert_eq!(CiType::parse(" HIS ").map(|t| t.code), Ok("his"));
    assert_eq!(CiType::parse("磁带库").map(|t| t.code), Ok("tape_library"));
    assert_eq!(CiType::parse("服务器").map(|t| t.class), Ok(CiClass::Host));
}

#[test]
fn an_unknown_type_is_refused_naming_the_value() {
    let e = CiType::parse("toaster").err().unwrap_or_else(|| panic!("accepted"));
    assert_eq!(e.to_string(), "未知的配置项类型“toaster”");
    assert_eq!(e.at("type").field, "type");
    let blank = CiType::parse("  ").err().unwrap_or_else(|| panic!("accepted"));
    assert_eq!(blank.to_string(), "配置项类型不能为空");
}

#[test]
fn status_criticality_and_class_serialise_as_their_codes() {
    for s in CiStatus::ALL {
        assert_eq!(serde_json::to_value(s).unwrap_or_default(), json!(s.code()));
        assert_eq!(serde_json::from_value::<CiStatus>(json!(s.code())).ok(), Some(s));
        assert_eq!(CiStatus::parse_lenient(s.code()), Ok(s));
        assert_eq!(CiStatus::parse_lenient(s.label()), Ok(s));
    }
    for c in Criticality::ALL {
        assert_eq!(serde_json::to_value(c).unwrap_or_default(), json!(c.code()));
        assert_eq!(Criticality::parse_lenient(&c.code().to_uppercase()), Ok(c));
        assert_eq!(Criticality::parse_lenient(c.label()), Ok(c));
    }
    for c in CiClass::ALL {
        assert_eq!(serde_json::to_value(c).unwrap_or_default(), json!(c.code()));
    }
    for k in RelationKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap_or_default(), json!(k.code()));
    }
}

#[test]
fn an_unknown_status_is_refused_listing_the_choices() {
    let e = CiStatus::parse_lenient("broken").err().unwrap_or_else(|| panic!("accepted"));
    assert_eq!(
        e.to_string(),
        "未知的状态“broken”，可选：in_service（在用）、spare（备用）、under_repair（维修中）、retired（已报废）"
    );
    assert_eq!(CiStatus::parse_lenient("维修中"), Ok(CiStatus::UnderRepair));
    assert_eq!(Criticality::parse_lenient("关键"), Ok(Criticality::Critical));
}

#[test]
fn only_in_service_cis_hold_their_ips_against_others() {
    let live: Vec<CiStatus> = CiStatus::ALL.iter().copied().filter(|s| s.is_live()).collect();
    assert_eq!(live, vec![CiStatus::InService]);
}
