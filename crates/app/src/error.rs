//! Errors of the use-case layer. Each variant maps to one HTTP status in the web layer; internal
//! errors carry their cause for the log only, never for the client.

use yunwei_domain::ValidationErrors;
use yunwei_store::StoreError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in, or the credentials are wrong (401).
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// Logged in but the role does not allow it (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No such thing — or a project the caller is not a member of (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// Input invalid; names each field and why (422).
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// Conflicts with existing data, e.g. a duplicate username (409).
    #[error("conflict on {field}: {reason}")]
    Conflict {
        /// Offending field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The record changed since the caller read it (412).
    #[error("stale version: current is {current}")]
    Stale {
        /// The version now stored.
        current: i64,
    },
    /// An update came without `If-Match` (428).
    #[error("precondition required")]
    PreconditionRequired,
    /// Too many failed logins (429).
    #[error("too many attempts; retry after {retry_after_secs} s")]
    Throttled {
        /// Seconds until the lock lifts.
        retry_after_secs: i64,
    },
    /// The system cannot take writes now (the disk is full); nothing was saved (503).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else; logged with the request id, opaque to the client (500).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(msg) => {
                AppError::Conflict { field: unique_field(&msg), reason: "已存在相同的值".into() }
            }
            StoreError::Full(cause) => {
                tracing::error!(%cause, "storage full: a write was refused");
                AppError::Unavailable("存储空间已满，本次操作没有保存；请联系管理员清理磁盘后重试".into())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// Best-effort field name from a unique-violation message of either backend
/// (`UNIQUE constraint failed: users.username` / `duplicate key … "users_username_key"`).
fn unique_field(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("UNIQUE constraint failed: ") {
        return rest.split(", ").filter_map(|c| c.split('.').nth(1)).collect::<Vec<_>>().join(",");
    }
    if let Some(start) = msg.find('"') {
        let name = msg[start + 1..].trim_end_matches('"');
        let name = name.split('"').next().unwrap_or(name);
        let parts: Vec<&str> = name.split('_').collect();
        if parts.len() >= 3 && parts.last() == Some(&"key") {
            return parts[1..parts.len() - 1].join("_");
        }
        return name.to_owned();
    }
    "unknown".into()
}

#[cfg(test)]
mod tests {
    use super::unique_field;

    #[test]
    fn unique_field_is_read_from_both_backends() {
        assert_eq!(unique_field("UNIQUE constraint failed: users.username"), "username");
        assert_eq!(unique_field("duplicate key value violates unique constraint \"users_username_key\""), "username");
        assert_eq!(unique_field("duplicate key value violates unique constraint \"projects_code_key\""), "code");
    }
}
