//! Photos of an inspection's items: `/api/v1/inspections/{id}/results/{key}/photos` (add one) and
//! `/api/v1/inspections/{id}/photos` (list, download).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use yunwei_app::inspection::{self as uc, Photo};
use yunwei_domain::id::{InspectionId, PhotoId};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::files::{AttachQuery, body_upload, download_file};
use crate::http::time::rfc3339;
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound, TooLarge};

/// A photo of an item.
#[derive(Serialize, ToSchema)]
pub struct PhotoJson {
    pub id: i64,
    /// The item's key.
    pub item: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
    pub created_by: String,
}

fn photo_json(p: Photo) -> PhotoJson {
    PhotoJson {
        id: p.id,
        item: p.item_key,
        name: p.file.name,
        content_type: p.file.content_type,
        size: p.file.size,
        sha256: p.file.sha256,
        created_at: rfc3339(p.file.created_at),
        created_by: p.file.created_by,
    }
}

/// Adds a photo to an item: the body is the image itself (JPEG, PNG or WebP, at most 10 MB),
/// its `Content-Type` the image's type.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/results/{key}/photos", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号"), ("key" = String, Path, description = "项目序号，如 2.3"),
        AttachQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, body = PhotoJson),
        Forbidden,
        NotFound,
        Conflict,
        TooLarge,
        Invalid,
    ))]
pub async fn add_photo(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((id, key)): ApiPath<(InspectionId, String)>,
    ApiQuery(q): ApiQuery<AttachQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<PhotoJson>), ApiError> {
    let p = uc::add_photo(&st.app, &auth.actor, id, &key, body_upload(q, &headers, body).await?).await?;
    Ok((StatusCode::CREATED, Json(photo_json(p))))
}

/// The photos of an inspection.
#[utoipa::path(get, path = "/api/v1/inspections/{id}/photos", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号")),
    responses(
        (status = 200, body = Vec<PhotoJson>),
        Forbidden, NotFound,
    ))]
pub async fn list_photos(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InspectionId>,
) -> Result<Json<Vec<PhotoJson>>, ApiError> {
    Ok(Json(uc::photos(&st.app, &auth.actor, id).await?.into_iter().map(photo_json).collect()))
}

/// One photo (as a download; an `<img>` shows it).
#[utoipa::path(get, path = "/api/v1/inspections/{id}/photos/{photo}", tag = "inspection",
    params(("id" = i64, Path, description = "巡检编号"), ("photo" = i64, Path, description = "照片编号")),
    responses(
        (status = 200, content_type = "image/jpeg", body = Vec<u8>),
        Forbidden, NotFound,
    ))]
pub async fn get_photo(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((id, photo)): ApiPath<(InspectionId, PhotoId)>,
) -> Result<Response, ApiError> {
    let (p, data) = uc::photo(&st.app, &auth.actor, id, photo).await?;
    Ok(download_file(&p.file.name, &p.file.content_type, data))
}
