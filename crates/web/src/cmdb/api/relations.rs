//! Relations of a CI, `/api/v1/cis/{id}/relations`, and what a failure of it impacts,
//! `/api/v1/cis/{id}/impact`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yunwei_app::cmdb::{self as uc, RelationView};
use yunwei_domain::cmdb::{self as domain, RelationInput};
use yunwei_domain::id::{CiId, RelationId};

use super::cis::{CiBrief, brief};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath};
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound};

/// A relation as written: from this CI to `target`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteRelation {
    /// `runs_on`, `connects_to`, `depends_on`, `backs_up` or `member_of`.
    pub kind: String,
    /// Id of the other CI (same project).
    pub target: i64,
    /// `connects_to`: the port on this CI.
    pub local_port: Option<String>,
    /// `connects_to`: the port on the target.
    pub remote_port: Option<String>,
}

/// A relation seen from one CI.
#[derive(Serialize, ToSchema)]
pub struct RelationJson {
    pub id: i64,
    pub kind: String,
    /// Chinese name of the kind.
    pub kind_name: String,
    /// `out` when this CI is the source, `in` when it is the target.
    pub direction: &'static str,
    pub source: i64,
    pub target: i64,
    pub local_port: Option<String>,
    pub remote_port: Option<String>,
    /// The CI at the other end.
    pub other: CiBrief,
}

fn relation_json(v: RelationView) -> RelationJson {
    let port = |p: &str| Some(p.to_owned()).filter(|p| !p.is_empty());
    RelationJson {
        id: v.row.id,
        kind_name: domain::RelationKind::parse(&v.row.kind).map(|k| k.label()).unwrap_or_default().to_owned(),
        kind: v.row.kind.clone(),
        direction: if v.outgoing { "out" } else { "in" },
        source: v.row.source_id,
        target: v.row.target_id,
        local_port: port(&v.row.source_port),
        remote_port: port(&v.row.target_port),
        other: brief(&v.other),
    }
}

/// Relates this CI to another (`HIS runs_on vm01`).
#[utoipa::path(post, path = "/api/v1/cis/{id}/relations", tag = "cmdb",
    params(("id" = i64, Path, description = "配置项编号")),
    request_body = WriteRelation,
    responses(
        (status = 201, body = RelationJson),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn create_relation(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<CiId>,
    ApiJson(req): ApiJson<WriteRelation>,
) -> Result<(StatusCode, Json<RelationJson>), ApiError> {
    let input =
        RelationInput { kind: req.kind, target: req.target, local_port: req.local_port, remote_port: req.remote_port };
    let v = uc::add_relation(&st.app, &auth.actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(relation_json(v))))
}

/// The relations of a CI, from either end.
#[utoipa::path(get, path = "/api/v1/cis/{id}/relations", tag = "cmdb",
    params(("id" = i64, Path, description = "配置项编号")),
    responses(
        (status = 200, body = Vec<RelationJson>),
        Forbidden, NotFound,
    ))]
pub async fn list_relations(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<CiId>,
) -> Result<Json<Vec<RelationJson>>, ApiError> {
    Ok(Json(uc::relations(&st.app, &auth.actor, id).await?.into_iter().map(relation_json).collect()))
}

/// Removes a relation of this CI.
#[utoipa::path(delete, path = "/api/v1/cis/{id}/relations/{relation}", tag = "cmdb",
    params(("id" = i64, Path, description = "配置项编号"), ("relation" = i64, Path, description = "关系编号")),
    responses(
        (status = 204),
        Forbidden,
        NotFound,
    ))]
pub async fn delete_relation(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((id, relation)): ApiPath<(CiId, RelationId)>,
) -> Result<StatusCode, ApiError> {
    uc::delete_relation(&st.app, &auth.actor, id, relation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A CI a failure reaches.
#[derive(Serialize, ToSchema)]
pub struct ImpactedJson {
    pub ci: CiBrief,
    /// Relations between it and the failed CI (1 = directly).
    pub depth: u32,
    /// The CI it is reached through.
    pub via: i64,
    /// The relation between `via` and it.
    pub kind: String,
}

/// Everything a failure of this CI impacts, directly or transitively, nearest first.
#[utoipa::path(get, path = "/api/v1/cis/{id}/impact", tag = "cmdb",
    params(("id" = i64, Path, description = "配置项编号")),
    responses(
        (status = 200, body = Vec<ImpactedJson>),
        Forbidden, NotFound,
    ))]
pub async fn get_impact(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<CiId>,
) -> Result<Json<Vec<ImpactedJson>>, ApiError> {
    let hit = uc::impact(&st.app, &auth.actor, id).await?;
    Ok(Json(
        hit.into_iter()
            .map(|(i, r)| ImpactedJson { ci: brief(&r), depth: i.depth, via: i.via, kind: i.kind.code().to_owned() })
            .collect(),
    ))
}
