//! A CI as entered — by the API, the form or one row of an import — and its validation into a
//! [`ValidCi`], naming every bad field with a Chinese reason (issue 5 items 1, 3 and 5).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{CiIp, CiStatus, CiType, Criticality};
use crate::error::ValidationErrors;

/// Longest CI name.
const NAME_MAX: usize = 200;
/// Longest vendor, model, owner department.
const MEDIUM_MAX: usize = 100;
/// Longest serial, part number, asset tag, building, room, rack.
const SHORT_MAX: usize = 64;
/// Longest supplier.
const SUPPLIER_MAX: usize = 200;
/// Longest U position (`12`, `12-13`).
const U_MAX: usize = 16;
/// Longest attribute key.
const ATTR_KEY_MAX: usize = 64;
/// Longest attribute string (or string in an attribute array).
const ATTR_VALUE_MAX: usize = 2000;
/// Most attributes on one CI.
const ATTRS_MAX: usize = 200;
/// Most strings in one attribute array.
const ATTR_ARRAY_MAX: usize = 1000;
/// Most IP entries on one CI.
const IPS_MAX: usize = 256;
/// The longest DNS name.
const HOSTNAME_MAX: usize = 253;

/// Where a CI stands: building, room, rack and U position, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Location {
    /// Building (`门诊楼`).
    pub building: Option<String>,
    /// Room (`3楼信息中心机房`).
    pub room: Option<String>,
    /// Rack (`A03`).
    pub rack: Option<String>,
    /// U position in the rack (`12`, `12-13`).
    pub u: Option<String>,
}

/// A CI as entered. Optional text left blank is the same as absent; `status` defaults to
/// `in_service` and `criticality` to `medium`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CiInput {
    /// Name (`HIS 数据库服务器 01`).
    pub name: String,
    /// Type code or Chinese name.
    #[serde(rename = "type")]
    pub type_code: String,
    /// Host name (`his-db01.hospital.local`), how monitoring names it.
    pub hostname: Option<String>,
    /// Manufacturer (`华为`).
    pub vendor: Option<String>,
    /// Model (`S12700E-8`).
    pub model: Option<String>,
    /// Serial number (序列号).
    pub serial: Option<String>,
    /// Part number (PN号), what a spare must match.
    pub part_number: Option<String>,
    /// Asset tag (资产编号) of the hospital.
    pub asset_tag: Option<String>,
    /// Location.
    pub location: Location,
    /// Department that owns it.
    pub owner_department: Option<String>,
    /// Status code or Chinese name.
    pub status: Option<String>,
    /// Warranty end (seed 001 2.6(1)c: who repairs depends on it).
    pub warranty_end: Option<NaiveDate>,
    /// Who supplied it.
    pub supplier: Option<String>,
    /// Criticality code or Chinese name.
    pub criticality: Option<String>,
    /// Addresses and subnets.
    pub ips: Vec<String>,
    /// Type-specific attributes (firmware, OS/DB version, patch level, CPU, memory, VLANs …).
    pub attributes: Map<String, Value>,
}

/// A checked CI: text trimmed and within limits, codes resolved, IPs normalised and distinct,
/// attributes flat.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCi {
    /// Name.
    pub name: String,
    /// Type.
    pub ci_type: &'static CiType,
    /// Host name, lower-cased, without a trailing dot.
    pub hostname: Option<String>,
    /// Manufacturer.
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// Part number.
    pub part_number: Option<String>,
    /// Asset tag.
    pub asset_tag: Option<String>,
    /// Location, each part trimmed.
    pub location: Location,
    /// Department that owns it.
    pub owner_department: Option<String>,
    /// Status.
    pub status: CiStatus,
    /// Warranty end.
    pub warranty_end: Option<NaiveDate>,
    /// Who supplied it.
    pub supplier: Option<String>,
    /// Criticality.
    pub criticality: Criticality,
    /// Addresses and subnets, in the order entered.
    pub ips: Vec<CiIp>,
    /// Attributes: keys trimmed; values a string, number, boolean or array of strings. A null,
    /// blank string or empty array means "not set" and is left out.
    pub attributes: Map<String, Value>,
}

const CONTROL: &str = "不能包含换行、制表符等控制字符";

/// `value` trimmed, `None` when blank; pushes an error when longer than `max` characters or
/// holding control characters.
fn text(errors: &mut ValidationErrors, field: &str, value: Option<&str>, max: usize) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(field, format!("不能超过 {max} 个字符"));
    } else if v.chars().any(char::is_control) {
        errors.push(field, CONTROL);
    }
    Some(v.to_string())
}

