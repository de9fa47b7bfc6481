//! Photos of an inspection's items (the steps are `crate::files`').

use serde_json::json;
use yunwei_domain::id::{InspectionId, PhotoId};
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::audit;
use yunwei_store::inspection::{self as store, PHOTOS};

use super::Photo;
use super::executions::{access_to, not_found};
use super::view::view;
use crate::actor::Actor;
use crate::audit::Record;
use crate::files::{self, Upload};
use crate::{App, AppError};

/// Photo types accepted, with their first bytes.
const PHOTO_TYPES: &[(&str, &[u8])] =
    &[("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG\r\n\x1a\n"), ("image/webp", b"RIFF")];

/// Adds a photo to an item of an open inspection (a photo item's answer, or evidence).
pub async fn add_photo(app: &App, actor: &Actor, id: InspectionId, key: &str, file: Upload) -> Result<Photo, AppError> {
    let id = id.get();
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionWork).await?;
    let ev = view(&row, &[])?;
    if ev.template.item(key).is_none() {
        return Err(AppError::NotFound(format!("巡检项目 {key} 不存在")));
    }
    let status = ev.execution.status;
    if !status.open() {
        return Err(AppError::Conflict {
            field: "status".into(),
            reason: format!("巡检{}，不能再添加照片（当前状态：{}）", status.label(), status.code()),
        });
    }
    let f = files::accept(app, actor, row.project_id, file, PHOTO_TYPES)?;
    let m = &f.meta;
    let saved = files::save(app, actor, &PHOTOS, id, &[("item_key", key)], &f, |pid| Record {
        project_id: Some(m.project_id),
        code: audit::INSPECTION_PHOTO,
        entity_id: id.to_string(),
        summary: json!({ "item": key, "photo": pid, "size": m.size, "sha256": m.sha256 }),
    })
    .await?;
    Ok(Photo { id: saved, execution_id: id, item_key: key.to_owned(), file: f.meta })
}

/// The photos of an inspection.
pub async fn photos(app: &App, actor: &Actor, id: InspectionId) -> Result<Vec<Photo>, AppError> {
    let id = id.get();
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionRead).await?;
    files::list(app, &PHOTOS, id).await
}

/// One photo with its bytes.
pub async fn photo(app: &App, actor: &Actor, id: InspectionId, photo: PhotoId) -> Result<(Photo, Vec<u8>), AppError> {
    let (id, photo) = (id.get(), photo.get());
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionRead).await?;
    files::load(app, &PHOTOS, id, photo, || AppError::NotFound(format!("照片 {photo} 不存在"))).await
}
