//! Photos of an execution's items (their descriptions; the queries are `crate::files`').

use crate::files::{FileMeta, FileTable};

/// A photo of an inspection item (without its bytes).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub id: i64,
    pub execution_id: i64,
    pub item_key: String,
    #[sqlx(flatten)]
    pub file: FileMeta,
}

/// The executions' photos (`item_key` names the item, given as an extra column on insert).
pub const PHOTOS: FileTable =
    FileTable { table: "inspection_photos", owner: "execution_id", columns: &["id", "execution_id", "item_key"] };
