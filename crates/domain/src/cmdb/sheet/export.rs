//! The rows yunwei writes: the CI sheet of an export, the template and the counts by type.

use super::{SheetColumn, attributes};
use crate::cmdb::{CI_TYPES, Location, ValidCi, ci_type};

/// The header row of an export: the plain Chinese headers.
pub fn header_row() -> Vec<String> {
    SheetColumn::ALL.iter().map(|c| c.header().to_string()).collect()
}

/// The cells of one CI, in column order and in exactly the form [`parse_sheet`](super::parse_sheet) reads: codes as
/// their Chinese names, the date as `YYYY-MM-DD`, IPs joined by `, `, attributes as
/// `key=value; …` with text quoted where it would otherwise read as something else.
pub fn ci_cells(ci: &ValidCi) -> Vec<String> {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let Location { building, room, rack, u } = &ci.location;
    SheetColumn::ALL
        .iter()
        .map(|c| match c {
            SheetColumn::Name => ci.name.clone(),
            SheetColumn::Type => ci.ci_type.name_zh.to_string(),
            SheetColumn::Status => ci.status.label().to_string(),
            SheetColumn::Hostname => opt(&ci.hostname),
            SheetColumn::Vendor => opt(&ci.vendor),
            SheetColumn::Model => opt(&ci.model),
            SheetColumn::Serial => opt(&ci.serial),
            SheetColumn::PartNumber => opt(&ci.part_number),
            SheetColumn::AssetTag => opt(&ci.asset_tag),
            SheetColumn::Building => opt(building),
            SheetColumn::Room => opt(room),
            SheetColumn::Rack => opt(rack),
            SheetColumn::U => opt(u),
            SheetColumn::OwnerDepartment => opt(&ci.owner_department),
            SheetColumn::WarrantyEnd => ci.warranty_end.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            SheetColumn::Supplier => opt(&ci.supplier),
            SheetColumn::Criticality => ci.criticality.label().to_string(),
            SheetColumn::Ips => ci.ips.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            SheetColumn::Attributes => attributes::format(&ci.attributes),
        })
        .collect()
}

/// The CI sheet of an export: [`header_row`] and one row per CI, in the order given. It takes
/// [`ValidCi`]s because that is what a stored CI is loaded as, and because only a valid CI is
/// guaranteed to read back unchanged: `parse_sheet(export_rows(cis))`, validated, gives `cis`.
pub fn export_rows(cis: &[ValidCi]) -> Vec<Vec<String>> {
    std::iter::once(header_row()).chain(cis.iter().map(ci_cells)).collect()
}

/// The template download: headers with their hints (`名称*`, `保修截止（YYYY-MM-DD）`) and one
/// example row, a Huawei core switch in the outpatient building.
pub fn template_rows() -> Vec<Vec<String>> {
    let header = SheetColumn::ALL
        .iter()
        .map(|c| {
            let star = if c.required() { "*" } else { "" };
            match c.hint() {
                Some(hint) => format!("{}{star}（{hint}）", c.header()),
                None => format!("{}{star}", c.header()),
            }
        })
        .collect();
    let example = [
        "门诊楼核心交换机-01",
        "核心交换机",
        "在用",
        "mz-core-sw01",
        "华为",
        "S12700E-8",
        "2102351234ABC0001",
        "02351ABC",
        "ZC-2024-0001",
        "门诊楼",
        "3楼信息中心机房",
        "A03",
        "12-13",
        "信息中心",
        "2027-12-31",
        "某某科技有限公司",
        "关键",
        "10.1.1.1, 10.1.254.0/24",
        "firmware=V200R021C10SPC600; ports=48; vlans=[10, 20, 30]; stacked=true",
    ];
    vec![header, example.iter().map(|s| (*s).to_string()).collect()]
}

/// The template's list of CI types: class, Chinese name and code, either accepted in 类型.
pub fn types_rows() -> Vec<Vec<String>> {
    let header = ["类别", "类型", "代码"].map(String::from).to_vec();
    std::iter::once(header)
        .chain(CI_TYPES.iter().map(|t| vec![t.class.label().to_string(), t.name_zh.to_string(), t.code.to_string()]))
        .collect()
}

/// How many CIs of each type, in catalog order, types with none left out: (code, Chinese name,
/// count).
pub fn summary_by_type(cis: &[ValidCi]) -> Vec<(&'static str, &'static str, usize)> {
    CI_TYPES
        .iter()
        .map(|t| (t.code, t.name_zh, cis.iter().filter(|ci| ci.ci_type.code == t.code).count()))
        .filter(|(_, _, n)| *n > 0)
        .collect()
}

/// The counts sheet: 类别, 类型, 数量 per type of [`summary_by_type`], then a 合计 row.
pub fn summary_rows(cis: &[ValidCi]) -> Vec<Vec<String>> {
    let mut rows = vec![["类别", "类型", "数量"].map(String::from).to_vec()];
    for (code, name, n) in summary_by_type(cis) {
        let class = ci_type(code).map(|t| t.class.label()).unwrap_or_default();
        rows.push(vec![class.to_string(), name.to_string(), n.to_string()]);
    }
    rows.push(vec!["合计".to_string(), String::new(), cis.len().to_string()]);
    rows
}
