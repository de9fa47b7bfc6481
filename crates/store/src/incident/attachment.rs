//! Files attached to incidents (their descriptions; the queries are `crate::files`').

use crate::files::{FileMeta, FileTable};

/// An attachment's description (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub incident_id: i64,
    #[sqlx(flatten)]
    pub file: FileMeta,
}

/// The incidents' files.
pub const ATTACHMENTS: FileTable =
    FileTable { table: "incident_attachments", owner: "incident_id", columns: &["id", "incident_id"] };
