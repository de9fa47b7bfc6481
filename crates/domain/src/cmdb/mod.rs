//! The CMDB (seed 000 §2.1 信息资产统计服务, seed 003 1.1.6.2.8 配置档案): the catalog of
//! configuration item (CI) types, CI status and criticality, validation of a CI as entered, the
//! IP register's address rules, relations and the impact query, and the revision diff that makes
//! a CI's history the configuration archive the seeds ask to keep in sync. The store loads rows
//! and edges; everything decided about them is decided here.

use serde::Serialize;

pub mod audit;
mod input;
mod ip;
mod relation;
mod revision;
mod sheet;
#[cfg(test)]
mod tests;
pub mod topology;

pub use input::{CiInput, Location, ValidCi};
pub use ip::{CiIp, InstanceHost, parse_instance};
pub use relation::{
    Edge, ImpactFlow, ImpactGraph, Impacted, RelationInput, RelationKind, ValidRelation, impact, impact_path,
};
pub use revision::{FieldChange, SNAPSHOT_FIELDS, apply, diff, field_name_zh, snapshot};
pub use sheet::{
    CI_SHEET_NAME, RowError, SUMMARY_SHEET_NAME, SheetColumn, SheetError, SheetRow, TYPES_SHEET_NAME, ci_cells,
    column_letter, export_rows, header_row, parse_sheet, summary_by_type, summary_rows, template_rows, types_rows,
    validate_rows,
};

pub use crate::code::UnknownCode;

code_enum! {
    /// The broad class of a CI type (seed 003 配置档案: 网络、安全、主机、存储、系统、数据库、中间件、应用).
    CiClass, "类别" {
        /// Switches, routers, wireless, load balancers.
        Network = ("network", "网络设备"),
        /// Firewalls, IPS, VPN, WAF, bastion hosts.
        Security = ("security", "安全设备"),
        /// Servers, minicomputers, PC workstations, virtual machines.
        Host = ("host", "主机"),
        /// Storage arrays, SAN switches, tape libraries.
        Storage = ("storage", "存储设备"),
        /// Operating systems.
        Os = ("os", "操作系统"),
        /// Database systems.
        Database = ("database", "数据库"),
        /// Middleware (WebLogic, Tomcat …).
        Middleware = ("middleware", "中间件"),
        /// Business applications (HIS, PACS …).
        Application = ("application", "业务应用"),
        /// Power, cooling, cabling and the rest.
        Other = ("other", "其他"),
    }
}

/// One CI type of the catalog: its code, Chinese name and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CiType {
    /// Code in the API and the database (`core_switch`).
    pub code: &'static str,
    /// Chinese name (`核心交换机`).
    pub name_zh: &'static str,
    /// The class it belongs to.
    pub class: CiClass,
}

const fn t(code: &'static str, name_zh: &'static str, class: CiClass) -> CiType {
    CiType { code, name_zh, class }
}

/// The CI types of issue 5 item 1, grouped by class in display order. Type-specific details
/// (firmware, patch level, CPU …) are attributes, so a new kind of detail needs no new type.
pub const CI_TYPES: &[CiType] = {
    use CiClass::*;
    &[
        t("core_switch", "核心交换机", Network),
        t("aggregation_switch", "汇聚交换机", Network),
        t("access_switch", "接入交换机", Network),
        t("router", "路由器", Network),
        t("wireless_controller", "无线控制器", Network),
        t("wireless_ap", "无线AP", Network),
        t("load_balancer", "负载均衡", Network),
        t("firewall", "防火墙", Security),
        t("ips", "入侵防御", Security),
        t("vpn", "VPN网关", Security),
        t("waf", "Web应用防火墙", Security),
        t("bastion_host", "堡垒机", Security),
        t("server", "服务器", Host),
        t("minicomputer", "小型机", Host),
        t("pc_workstation", "PC工作站", Host),
        t("virtual_machine", "虚拟机", Host),
        t("storage_array", "存储阵列", Storage),
        t("san_switch", "SAN交换机", Storage),
        t("tape_library", "磁带库", Storage),
        t("os", "操作系统", Os),
        t("database", "数据库", Database),
        t("middleware", "中间件", Middleware),
        t("his", "HIS 医院信息系统", Application),
        t("cis", "CIS 临床信息系统", Application),
        t("lis", "LIS 检验信息系统", Application),
        t("pacs", "PACS 影像归档和通信系统", Application),
        t("emr", "EMR 电子病历系统", Application),
        t("ris", "RIS 放射信息系统", Application),
        t("physical_exam", "体检系统", Application),
        t("other_application", "其他业务系统", Application),
        t("ups", "UPS", Other),
        t("air_conditioning", "精密空调", Other),
        t("cabling", "综合布线", Other),
        t("other", "其他", Other),
    ]
};

/// The CI type with exactly this code.
pub fn ci_type(code: &str) -> Option<&'static CiType> {
    CI_TYPES.iter().find(|t| t.code == code)
}

impl CiType {
    /// Parses a code (any case: `HIS`, `his`) or the Chinese name, surrounding spaces ignored.
    pub fn parse(s: &str) -> Result<&'static CiType, UnknownCode> {
        let s = s.trim();
        CI_TYPES.iter().find(|t| t.code.eq_ignore_ascii_case(s) || t.name_zh == s).ok_or_else(|| {
            // Thirty-odd types are too many to quote in a message; the UI offers the list.
            UnknownCode::new("配置项类型", s, [])
        })
    }
}

/// One row of `GET /api/v1/cmdb/types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CiTypeInfo {
    /// Type code.
    pub code: &'static str,
    /// Chinese name of the type.
    pub name: &'static str,
    /// Class code.
    pub class: CiClass,
    /// Chinese name of the class.
    pub class_name: &'static str,
}

/// The catalog for `GET /api/v1/cmdb/types`, in display order.
pub fn list_types() -> Vec<CiTypeInfo> {
    CI_TYPES
        .iter()
        .map(|t| CiTypeInfo { code: t.code, name: t.name_zh, class: t.class, class_name: t.class.label() })
        .collect()
}

code_enum! {
    /// Where a CI stands in its life (issue 5: in service, spare, under repair, retired).
    CiStatus, "状态" {
        /// In use.
        InService = ("in_service", "在用"),
        /// On the shelf as a spare.
        Spare = ("spare", "备用"),
        /// Away for repair.
        UnderRepair = ("under_repair", "维修中"),
        /// Scrapped; kept for the record.
        Retired = ("retired", "已报废"),
    }
}

impl CiStatus {
    /// Whether the CI is live, so its IPs count for conflict detection. Only in-service CIs
    /// are: a device away for repair is often replaced by a standby machine (备机) that takes over
    /// its address, and spare or retired devices keep their old address in the record without
    /// blocking the new holder.
    pub fn is_live(self) -> bool {
        self == CiStatus::InService
    }
}

code_enum! {
    /// How much the hospital's work depends on a CI.
    Criticality, "重要程度" {
        /// Core systems: an outage stops clinical work (HIS, core switch).
        Critical = ("critical", "关键"),
        /// Important: an outage hurts a whole department.
        High = ("high", "高"),
        /// Ordinary.
        Medium = ("medium", "中"),
        /// Little impact.
        Low = ("low", "低"),
    }
}
