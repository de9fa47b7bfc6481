//! Snapshots of revisions and the diff between them.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::cmdb::*;

fn valid(input: CiInput) -> ValidCi {
    input.validate().expect("valid")
}

fn server() -> CiInput {
    CiInput {
        name: "PACS 应用服务器".into(),
        type_code: "server".into(),
        vendor: Some("浪潮".into()),
        location: Location { building: Some("医技楼".into()), rack: Some("B02".into()), ..Default::default() },
        ips: vec!["10.1.2.30".into(), "10.1.2.4".into()],
        attributes: json!({"firmware": "2.1", "os": "CentOS 7"}).as_object().cloned().unwrap_or_default(),
        ..Default::default()
    }
}

fn change(field: &str, before: Value, after: Value) -> FieldChange {
    FieldChange { field: field.into(), before, after }
}

#[test]
fn a_snapshot_holds_every_field_with_codes_and_sorted_ips() {
    let s = snapshot(&valid(server()));
    let keys: Vec<&str> = s.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    let mut expected = SNAPSHOT_FIELDS.to_vec();
    let mut got = keys.clone();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected);
    assert_eq!(s["type"], "server");
    assert_eq!(s["status"], "in_service");
    assert_eq!(s["criticality"], "medium");
    assert_eq!(s["serial"], Value::Null);
    assert_eq!(s["ips"], json!(["10.1.2.4", "10.1.2.30"]), "by address, not as text");
    assert_eq!(s["location"]["rack"], "B02");
    assert_eq!(s["warranty_end"], Value::Null);
}

#[test]
fn a_snapshot_diffed_with_itself_or_with_its_ips_reordered_has_no_changes() {
    let a = snapshot(&valid(server()));
    assert_eq!(diff(&a, &a), vec![]);
    let b = snapshot(&valid(CiInput { ips: vec!["10.1.2.4".into(), "10.1.2.30".into()], ..server() }));
    assert_eq!(diff(&a, &b), vec![]);
}

#[test]
fn a_firmware_upgrade_and_a_readdressing_are_listed_field_by_field_in_a_stable_order() {
    let before = snapshot(&valid(server()));
    let mut attributes = server().attributes;
    attributes.insert("firmware".into(), json!("2.2"));
    attributes.remove("os");
    attributes.insert("patch".into(), json!("KB5001"));
    let after = snapshot(&valid(CiInput {
        status: Some("under_repair".into()),
        location: Location { building: Some("医技楼".into()), rack: Some("B03".into()), ..Default::default() },
        ips: vec!["10.1.2.5".into(), "10.1.2.4".into()],
        attributes,
        ..server()
    }));
    assert_eq!(
        diff(&before, &after),
        vec![
            change("status", json!("in_service"), json!("under_repair")),
            change("location.rack", json!("B02"), json!("B03")),
            change("ips", json!("10.1.2.30"), Value::Null),
            change("ips", Value::Null, json!("10.1.2.5")),
            change("attributes.firmware", json!("2.1"), json!("2.2")),
            change("attributes.os", json!("CentOS 7"), Value::Null),
            change("attributes.patch", Value::Null, json!("KB5001")),
        ]
    );
}

#[test]
fn the_first_revision_is_a_diff_from_nothing() {
    let s = snapshot(&valid(CiInput { name: "UPS".into(), type_code: "ups".into(), ..Default::default() }));
    let changes = diff(&Value::Null, &s);
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["name", "type", "status", "criticality"], "absent fields are not changes");
    assert_eq!(
        apply(&Value::Null, &changes),
        json!({"name": "UPS", "type": "ups", "status": "in_service", "criticality": "medium"})
    );
}

#[test]
fn fields_the_snapshot_does_not_know_come_last_by_name() {
    let a = json!({"name": "a", "zeta": 1, "alpha": 1});
    let b = json!({"name": "b", "zeta": 2, "alpha": 2});
    let fields: Vec<String> = diff(&a, &b).into_iter().map(|c| c.field).collect();
    assert_eq!(fields, ["name", "alpha", "zeta"]);
}

