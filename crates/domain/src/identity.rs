//! Identity: usernames, project codes, roles and what each role may do (DESIGN.md "Who uses it";
//! seed 004 管理制度 for the split between hospital and vendor staff).

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use crate::error::ValidationErrors;

/// A login name: 2–64 characters of ASCII letters, digits, `.`, `_`, `-`; compared case-insensitively
/// (stored lower-case) so that `ZhangSan` and `zhangsan` cannot be two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    /// Parses and normalises a username; `field` names the input in the error.
    pub fn parse(raw: &str, field: &str) -> Result<Self, ValidationErrors> {
        let s = raw.trim().to_ascii_lowercase();
        if s.len() < 2 || s.len() > 64 {
            return Err(ValidationErrors::single(field, "用户名长度须为 2–64 个字符"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
            return Err(ValidationErrors::single(field, "用户名只能包含字母、数字、点、下划线和连字符"));
        }
        Ok(Self(s))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A project's short code, used in URLs and numbers (`demo`, `szrmyy-2026`): 2–32 characters of
/// lower-case letters, digits and `-`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ProjectCode(String);

impl ProjectCode {
    /// Parses a project code; `field` names the input in the error.
    pub fn parse(raw: &str, field: &str) -> Result<Self, ValidationErrors> {
        let s = raw.trim();
        let ok_chars = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let starts_with_letter = s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if s.len() < 2 || s.len() > 32 || !ok_chars || !starts_with_letter {
            return Err(ValidationErrors::single(field, "项目代码须为 2–32 个小写字母、数字或连字符，并以字母开头"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed. A new one is checked against the policy of OWASP ASVS 5.0 V6.2: 8 to
/// 128 characters (no composition rules: hospital staff share terminals, and length and rarity
/// matter more), not one of the common passwords that breaches reveal ([`COMMON_PASSWORDS`]),
/// and not containing the username.
pub struct Password(String);

/// Common passwords of 8 characters or more, lowercased, sorted (byte order), one per line: the
/// 20,000 most common passwords of the public breach corpora compiled by Royce Williams, as
/// Django ships them (`django/contrib/auth/common-passwords.txt.gz`, Django 5.2, BSD licence),
/// less those under [`Password::MIN_LEN`], which the length rule refuses anyway.
pub const COMMON_PASSWORDS: &str = include_str!("identity_common_passwords.txt");

/// Whether `raw` (any case) is one of [`COMMON_PASSWORDS`].
pub fn is_common_password(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let list = LIST.get_or_init(|| COMMON_PASSWORDS.lines().collect());
    list.binary_search(&lower.as_str()).is_ok()
}

impl Password {
    /// Minimum length of a new password.
    pub const MIN_LEN: usize = 8;
    /// Maximum length of a new password.
    pub const MAX_LEN: usize = 128;

    /// Accepts a new password of 8–128 characters that is not a common one. The reasons name
    /// the field (`field` is the form's name for it; the UI shows its label beside them).
    pub fn parse_new(raw: &str, field: &str) -> Result<Self, ValidationErrors> {
        let n = raw.chars().count();
        if n < Self::MIN_LEN {
            return Err(ValidationErrors::single(field, "密码至少 8 个字符"));
        }
        if n > Self::MAX_LEN {
            return Err(ValidationErrors::single(field, "密码最多 128 个字符"));
        }
        if raw.trim().is_empty() {
            return Err(ValidationErrors::single(field, "密码不能全是空格"));
        }
        if is_common_password(raw) {
            return Err(ValidationErrors::single(
                field,
                "密码过于常见（在已泄露的常用密码表中），请换一个更难猜的密码",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// [`Password::parse_new`] for the user `username`, whose name the password may not contain.
    pub fn parse_new_for(raw: &str, field: &str, username: &str) -> Result<Self, ValidationErrors> {
        let pw = Self::parse_new(raw, field)?;
        let name = username.trim().to_lowercase();
        if name.chars().count() >= 3 && raw.to_lowercase().contains(&name) {
            return Err(ValidationErrors::single(field, "密码不能包含用户名"));
        }
        Ok(pw)
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

code_enum! {
    /// Kind of organisation: the hospital (甲方) or the vendor (乙方).
    OrgKind {
        /// 医院 / 甲方.
        Hospital = ("hospital", "医院"),
        /// 维保商 / 乙方.
        Vendor = ("vendor", "维保商"),
    }
}

impl FromStr for OrgKind {
    type Err = ValidationErrors;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hospital" => Ok(Self::Hospital),
            "vendor" => Ok(Self::Vendor),
            _ => Err(ValidationErrors::single("kind", "机构类型须为 hospital 或 vendor")),
        }
    }
}

code_enum! {
    /// A role granted to a user in one project (DESIGN.md "Who uses it").
    Role {
        /// 项目管理员: members and settings of the project.
        Admin = ("admin", "项目管理员"),
        /// 医院信息科: approves changes and downtime, signs reports, configures the contract.
        HospitalIt = ("hospital_it", "医院信息科"),
        /// 临床科室报障人: reports faults, confirms fixes, rates service.
        Reporter = ("reporter", "科室报障人"),
        /// 呼叫受理员 / 热线工程师: takes calls, classifies, assigns.
        Dispatcher = ("dispatcher", "呼叫受理员"),
        /// 驻场 / 现场工程师: handles incidents and inspections.
        Engineer = ("engineer", "驻场工程师"),
        /// 二线工程师 / DBA / 产品专家: escalated cases, patches, tuning.
        L2Engineer = ("l2_engineer", "二线工程师"),
        /// 项目经理 / 服务交付中心经理 / 总经理: escalation target, reports, complaints.
        Manager = ("manager", "项目经理"),
        /// 备件管理专员: spare-part stock.
        Storekeeper = ("storekeeper", "备件管理员"),
        /// 院方或第三方审计: read-only, audit trail.
        Auditor = ("auditor", "审计员"),
    }
}

impl Role {
    /// Whether the role belongs to the hospital side (甲方) rather than the vendor.
    pub fn is_hospital_side(self) -> bool {
        matches!(self, Role::Reporter | Role::HospitalIt | Role::Auditor)
    }

    /// Whether this role may do `p`. The single source of truth for authorisation.
    pub fn grants(self, p: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match p {
            P::ProjectRead => true,
            P::ProjectUpdate => matches!(self, R::Admin | R::HospitalIt),
            P::MembersRead => matches!(self, R::Admin | R::HospitalIt | R::Manager | R::Dispatcher | R::Auditor),
            P::MembersManage => matches!(self, R::Admin),
            P::AuditRead => matches!(self, R::Admin | R::Auditor | R::HospitalIt | R::Manager),
            P::ContractRead | P::ContractUpdate => matches!(self, R::Admin | R::HospitalIt),
            P::SlaPreview => !matches!(self, R::Reporter | R::Storekeeper),
            P::IncidentRead | P::IncidentComment => true,
            P::IncidentReport => !matches!(self, R::Auditor),
            P::IncidentWork => matches!(self, R::Dispatcher | R::Engineer | R::L2Engineer),
            P::IncidentConfirm => matches!(self, R::HospitalIt),
            P::NotifyManage => matches!(self, R::Admin | R::Manager | R::HospitalIt),
            // Clinicians reporting a fault have no need to see the network's addresses.
            P::CmdbRead => !matches!(self, R::Reporter),
            P::CmdbWrite => matches!(self, R::Admin | R::HospitalIt | R::Engineer | R::L2Engineer),
            P::InspectionRead => !matches!(self, R::Reporter),
            P::InspectionTemplateWrite => matches!(self, R::Admin | R::HospitalIt | R::Manager),
            P::InspectionWork => matches!(self, R::Manager | R::Engineer | R::L2Engineer),
            P::InspectionConfirm => matches!(self, R::HospitalIt),
        }
    }
}

impl FromStr for Role {
    type Err = ValidationErrors;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.code() == s).ok_or_else(|| {
            ValidationErrors::single("role", format!("未知角色“{s}”，可选：{}", Role::ALL.map(Role::code).join(", ")))
        })
    }
}

/// Something a project member may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the project and its overview.
    ProjectRead,
    /// Change the project's name, hospital, vendor, time zone.
    ProjectUpdate,
    /// List the project's members.
    MembersRead,
    /// Grant and revoke roles in the project.
    MembersManage,
    /// Browse the audit trail.
    AuditRead,
    /// Read the contract document.
    ContractRead,
    /// Preview SLA deadlines under the contract.
    SlaPreview,
    /// Apply a new contract version.
    ContractUpdate,
    /// See the project's incidents.
    IncidentRead,
    /// Report a fault.
    IncidentReport,
    /// Work a case: respond, remote, on site, approval request, escalate, resolve, reclassify
    /// (seed 003 1.1.5.2: hotline, field and second-line engineers).
    IncidentWork,
    /// Approve a fix plan and confirm a resolution on the hospital's behalf (reporters may do
    /// so for their own incidents).
    IncidentConfirm,
    /// Add a note to an incident.
    IncidentComment,
    /// Say who the escalation ladder's targets are and which group robots and gateways the
    /// project's notices go to.
    NotifyManage,
    /// See the configuration records: CIs, addresses, relations, history, topology.
    CmdbRead,
    /// Keep the configuration records (seed 003 1.1.6.2.8: the vendor keeps them in step with
    /// every change; the hospital's IT staff own them).
    CmdbWrite,
    /// See inspection templates, executions and reports.
    InspectionRead,
    /// Keep the project's own inspection templates (copied from the seeds' and edited).
    InspectionTemplateWrite,
    /// Carry out inspections: create, fill in, sign as engineer, raise incidents from abnormal
    /// items, write the report (seed 003 1.1.6.2.5: the vendor's engineers).
    InspectionWork,
    /// Sign an inspection on the hospital's behalf.
    InspectionConfirm,
}

/// The roles one user holds in one project, and the permissions they add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSet(pub Vec<Role>);

impl RoleSet {
    /// True when any held role grants `p`.
    pub fn grants(&self, p: Permission) -> bool {
        self.0.iter().any(|r| r.grants(p))
    }

    /// True when the user holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// Whether the user holds no role at all (not a member).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Audit codes of identity and projects: the entity and action of each audit entry they write.
pub mod audit {
    use crate::audit::AuditCode;

    /// A user created.
    pub const USER_CREATE: AuditCode = AuditCode::new("user", "create");
    /// A user's password set by an administrator or by themselves.
    pub const USER_SET_PASSWORD: AuditCode = AuditCode::new("user", "set_password");
    /// Installation administrator granted or withdrawn.
    pub const USER_SET_ADMIN: AuditCode = AuditCode::new("user", "set_admin");
    /// A username locked after too many failed logins.
    pub const USER_LOGIN_LOCKED: AuditCode = AuditCode::new("user", "login_locked");
    /// A session opened.
    pub const SESSION_LOGIN: AuditCode = AuditCode::new("session", "login");
    /// A session ended.
    pub const SESSION_LOGOUT: AuditCode = AuditCode::new("session", "logout");
    /// An API token issued.
    pub const API_TOKEN_CREATE: AuditCode = AuditCode::new("api_token", "create");
    /// An API token revoked.
    pub const API_TOKEN_REVOKE: AuditCode = AuditCode::new("api_token", "revoke");
    /// An organisation created.
    pub const ORGANIZATION_CREATE: AuditCode = AuditCode::new("organization", "create");
    /// A department created.
    pub const DEPARTMENT_CREATE: AuditCode = AuditCode::new("department", "create");
    /// A project created.
    pub const PROJECT_CREATE: AuditCode = AuditCode::new("project", "create");
    /// A project's name, parties or time zone changed.
    pub const PROJECT_UPDATE: AuditCode = AuditCode::new("project", "update");
    /// A role granted to a member.
    pub const MEMBERSHIP_GRANT: AuditCode = AuditCode::new("membership", "grant");
    /// A role withdrawn from a member.
    pub const MEMBERSHIP_REVOKE: AuditCode = AuditCode::new("membership", "revoke");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_is_lowercased_and_checked() {
        assert_eq!(Username::parse(" ZhangSan ", "u").map(|u| u.0).ok(), Some("zhangsan".into()));
        let err = Username::parse("张三", "username").err().map(|e| e.0[0].field.clone());
        assert_eq!(err.as_deref(), Some("username"));
        assert!(Username::parse("a", "u").is_err());
    }

    #[test]
    fn project_code_must_start_with_a_letter() {
        assert!(ProjectCode::parse("demo", "code").is_ok());
        assert!(ProjectCode::parse("szrmyy-2026", "code").is_ok());
        assert!(ProjectCode::parse("2026", "code").is_err());
        assert!(ProjectCode::parse("Demo", "code").is_err());
    }

    #[test]
    fn every_role_round_trips_through_its_code() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>().ok(), Some(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_admin_manages_members_and_reporters_cannot_read_audit() {
        for r in Role::ALL {
            assert_eq!(r.grants(Permission::MembersManage), r == Role::Admin);
            assert!(r.grants(Permission::ProjectRead));
        }
        assert!(!Role::Reporter.grants(Permission::AuditRead));
        assert!(Role::Auditor.grants(Permission::AuditRead));
        assert!(RoleSet(vec![Role::Reporter, Role::Auditor]).grants(Permission::AuditRead));
    }

    #[test]
    fn the_common_password_list_is_sorted_lowercased_and_long_enough() {
        let lines: Vec<&str> = COMMON_PASSWORDS.lines().collect();
        assert!(lines.len() > 8000, "{}", lines.len());
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        assert!(lines.iter().all(|l| l.chars().count() >= Password::MIN_LEN && l.to_lowercase() == *l));
    }

    #[test]
    fn common_passwords_and_ones_holding_the_username_are_refused_with_the_field() {
        for common in ["password1", "Password1", "qq123456", "woaini1314", "12345678"] {
            let e = Password::parse_new(common, "new_password").err().unwrap_or_else(|| panic!("{common} accepted"));
            assert_eq!(e.0[0].field, "new_password");
            assert!(e.0[0].reason.contains("常见"), "{}", e.0[0].reason);
        }
        let e = Password::parse_new_for("zhangsan-2026!", "password", "ZhangSan").expect_err("holds the name");
        assert_eq!(e.0[0].reason, "密码不能包含用户名");
        assert!(Password::parse_new("        ", "password").is_err());
        assert!(Password::parse_new(&"x".repeat(129), "password").is_err());
        assert!(Password::parse_new_for("yunwei-demo", "password", "engineer").is_ok(), "the demo password");
        assert!(Password::parse_new_for("correct horse battery", "password", "zhangsan").is_ok());
    }

    #[test]
    fn short_password_is_rejected_and_never_printed() {
        assert!(Password::parse_new("short", "password").is_err());
        let p = Password::parse_new("long enough", "password").ok();
        assert_eq!(format!("{:?}", p), "Some(Password(***))");
    }
}
