//! Files attached to an incident (the steps are `crate::files`').

use serde_json::json;
use yunwei_domain::id::{AttachmentId, IncidentId};
use yunwei_domain::identity::Permission;
use yunwei_domain::servicedesk::audit;
use yunwei_store::incident::{self as store, ATTACHMENTS};

use super::read::{access_to, not_found};
use super::view::Attachment;
use crate::actor::Actor;
use crate::audit::Record;
use crate::files::{self, Upload};
use crate::{App, AppError};

/// Attaches a file to an incident (anyone in its project who may comment). The declared type
/// must be one we accept and match the file's first bytes; text must be UTF-8.
pub async fn attach(app: &App, actor: &Actor, id: IncidentId, file: Upload) -> Result<Attachment, AppError> {
    let id = id.get();
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentComment).await?;
    let f = files::accept(app, actor, row.project_id, file, files::ATTACHMENT_TYPES)?;
    let m = &f.meta;
    let saved = files::save(app, actor, &ATTACHMENTS, id, &[], &f, |aid| Record {
        project_id: Some(row.project_id),
        code: audit::INCIDENT_ATTACH,
        entity_id: id.to_string(),
        summary: json!({ "attachment": aid, "name": m.name, "size": m.size, "sha256": m.sha256 }),
    })
    .await?;
    Ok(Attachment { id: saved, incident_id: id, file: f.meta })
}

/// The attachments of an incident.
pub async fn attachments(app: &App, actor: &Actor, id: IncidentId) -> Result<Vec<Attachment>, AppError> {
    let id = id.get();
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    files::list(app, &ATTACHMENTS, id).await
}

/// One attachment with its bytes.
pub async fn attachment(
    app: &App,
    actor: &Actor,
    id: IncidentId,
    attachment_id: AttachmentId,
) -> Result<(Attachment, Vec<u8>), AppError> {
    let (id, attachment_id) = (id.get(), attachment_id.get());
    let row = store::get(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::IncidentRead).await?;
    files::load(app, &ATTACHMENTS, id, attachment_id, || AppError::NotFound(format!("附件 {attachment_id} 不存在")))
        .await
}
