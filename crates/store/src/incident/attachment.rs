//! Files attached to incidents (their descriptions; the queries are `crate::files`').

use chrono::{DateTime, Utc};

use crate::files::FileTable;

/// An attachment's description (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub project_id: i64,
    pub incident_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The incidents' files.
pub const ATTACHMENTS: FileTable = FileTable {
    table: "incident_attachments",
    owner: "incident_id",
    columns: &["id", "project_id", "incident_id", "name", "content_type", "size", "sha256", "created_at", "created_by"],
};
