//! The revisions of a CI, `/api/v1/cis/{id}/history`, and the record in force at an instant.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use yunwei_app::cmdb::{self as uc, RevisionRow};
use yunwei_domain::cmdb::FieldChange;
use yunwei_domain::id::CiId;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::page::{Page, Paging};
use crate::http::time::{parse_instant, rfc3339};
use crate::openapi::problems::{Forbidden, Invalid, NotFound};

/// One revision of a CI.
#[derive(Serialize, ToSchema)]
pub struct RevisionJson {
    pub revision: i64,
    pub at: String,
    pub actor: String,
    /// `incident:{id}` when a case caused it.
    pub cause: Option<String>,
    /// `[{"field","before","after"}]` from the revision before.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<FieldChange>,
    /// The whole record as saved.
    #[schema(value_type = Object)]
    pub snapshot: Value,
}

fn revision_json(r: RevisionRow) -> RevisionJson {
    RevisionJson {
        revision: r.revision,
        at: rfc3339(r.at),
        actor: r.actor,
        cause: r.cause,
        changes: r.changes,
        snapshot: r.snapshot,
    }
}

/// `as_of`: the record in force at that instant.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// RFC 3339 instant: answer only the revision in force then.
    pub as_of: Option<String>,
}

/// The revisions of a CI, newest first; with `as_of`, only the one in force then.
#[utoipa::path(get, path = "/api/v1/cis/{id}/history", tag = "cmdb",
    params(("id" = i64, Path, description = "配置项编号"), HistoryQuery, Paging),
    responses(
        (status = 200, body = Page<RevisionJson>),
        Forbidden, NotFound,
        Invalid,
    ))]
pub async fn get_history(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<CiId>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<RevisionJson>>, ApiError> {
    let revs = match parse_instant("as_of", &q.as_of)? {
        Some(at) => vec![uc::as_of(&st.app, &auth.actor, id, at).await?],
        None => uc::history_page(&st.app, &auth.actor, id, paging.after_id()?, paging.fetch()).await?,
    };
    Ok(Json(paging.page_by_id(revs, |r| r.revision, revision_json)))
}
