//! Uploaded files (incident attachments, inspection photos …): the checks (a bare name, a declared
//! type the use case accepts that matches the file's first bytes, UTF-8 for text, a size limit) and
//! the steps every module's file use cases share. A module authorizes its own entity
//! (`access::load_entity`), then [`accept`]s the upload, [`save`]s it with its own audit entry, and
//! reads with [`list`] and [`load`]; its table is a `store::files::FileTable`.

use yunwei_domain::ValidationErrors;
use yunwei_store::DbRow;
use yunwei_store::files::{self as store, FileMeta, FileTable};

use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// Largest attachment accepted, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// Content types accepted for attachments, with the magic bytes checked for binary formats.
pub const ATTACHMENT_TYPES: &[(&str, &[u8])] = &[
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/gif", b"GIF8"),
    ("image/webp", b"RIFF"),
    ("application/pdf", b"%PDF-"),
    ("application/zip", b"PK\x03\x04"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ("text/plain", b""),
    ("text/csv", b""),
];

/// Checks a file's name, declared type (one of `types`, matching the file's first bytes; text
/// must be UTF-8) and size; returns the bare name and the type.
pub fn check(v: &mut ValidationErrors, file: &Upload, types: &[(&str, &[u8])]) -> (String, String) {
    let name = file.name.trim().rsplit(['/', '\\']).next().unwrap_or_default().to_owned();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        v.push("name", "文件名不能为空，最多 200 个字符");
    }
    let ct = file.content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match types.iter().find(|(t, _)| *t == ct) {
        None => {
            let ok = types.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ");
            v.push("file", format!("不接受的文件类型“{ct}”，可选：{ok}"));
        }
        Some((_, magic)) if !file.data.starts_with(magic) => {
            v.push("file", format!("文件内容与类型 {ct} 不符"));
        }
        Some((t, _)) if t.starts_with("text/") && std::str::from_utf8(&file.data).is_err() => {
            v.push("file", "文本文件须为 UTF-8 编码");
        }
        Some(_) => {}
    }
    if file.data.is_empty() {
        v.push("file", "文件为空");
    }
    if file.data.len() > MAX_ATTACHMENT_BYTES {
        v.push("file", format!("附件最大 {} MB", MAX_ATTACHMENT_BYTES / 1024 / 1024));
    }
    (name, ct)
}

/// A file as uploaded: its name and declared type as the client gave them, and its bytes.
pub struct Upload {
    /// File name (a path is cut to its last part).
    pub name: String,
    /// Declared content type.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// An upload that passed [`check`]: its description as it will be stored, and its bytes.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub meta: FileMeta,
    pub data: Vec<u8>,
}

/// Checks `file` against `types` (refusing it with the reasons) and describes it as stored now by
/// `actor` in project `project_id`: bare name, type, size and SHA-256.
pub fn accept(
    app: &App,
    actor: &Actor,
    project_id: i64,
    file: Upload,
    types: &[(&str, &[u8])],
) -> Result<Accepted, AppError> {
    use sha2::Digest;
    let mut v = ValidationErrors::default();
    let (name, content_type) = check(&mut v, &file, types);
    v.into_result()?;
    let meta = FileMeta {
        project_id,
        name,
        content_type,
        size: file.data.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&file.data)),
        created_at: app.now(),
        created_by: actor.display_name.clone(),
    };
    Ok(Accepted { meta, data: file.data })
}

/// Stores an accepted file of entity `owner_id` (with the table's `extra` columns) and the audit
/// entry `audit` words from the new file's id, in one transaction; returns that id.
pub async fn save(
    app: &App,
    actor: &Actor,
    table: &FileTable,
    owner_id: i64,
    extra: &[(&'static str, &str)],
    file: &Accepted,
    audit: impl FnOnce(i64) -> Record,
) -> Result<i64, AppError> {
    let mut tx = app.db.begin().await?;
    let id = store::insert(&mut tx, table, owner_id, extra, &file.meta, &file.data).await?;
    record(&mut tx, Some(actor), file.meta.created_at, audit(id)).await?;
    tx.commit().await?;
    Ok(id)
}

/// The files of entity `owner_id` (authorized by the caller), oldest first.
pub async fn list<T: DbRow>(app: &App, table: &FileTable, owner_id: i64) -> Result<Vec<T>, AppError> {
    Ok(store::list(&app.db, table, owner_id).await?)
}

/// File `id` of entity `owner_id` (authorized by the caller) with its bytes; `not_found` when it is
/// not that entity's.
pub async fn load<T: DbRow>(
    app: &App,
    table: &FileTable,
    owner_id: i64,
    id: i64,
    not_found: impl FnOnce() -> AppError,
) -> Result<(T, Vec<u8>), AppError> {
    store::load(&app.db, table, owner_id, id).await?.ok_or_else(not_found)
}
