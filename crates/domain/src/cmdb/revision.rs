//! Revisions of a CI (issue 5 item 4): each revision stores a JSON snapshot of the CI, and what
//! changed between two revisions is the field-by-field diff of their snapshots — attributes and
//! location key by key, IPs as a set.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::ValidCi;

/// The top-level fields of a snapshot, in the order changes are listed.
pub const SNAPSHOT_FIELDS: &[&str] = &[
    "name",
    "hostname",
    "type",
    "status",
    "criticality",
    "vendor",
    "model",
    "serial",
    "part_number",
    "asset_tag",
    "location",
    "owner_department",
    "supplier",
    "warranty_end",
    "ips",
    "attributes",
];

/// The snapshot stored with a revision: every field of [`SNAPSHOT_FIELDS`], absent values as
/// `null`, codes for type, status and criticality, and the IPs sorted by address so that the
/// order they were typed in is not a change.
pub fn snapshot(ci: &ValidCi) -> Value {
    let mut ips = ci.ips.clone();
    ips.sort();
    json!({
        "name": ci.name,
        "hostname": ci.hostname,
        "type": ci.ci_type.code,
        "status": ci.status.code(),
        "criticality": ci.criticality.code(),
        "vendor": ci.vendor,
        "model": ci.model,
        "serial": ci.serial,
        "part_number": ci.part_number,
        "asset_tag": ci.asset_tag,
        "location": ci.location,
        "owner_department": ci.owner_department,
        "supplier": ci.supplier,
        "warranty_end": ci.warranty_end,
        "ips": ips.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "attributes": ci.attributes,
    })
}

/// One change between two snapshots. For `ips` each change is one address: `before` the removed
/// one (or `null`), `after` the added one (or `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Path of the field: `name`, `location.rack`, `attributes.firmware`, `ips`.
    pub field: String,
    /// Value before; `null` when absent.
    pub before: Value,
    /// Value after; `null` when absent.
    pub after: Value,
}

const NULL: Value = Value::Null;

/// What changed from `before` to `after` (snapshots; anything but an object counts as empty, so
/// `diff(&Value::Null, &s)` lists everything a new CI was created with). A missing field equals
/// `null`. Order: top-level fields as in [`SNAPSHOT_FIELDS`], then unknown ones by name; the keys
/// of a nested object by name; removed IPs, then added ones, each in snapshot order.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Vec::new();
    for key in ordered_keys(b, a) {
        let (bv, av) = (b.get(key).unwrap_or(&NULL), a.get(key).unwrap_or(&NULL));
        if key == "ips" && is_list(bv) && is_list(av) {
            diff_set(key, bv, av, &mut out);
        } else if is_map(bv) && is_map(av) && (bv.is_object() || av.is_object()) {
            let (bm, am) = (bv.as_object().unwrap_or(&empty), av.as_object().unwrap_or(&empty));
            let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                push_if_changed(&mut out, format!("{key}.{k}"), bm.get(k), am.get(k));
            }
        } else {
            push_if_changed(&mut out, key.to_string(), Some(bv), Some(av));
        }
    }
    out
}

fn is_list(v: &Value) -> bool {
    v.is_array() || v.is_null()
}

fn is_map(v: &Value) -> bool {
    v.is_object() || v.is_null()
}

fn ordered_keys<'a>(b: &'a Map<String, Value>, a: &'a Map<String, Value>) -> Vec<&'a str> {
    let mut keys: Vec<&str> =
        SNAPSHOT_FIELDS.iter().copied().filter(|k| b.contains_key(*k) || a.contains_key(*k)).collect();
    let mut others: Vec<&str> =
        b.keys().chain(a.keys()).map(String::as_str).filter(|k| !SNAPSHOT_FIELDS.contains(k)).collect();
    others.sort_unstable();
    others.dedup();
    keys.extend(others);
    keys
}

fn push_if_changed(out: &mut Vec<FieldChange>, field: String, before: Option<&Value>, after: Option<&Value>) {
    let (before, after) = (before.unwrap_or(&NULL), after.unwrap_or(&NULL));
    if before != after {
        out.push(FieldChange { field, before: before.clone(), after: after.clone() });
    }
}

fn diff_set(field: &str, before: &Value, after: &Value, out: &mut Vec<FieldChange>) {
    let none = Vec::new();
    let b = before.as_array().unwrap_or(&none);
    let a = after.as_array().unwrap_or(&none);
    let mut seen: Vec<&Value> = Vec::new();
    for v in b {
        if !a.contains(v) && !seen.contains(&v) {
            seen.push(v);
            out.push(FieldChange { field: field.to_string(), before: v.clone(), after: Value::Null });
        }
    }
    for v in a {
        if !b.contains(v) && !seen.contains(&v) {
            seen.push(v);
            out.push(FieldChange { field: field.to_string(), before: Value::Null, after: v.clone() });
        }
    }
}

/// `snapshot` with `changes` applied, for replaying history: a `null` after-value removes the
/// field (missing and `null` mean the same), an `ips` change removes and adds one address. For
/// snapshots `a` and `b`, `apply(a, &diff(a, b))` equals `b` up to that and to the order of IPs.
pub fn apply(snapshot: &Value, changes: &[FieldChange]) -> Value {
    let mut out = snapshot.as_object().cloned().unwrap_or_default();
    for c in changes {
        if c.field == "ips" && out.get("ips").is_none_or(Value::is_array) {
            let list = out.entry("ips").or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = list {
                items.retain(|v| c.before.is_null() || *v != c.before);
                if !c.after.is_null() && !items.contains(&c.after) {
                    items.push(c.after.clone());
                }
            }
            continue;
        }
        match c.field.split_once('.') {
            Some((top, key)) if out.get(top).is_none_or(|v| v.is_object() || v.is_null()) => {
                let obj = out.entry(top).or_insert_with(|| Value::Object(Map::new()));
                if obj.is_null() {
                    *obj = Value::Object(Map::new());
                }
                if let Value::Object(m) = obj {
                    set(m, key, &c.after);
                }
            }
            _ => set(&mut out, &c.field, &c.after),
        }
    }
    Value::Object(out)
}

fn set(m: &mut Map<String, Value>, key: &str, v: &Value) {
    if v.is_null() {
        m.remove(key);
    } else {
        m.insert(key.to_string(), v.clone());
    }
}

/// The Chinese label of a change's field path, for the history page (`attributes.firmware` →
/// `属性 firmware`); unknown paths are returned as they are.
pub fn field_name_zh(field: &str) -> String {
    if let Some(key) = field.strip_prefix("attributes.") {
        return format!("属性 {key}");
    }
    let zh = match field {
        "name" => "名称",
        "hostname" => "主机名",
        "type" => "类型",
        "status" => "状态",
        "criticality" => "重要程度",
        "vendor" => "厂商",
        "model" => "型号",
        "serial" => "序列号",
        "part_number" => "PN号",
        "asset_tag" => "资产编号",
        "location" => "位置",
        "location.building" => "楼宇",
        "location.room" => "房间",
        "location.rack" => "机柜",
        "location.u" => "U位",
        "owner_department" => "所属科室",
        "supplier" => "供应商",
        "warranty_end" => "保修截止",
        "ips" => "IP 地址",
        "attributes" => "属性",
        other => return other.to_string(),
    };
    zh.to_string()
}
