//! Files attached to an incident.

use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::identity::Permission;
use yunwei_domain::servicedesk::audit;
use yunwei_store::incident as store;

use super::read::{access_to, not_found};
use super::view::Attachment;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// Attaches a file to an incident (anyone in its project who may comment). The declared type
/// must be one we accept and match the file's first bytes; text must be UTF-8.
pub async fn attach(app: &App, actor: &Actor, id: i64, file: crate::files::Upload) -> Result<Attachment, AppError> {
    use sha2::Digest;
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentComment).await?;
    let mut v = ValidationErrors::default();
    let (name, ct) = crate::files::check(&mut v, &file, crate::files::ATTACHMENT_TYPES);
    v.into_result()?;
    let now = app.now();
    let mut a = Attachment {
        id: 0,
        project_id: row.project_id,
        incident_id: id,
        name,
        content_type: ct,
        size: file.data.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&file.data)),
        created_at: now,
        created_by: actor.display_name.clone(),
    };
    let mut tx = app.db.begin().await?;
    a.id = store::insert_attachment(&mut tx, &a, &file.data).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::INCIDENT_ATTACH,
            entity_id: id.to_string(),
            summary: json!({ "attachment": a.id, "name": a.name, "size": a.size, "sha256": a.sha256 }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// The attachments of an incident.
pub async fn attachments(app: &App, actor: &Actor, id: i64) -> Result<Vec<Attachment>, AppError> {
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    Ok(store::attachments(&app.db, id).await?)
}

/// One attachment with its bytes.
pub async fn attachment(
    app: &App,
    actor: &Actor,
    id: i64,
    attachment_id: i64,
) -> Result<(Attachment, Vec<u8>), AppError> {
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    store::attachment_data(&app.db, id, attachment_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("附件 {attachment_id} 不存在")))
}