impl CiInput {
    /// Checks every field and reports all problems at once, each under its path (`name`, `type`,
    /// `location.rack`, `ips[2]`, `attributes.cpu`, `attributes.vlans[1]`).
    pub fn validate(&self) -> Result<ValidCi, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = text(&mut e, "name", Some(&self.name), NAME_MAX);
        if name.is_none() {
            e.push("name", "名称不能为空");
        }
        let ci_type = CiType::parse(&self.type_code).map_err(|err| e.0.push(err.at("type"))).ok();
        let status = match self.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(CiStatus::InService),
            Some(s) => CiStatus::parse_lenient(s).map_err(|err| e.0.push(err.at("status"))).ok(),
        };
        let criticality = match self.criticality.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(Criticality::Medium),
            Some(s) => Criticality::parse_lenient(s).map_err(|err| e.0.push(err.at("criticality"))).ok(),
        };
        let hostname = text(&mut e, "hostname", self.hostname.as_deref(), HOSTNAME_MAX)
            .map(|h| h.trim_end_matches('.').to_lowercase());
        if let Some(h) = &hostname
            && (h.is_empty() || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
        {
            e.push("hostname", "主机名只能包含字母、数字、“-”“_”和“.”");
        }
        let vendor = text(&mut e, "vendor", self.vendor.as_deref(), MEDIUM_MAX);
        let model = text(&mut e, "model", self.model.as_deref(), MEDIUM_MAX);
        let serial = text(&mut e, "serial", self.serial.as_deref(), SHORT_MAX);
        let part_number = text(&mut e, "part_number", self.part_number.as_deref(), SHORT_MAX);
        let asset_tag = text(&mut e, "asset_tag", self.asset_tag.as_deref(), SHORT_MAX);
        let l = &self.location;
        let location = Location {
            building: text(&mut e, "location.building", l.building.as_deref(), SHORT_MAX),
            room: text(&mut e, "location.room", l.room.as_deref(), SHORT_MAX),
            rack: text(&mut e, "location.rack", l.rack.as_deref(), SHORT_MAX),
            u: text(&mut e, "location.u", l.u.as_deref(), U_MAX),
        };
        let owner_department = text(&mut e, "owner_department", self.owner_department.as_deref(), MEDIUM_MAX);
        let supplier = text(&mut e, "supplier", self.supplier.as_deref(), SUPPLIER_MAX);
        if let Some(d) = self.warranty_end
            && !(1980..=2100).contains(&d.year())
        {
            e.push("warranty_end", format!("日期 {d} 超出合理范围（1980–2100 年）"));
        }
        let ips = validate_ips(&mut e, &self.ips);
        let attributes = validate_attributes(&mut e, &self.attributes);
        e.into_result()?;
        match (name, ci_type, status, criticality) {
            (Some(name), Some(ci_type), Some(status), Some(criticality)) => Ok(ValidCi {
                name,
                ci_type,
                hostname,
                vendor,
                model,
                serial,
                part_number,
                asset_tag,
                location,
                owner_department,
                status,
                warranty_end: self.warranty_end,
                supplier,
                criticality,
                ips,
                attributes,
            }),
            // Each `None` pushed an error above, so `into_result` has already returned.
            _ => Err(ValidationErrors::single("name", "名称不能为空")),
        }
    }
}

fn validate_ips(e: &mut ValidationErrors, ips: &[String]) -> Vec<CiIp> {
    if ips.len() > IPS_MAX {
        e.push("ips", format!("最多 {IPS_MAX} 个地址"));
    }
    let mut seen: Vec<(usize, CiIp)> = Vec::with_capacity(ips.len());
    for (i, s) in ips.iter().enumerate() {
        match CiIp::parse(s) {
            Err(reason) => e.push(format!("ips[{i}]"), reason),
            Ok(ip) => match seen.iter().find(|(_, p)| *p == ip) {
                Some((j, _)) => e.push(format!("ips[{i}]"), format!("与 ips[{j}] 重复（{ip}）")),
                None => seen.push((i, ip)),
            },
        }
    }
    seen.into_iter().map(|(_, ip)| ip).collect()
}

fn validate_attributes(e: &mut ValidationErrors, attributes: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    // Keys in sorted order, so that two keys trimming to the same one always report the same way.
    let mut keys: Vec<&String> = attributes.keys().collect();
    keys.sort();
    for raw in keys {
        let key = raw.trim();
        let field = format!("attributes.{key}");
        if key.is_empty() {
            e.push("attributes", "属性名不能为空");
            continue;
        }
        if key.chars().count() > ATTR_KEY_MAX {
            e.push(field, format!("属性名不能超过 {ATTR_KEY_MAX} 个字符"));
            continue;
        }
        if key.chars().any(char::is_control) {
            e.push(field, format!("属性名{CONTROL}"));
            continue;
        }
        if out.contains_key(key) || (key != raw && attributes.contains_key(key)) {
            e.push(field, "属性名重复（忽略首尾空格后相同）");
            continue;
        }
        if let Some(v) = attribute_value(e, &field, &attributes[raw]) {
            out.insert(key.to_string(), v);
        }
    }
    if out.len() > ATTRS_MAX {
        e.push("attributes", format!("最多 {ATTRS_MAX} 个属性"));
    }
    out
}

/// The value kept for one attribute, `None` when it means "not set" or is invalid (then an error
/// is pushed).
fn attribute_value(e: &mut ValidationErrors, field: &str, v: &Value) -> Option<Value> {
    let string = |e: &mut ValidationErrors, field: &str, s: &str| {
        let s = s.trim();
        if s.chars().count() > ATTR_VALUE_MAX {
            e.push(field, format!("不能超过 {ATTR_VALUE_MAX} 个字符"));
            return None;
        }
        Some(s.to_string())
    };
    match v {
        Value::Null => None,
        Value::Bool(_) | Value::Number(_) => Some(v.clone()),
        Value::String(s) => string(e, field, s).filter(|s| !s.is_empty()).map(Value::String),
        Value::Array(items) => {
            if items.len() > ATTR_ARRAY_MAX {
                e.push(field, format!("数组最多 {ATTR_ARRAY_MAX} 项"));
                return None;
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let f = format!("{field}[{i}]");
                match item {
                    Value::String(s) => match string(e, &f, s) {
                        Some(s) if s.is_empty() => e.push(f, "不能为空字符串"),
                        Some(s) => out.push(Value::String(s)),
                        None => {}
                    },
                    _ => e.push(f, "数组中只能是字符串（如 [\"10\", \"20\"]）"),
                }
            }
            (!out.is_empty() && out.len() == items.len()).then_some(Value::Array(out))
        }
        Value::Object(_) => {
            e.push(field, "属性值不能是对象，只能是字符串、数字、布尔值或字符串数组");
            None
        }
    }
}
