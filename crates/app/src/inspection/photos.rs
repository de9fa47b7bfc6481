//! Photos of an inspection's items.

use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{Status, audit};
use yunwei_store::inspection as store;

use super::Photo;
use super::executions::{access_to, not_found, view};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// Photo types accepted, with their first bytes.
const PHOTO_TYPES: &[(&str, &[u8])] =
    &[("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG\r\n\x1a\n"), ("image/webp", b"RIFF")];

/// Adds a photo to an item of an open inspection (a photo item's answer, or evidence).
pub async fn add_photo(
    app: &App,
    actor: &Actor,
    id: i64,
    key: &str,
    file: crate::files::Upload,
) -> Result<Photo, AppError> {
    use sha2::Digest;
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionWork).await?;
    let ev = view(row, Vec::new())?;
    if ev.template.item(key).is_none() {
        return Err(AppError::NotFound(format!("巡检项目 {key} 不存在")));
    }
    let status = Status::parse(&ev.row.status).unwrap_or(Status::Planned);
    if !status.open() {
        return Err(AppError::Conflict {
            field: "status".into(),
            reason: format!("巡检{}，不能再添加照片（当前状态：{}）", status.label(), status.code()),
        });
    }
    let mut v = ValidationErrors::default();
    let (name, content_type) = crate::files::check(&mut v, &file, PHOTO_TYPES);
    v.into_result()?;
    let now = app.now();
    let mut p = Photo {
        id: 0,
        execution_id: id,
        project_id: ev.row.project_id,
        item_key: key.to_owned(),
        name,
        content_type,
        size: file.data.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&file.data)),
        created_at: now,
        created_by: actor.display_name.clone(),
    };
    let mut tx = app.db.begin().await?;
    p.id = store::insert_photo(&mut tx, &p, &file.data).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(p.project_id),
            code: audit::INSPECTION_PHOTO,
            entity_id: id.to_string(),
            summary: json!({ "item": key, "photo": p.id, "size": p.size, "sha256": p.sha256 }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// The photos of an inspection.
pub async fn photos(app: &App, actor: &Actor, id: i64) -> Result<Vec<Photo>, AppError> {
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionRead).await?;
    Ok(store::photos(&app.db, id).await?)
}

/// One photo with its bytes.
pub async fn photo(app: &App, actor: &Actor, id: i64, photo: i64) -> Result<(Photo, Vec<u8>), AppError> {
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionRead).await?;
    store::photo(&app.db, id, photo).await?.ok_or_else(|| AppError::NotFound(format!("照片 {photo} 不存在")))
}
