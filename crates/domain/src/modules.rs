//! The modules of DESIGN.md as the navigation knows them: code, Chinese name, the seeds they
//! implement, who sees them, and whether they are built yet. A built module is seen by exactly
//! the roles granted the permission that opens its list ([`Role::grants`] stays the one table);
//! a module not built yet keeps a role list until it has a permission of its own. Where a module
//! lives (its URL) is the web layer's business, not the domain's.

use crate::identity::{Permission, Role, RoleSet};

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
    /// Who sees it in their navigation and may open it.
    pub opens: Opens,
}

/// What lets a user see a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opens {
    /// The permission its list needs: a built module is seen iff a held role grants it.
    Permission(Permission),
    /// A module not built yet: the roles it is meant for, until it is built and its permission
    /// exists.
    Roles(&'static [Role]),
}

impl Opens {
    /// Whether a user holding `roles` sees the module.
    pub fn admits(self, roles: &RoleSet) -> bool {
        match self {
            Opens::Permission(p) => roles.grants(p),
            Opens::Roles(rs) => rs.iter().any(|r| roles.has(*r)),
        }
    }
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
        opens: Opens::Permission(Permission::IncidentRead),
    },
    ModuleInfo {
        code: "problem",
        label: "问题管理",
        summary: "重复故障、根本原因与已知错误",
        seeds: "003 1.1.8.1；000 §6.3",
        built: false,
        opens: Opens::Roles(VENDOR_WORK),
    },
    ModuleInfo {
        code: "knowledge",
        label: "知识库",
        summary: "知识文章、应急策略与故障案例库",
        seeds: "000 §6.3；003 故障案例库",
        built: false,
        opens: Opens::Roles(&[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Auditor, Reporter]),
    },
    ModuleInfo {
        code: "cmdb",
        label: "配置管理",
        summary: "信息资产、配置项、IP 地址与拓扑",
        seeds: "000 §2.1；003 配置档案",
        built: true,
        opens: Opens::Permission(Permission::CmdbRead),
    },
    ModuleInfo {
        code: "inspection",
        label: "巡检",
        summary: "巡检模板、巡检计划、巡检报告与维护项目运行表",
        seeds: "000 §2.2–2.9；003 1.1.6.2.5；004 2.1",
        built: true,
        opens: Opens::Permission(Permission::InspectionRead),
    },
    ModuleInfo {
        code: "monitoring",
        label: "监控告警",
        summary: "告警接入、备份作业与告警转工单",
        seeds: "000 §2.3",
        built: true,
        opens: Opens::Permission(Permission::IncidentRead),
    },
    ModuleInfo {
        code: "change",
        label: "变更与补丁",
        summary: "变更申请、补丁升级、远程登录与停机申报",
        seeds: "000 §2.8；003 1.1.6.2.4；002 §11",
        built: false,
        opens: Opens::Roles(VENDOR_WORK),
    },
    ModuleInfo {
        code: "spares",
        label: "备件管理",
        summary: "备件库、备件覆盖率、补库与返修",
        seeds: "003 1.1.5.1.3–1.1.5.2.7；000 §2.6/2.10",
        built: false,
        opens: Opens::Roles(&[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper, Auditor]),
    },
    ModuleInfo {
        code: "complaint",
        label: "投诉",
        summary: "投诉受理、首次答复与处理时限",
        seeds: "000 §3.5；003 1.1.5.2.9",
        built: false,
        opens: Opens::Roles(ALL),
    },
    ModuleInfo {
        code: "duty",
        label: "值班",
        summary: "值班表、重要时段驻场值守与交接班",
        seeds: "002 §2/§20；003 1.1.6.3.1",
        built: false,
        opens: Opens::Roles(VENDOR_WORK),
    },
    ModuleInfo {
        code: "emergency",
        label: "应急预案",
        summary: "应急预案、应急响应与演练",
        seeds: "001 第二部分；004 应急预案",
        built: false,
        opens: Opens::Roles(VENDOR_WORK),
    },
    ModuleInfo {
        code: "training",
        label: "培训",
        summary: "培训计划、资料与签到表",
        seeds: "001 1.7；004 附件2",
        built: false,
        opens: Opens::Roles(ALL),
    },
    ModuleInfo {
        code: "survey",
        label: "满意度",
        summary: "工单评价、科室满意度调查与表扬信",
        seeds: "000 §5；002 附件",
        built: false,
        opens: Opens::Roles(ALL),
    },
    ModuleInfo {
        code: "assessment",
        label: "服务考核",
        summary: "考核指标、评分与费用扣减",
        seeds: "000 §5；002 §4；004 付款方式",
        built: false,
        opens: Opens::Roles(OVERSIGHT),
    },
    ModuleInfo {
        code: "reporting",
        label: "报告",
        summary: "月报、季度服务总结与清单、年度总结",
        seeds: "000 §3.4；003 1.1.7.2.9",
        built: false,
        opens: Opens::Roles(OVERSIGHT),
    },
    ModuleInfo {
        code: "reconciliation",
        label: "对账",
        summary: "HIS 与支付宝、微信、银行对账，单边账处理",
        seeds: "002 §4/§16",
        built: false,
        opens: Opens::Roles(&[Admin, HospitalIt, Engineer, L2Engineer, Manager, Auditor]),
    },
];

/// Looks a module up by code.
pub fn module(code: &str) -> Option<&'static ModuleInfo> {
    MODULES.iter().find(|m| m.code == code)
}

/// The modules a user holding `roles` sees, in order.
pub fn visible_to(roles: &[Role]) -> Vec<&'static ModuleInfo> {
    let held = RoleSet(roles.to_vec());
    MODULES.iter().filter(|m| m.opens.admits(&held)).collect()
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

    #[test]
    fn a_built_module_is_seen_exactly_by_the_roles_its_permission_grants() {
        for m in MODULES {
            match m.opens {
                Opens::Permission(p) => {
                    for r in Role::ALL {
                        assert_eq!(visible_to(&[r]).contains(&m), r.grants(p), "{} / {r}", m.code);
                    }
                }
                Opens::Roles(_) => assert!(!m.built, "{} is built but still keeps a role list", m.code),
            }
        }
        // The defect this rule fixes: the storekeeper may read inspections, so sees them.
        let s: Vec<_> = visible_to(&[Role::Storekeeper]).iter().map(|m| m.code).collect();
        assert!(s.contains(&"inspection"));
        assert!(!visible_to(&[Role::Reporter]).iter().any(|m| m.code == "cmdb"));
    }
}
