//! Typed ids: one newtype over the stored `i64` per kind of entity, so a project id cannot be
//! passed where a user id is expected (`roles_in_project(db, p.id, actor.user_id)` swapped
//! compiles with bare integers, not with these).
//!
//! Every id is declared with the one `id_type!` macro and has the same API: `new` (where a
//! stored row's integer becomes an id: store and app), `get` (back to the column's integer),
//! `Display` as the integer, `FromStr` with a Chinese [`ParseIdError`], and serde as the bare
//! integer (`#[serde(transparent)]`), so JSON and URL paths read exactly as before.
//!
//! ```
//! use yunwei_domain::id::{IncidentId, ProjectId};
//!
//! let id: IncidentId = "42".parse().unwrap();
//! assert_eq!(id.get(), 42);
//! assert_eq!(serde_json::to_string(&id).unwrap(), "42");
//! assert_eq!("x".parse::<ProjectId>().unwrap_err().to_string(), "项目编号“x”不是整数");
//! ```

use std::fmt;

/// Declares id newtypes: `Name, "名称";` where `名称` says in Chinese what the id identifies
/// (for the error of a malformed one).
macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident, $what:literal;)+) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// What this id identifies, in Chinese (for messages).
            pub const WHAT: &'static str = $what;

            /// The id stored as `v`.
            pub const fn new(v: i64) -> Self {
                Self(v)
            }

            /// The stored integer.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, ParseIdError> {
                s.parse().map(Self).map_err(|_| ParseIdError { what: $what, given: s.to_string() })
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )+};
}

id_type! {
    /// A project (`projects.id`).
    ProjectId, "项目";
    /// A user (`users.id`).
    UserId, "用户";
    /// An organisation: a hospital or a vendor (`organizations.id`).
    OrganizationId, "机构";
    /// A department of an organisation (`departments.id`).
    DepartmentId, "部门";
    /// An API token (`api_tokens.id`).
    TokenId, "令牌";
    /// A stored version of a project's contract (`contract_versions.id`).
    ContractVersionId, "合同版本";
    /// An incident (`incidents.id`).
    IncidentId, "事件";
    /// A file attached to an incident (`incident_attachments.id`).
    AttachmentId, "附件";
    /// A configuration item (`cis.id`).
    CiId, "配置项";
    /// A relation between two configuration items (`ci_relations.id`).
    RelationId, "关系";
    /// An inspection: one execution of a template (`inspection_executions.id`).
    InspectionId, "巡检";
    /// A project's inspection template (`inspection_templates.id`).
    TemplateId, "巡检模板";
    /// An inspection plan (`inspection_plans.id`).
    PlanId, "巡检计划";
    /// A photo taken during an inspection (`inspection_photos.id`).
    PhotoId, "照片";
    /// A stored monitoring alert (`alerts.id`).
    AlertId, "告警";
    /// A notification channel of a project (`notify_channels.id`).
    ChannelId, "通知渠道";
}

/// A string that is not an id: not an integer. `Display` is the Chinese reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}编号“{given}”不是整数")]
pub struct ParseIdError {
    /// What the id identifies, in Chinese (`事件`).
    pub what: &'static str,
    /// The string given.
    pub given: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_the_bare_integer_in_json_and_text() {
        let id = IncidentId::new(42);
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("42"));
        assert_eq!(serde_json::from_str::<IncidentId>("42").ok(), Some(id));
        assert_eq!(id.to_string(), "42");
        assert_eq!("42".parse::<IncidentId>().ok(), Some(id));
        assert_eq!(i64::from(id), 42);
    }

    #[test]
    fn a_malformed_id_names_what_it_should_identify() {
        let e = "abc".parse::<CiId>().err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("配置项编号“abc”不是整数"));
        assert!(serde_json::from_str::<CiId>("\"7\"").is_err());
    }
}
