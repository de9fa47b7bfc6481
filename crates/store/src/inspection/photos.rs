//! Photos of an execution's items (their descriptions; the queries are `crate::files`').

use chrono::{DateTime, Utc};

use crate::files::FileTable;

/// A photo of an inspection item (without its bytes).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub id: i64,
    pub execution_id: i64,
    pub project_id: i64,
    pub item_key: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The executions' photos (`item_key` names the item, given as an extra column on insert).
pub const PHOTOS: FileTable = FileTable {
    table: "inspection_photos",
    owner: "execution_id",
    columns: &[
        "id",
        "execution_id",
        "project_id",
        "item_key",
        "name",
        "content_type",
        "size",
        "sha256",
        "created_at",
        "created_by",
    ],
};
