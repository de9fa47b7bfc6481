//! The modules of DESIGN.md as the navigation knows them: code, Chinese name, the seeds they
//! implement, which roles see them, and whether they are built yet.

use crate::identity::Role;

/// One entry of the module navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Code used in URLs and code (`servicedesk`).
    pub code: &'static str,
    /// Chinese name in the navigation.
    pub label: &'static str,
    /// One-line description shown on the module page.
    pub summary: &'static str,
    /// Seed sections it implements.
    pub seeds: &'static str,
    /// Whether the module is usable in this release.
    pub built: bool,
    /// Roles that see it in their navigation.
    pub roles: &'static [Role],
}

use Role::*;

const ALL: &[Role] = &Role::ALL;
const VENDOR_WORK: &[Role] = &[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Auditor];
const OVERSIGHT: &[Role] = &[Admin, HospitalIt, Manager, Auditor];

/// The business modules, in navigation order.
pub const MODULES: &[ModuleInfo] = &[
    ModuleInfo {
        code: "servicedesk",
        label: "服务台",
        summary: "故障申告（CASE）、SLA 计时、升级与工单处理",
        seeds: "000 §3；001；003 1.1.5.2",
        built: true,
        roles: ALL,
    },
    ModuleInfo {
        code: "problem",
        label: "问题管理",
        summary: "重复故障、根本原因与已知错误",
        seeds: "003 1.1.8.1；000 §6.3",
        built: false,
        roles: VENDOR_WORK,
    },
    ModuleInfo {
        code: "knowledge",
        label: "知识库",
        summary: "知识文章、应急策略与故障案例库",
        seeds: "000 §6.3；003 故障案例库",
        built: false,
        roles: &[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Auditor, Reporter],
    },
    ModuleInfo {
        code: "cmdb",
        label: "配置管理",
        summary: "信息资产、配置项、IP 地址与拓扑",
        seeds: "000 §2.1；003 配置档案",
        built: true,
        roles: &[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper, Auditor],
    },
    ModuleInfo {
        code: "inspection",
        label: "巡检",
        summary: "巡检模板、巡检计划、巡检报告与维护项目运行表",
        seeds: "000 §2.2–2.9；003 1.1.6.2.5；004 2.1",
        built: true,
        roles: VENDOR_WORK,
    },
    ModuleInfo {
        code: "monitoring",
        label: "监控告警",
        summary: "告警接入、备份作业与告警转工单",
        seeds: "000 §2.3",
        built: true,
        roles: VENDOR_WORK,
    },
    ModuleInfo {
        code: "change",
        label: "变更与补丁",
        summary: "变更申请、补丁升级、远程登录与停机申报",
        seeds: "000 §2.8；003 1.1.6.2.4；002 §11",
        built: false,
        roles: VENDOR_WORK,
    },
    ModuleInfo {
        code: "spares",
        label: "备件管理",
        summary: "备件库、备件覆盖率、补库与返修",
        seeds: "003 1.1.5.1.3–1.1.5.2.7；000 §2.6/2.10",
        built: false,
        roles: &[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper, Auditor],
    },
    ModuleInfo {
        code: "complaint",
        label: "投诉",
        summary: "投诉受理、首次答复与处理时限",
        seeds: "000 §3.5；003 1.1.5.2.9",
        built: false,
        roles: ALL,
    },
    ModuleInfo {
        code: "duty",
        label: "值班",
        summary: "值班表、重要时段驻场值守与交接班",
        seeds: "002 §2/§20；003 1.1.6.3.1",
        built: false,
        roles: VENDOR_WORK,
    },
    ModuleInfo {
        code: "emergency",
        label: "应急预案",
        summary: "应急预案、应急响应与演练",
        seeds: "001 第二部分；004 应急预案",
        built: false,
        roles: VENDOR_WORK,
    },
    ModuleInfo {
        code: "training",
        label: "培训",
        summary: "培训计划、资料与签到表",
        seeds: "001 1.7；004 附件2",
        built: false,
        roles: ALL,
    },
    ModuleInfo {
        code: "survey",
        label: "满意度",
        summary: "工单评价、科室满意度调查与表扬信",
        seeds: "000 §5；002 附件",
        built: false,
        roles: ALL,
    },
    ModuleInfo {
        code: "assessment",
        label: "服务考核",
        summary: "考核指标、评分与费用扣减",
        seeds: "000 §5；002 §4；004 付款方式",
        built: false,
        roles: OVERSIGHT,
    },
    ModuleInfo {
        code: "reporting",
        label: "报告",
        summary: "月报、季度服务总结与清单、年度总结",
        seeds: "000 §3.4；003 1.1.7.2.9",
        built: false,
        roles: OVERSIGHT,
    },
    ModuleInfo {
        code: "reconciliation",
        label: "对账",
        summary: "HIS 与支付宝、微信、银行对账，单边账处理",
        seeds: "002 §4/§16",
        built: false,
        roles: &[Admin, HospitalIt, Engineer, L2Engineer, Manager, Auditor],
    },
];

/// Looks a module up by code.
pub fn module(code: &str) -> Option<&'static ModuleInfo> {
    MODULES.iter().find(|m| m.code == code)
}

impl ModuleInfo {
    /// Where the module lives in a project: its own pages once built, else its placeholder.
    pub fn href(&self, project: &str) -> String {
        match self.code {
            "servicedesk" => format!("/p/{project}/incidents"),
            "cmdb" => format!("/p/{project}/cis"),
            "inspection" => format!("/p/{project}/inspections"),
            "monitoring" => format!("/p/{project}/alerts"),
            code => format!("/p/{project}/m/{code}"),
        }
    }
}

/// The modules a user holding `roles` sees, in order.
pub fn visible_to(roles: &[Role]) -> Vec<&'static ModuleInfo> {
    MODULES.iter().filter(|m| m.roles.iter().any(|r| roles.contains(r))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_codes_are_unique() {
        for (i, m) in MODULES.iter().enumerate() {
            assert!(MODULES[i + 1..].iter().all(|o| o.code != m.code), "{}", m.code);
        }
    }

    #[test]
    fn reporter_sees_the_service_desk_but_not_assessment() {
        let v: Vec<_> = visible_to(&[Role::Reporter]).iter().map(|m| m.code).collect();
        assert!(v.contains(&"servicedesk"));
        assert!(!v.contains(&"assessment"));
        assert!(!v.contains(&"spares"));
        let s: Vec<_> = visible_to(&[Role::Storekeeper]).iter().map(|m| m.code).collect();
        assert!(s.contains(&"spares"));
    }
}