#[test]
fn a_field_path_has_a_chinese_label() {
    assert_eq!(field_name_zh("attributes.firmware"), "属性 firmware");
    assert_eq!(field_name_zh("location.rack"), "机柜");
    assert_eq!(field_name_zh("part_number"), "PN号");
    assert_eq!(field_name_zh("zeta"), "zeta");
    for f in SNAPSHOT_FIELDS {
        assert_ne!(field_name_zh(f), *f, "{f} has a label");
    }
}

/// `v` with nulls, empty objects and empty `ips` removed and `ips` sorted: what "equal up to
/// missing ≡ null and IP order" compares.
fn normal(v: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in v.as_object().into_iter().flatten() {
        let v = match v {
            Value::Object(m) => {
                let m: Map<String, Value> =
                    m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
                if m.is_empty() { continue } else { Value::Object(m) }
            }
            Value::Array(items) if k == "ips" => {
                let mut items: Vec<String> = items.iter().map(ToString::to_string).collect();
                items.sort();
                items.dedup();
                if items.is_empty() { continue } else { json!(items) }
            }
            Value::Null => continue,
            v => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

fn attr_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        "[a-c]{0,2}".prop_map(Value::from),
        (0i64..3).prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        prop::collection::vec("[a-c]{1,2}", 0..3).prop_map(|v| json!(v)),
    ]
}

fn snapshot_value() -> impl Strategy<Value = Value> {
    let text = || prop::option::of(prop::sample::select(vec!["a", "b", "华为"]));
    (
        text(),
        prop::option::of(prop::sample::select(vec!["server", "router"])),
        text(),
        prop::option::of(prop::collection::btree_map(
            prop::sample::select(vec!["building", "rack", "u"]),
            text(),
            0..3,
        )),
        prop::option::of(prop::collection::vec(
            prop::sample::select(vec!["10.0.0.1", "10.0.0.2", "fe80::1", "10.1.0.0/16"]),
            0..5,
        )),
        prop::option::of(prop::collection::btree_map("[a-c]{1,2}|[a-c]\\.[a-c]", attr_value(), 0..5)),
        prop::option::of(0i64..3),
    )
        .prop_map(|(name, ty, vendor, location, ips, attributes, extra)| {
            let mut m = Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            };
            put("name", name.map(Value::from));
            put("type", ty.map(Value::from));
            put("vendor", vendor.map(Value::from));
            put("location", location.map(|l| json!(l)));
            put("ips", ips.map(|i| json!(i)));
            put("attributes", attributes.map(|a| json!(a)));
            put("extra", extra.map(Value::from));
            Value::Object(m)
        })
}

proptest! {
    #[test]
    fn a_snapshot_diffed_with_itself_is_empty(a in snapshot_value()) {
        prop_assert_eq!(diff(&a, &a), vec![]);
    }

    #[test]
    fn applying_a_diff_turns_the_old_snapshot_into_the_new_one(a in snapshot_value(), b in snapshot_value()) {
        let changes = diff(&a, &b);
        prop_assert_eq!(normal(&apply(&a, &changes)), normal(&b));
        prop_assert_eq!(changes.is_empty(), normal(&a) == normal(&b));
        for c in &changes {
            prop_assert_ne!(&c.before, &c.after, "{} listed without a change", c.field);
        }
        let mut fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).filter(|f| *f != "ips").collect();
        let n = fields.len();
        fields.dedup();
        prop_assert_eq!(fields.len(), n, "each field once");
    }

    #[test]
    fn the_diff_backwards_is_the_diff_forwards_reversed(a in snapshot_value(), b in snapshot_value()) {
        let mut forward: Vec<(String, Value, Value)> = diff(&a, &b).into_iter().map(|c| (c.field, c.after, c.before)).collect();
        let mut backward: Vec<(String, Value, Value)> = diff(&b, &a).into_iter().map(|c| (c.field, c.before, c.after)).collect();
        let key = |x: &(String, Value, Value)| format!("{x:?}");
        forward.sort_by_key(key);
        backward.sort_by_key(key);
        prop_assert_eq!(forward, backward);
    }
}
