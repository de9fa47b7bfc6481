//! Checks on uploaded files (incident attachments, inspection photos …): a bare name, a declared
//! type the use case accepts that matches the file's first bytes, UTF-8 for text, a size limit.

use yunwei_domain::ValidationErrors;

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
