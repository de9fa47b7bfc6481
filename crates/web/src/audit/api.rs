//! `/api/v1/projects/{code}/audit`: the project's audit trail.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::audit_trail::{self as uc, AuditFilter};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::page::{Page, Paging};
use crate::http::time::{parse_instant, rfc3339};
use crate::openapi::problems::{Forbidden, Invalid, NotFound};

/// Filters of the audit list.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entity kind, e.g. `project`, `membership`.
    pub entity: Option<String>,
    /// Action, e.g. `update`, `grant`.
    pub action: Option<String>,
    /// Username of the actor.
    pub actor: Option<String>,
    /// From this instant (RFC 3339, inclusive).
    pub from: Option<String>,
    /// Before this instant (RFC 3339, exclusive).
    pub to: Option<String>,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditItem {
    /// Entry id.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who (username or `system`).
    pub actor: String,
    /// Entity kind.
    pub entity: String,
    /// Entity id.
    pub entity_id: String,
    /// Action.
    pub action: String,
    /// Before/after summary.
    pub summary: serde_json::Value,
    /// Position in the project's chain.
    pub seq: i64,
    /// This entry's hash.
    pub hash: String,
}

/// Builds the store filter from query parameters and the page asked for (shared with the audit
/// page of the UI).
pub fn filter_of(q: &AuditQuery, paging: &Paging) -> Result<AuditFilter, ApiError> {
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(AuditFilter {
        entity: nonempty(&q.entity),
        action: nonempty(&q.action),
        actor: nonempty(&q.actor),
        from: parse_instant("from", &q.from)?,
        to: parse_instant("to", &q.to)?,
        before_id: paging.after_id()?,
    })
}

/// Reads one page of a project's trail; the UI shares this.
pub async fn page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    q: &AuditQuery,
    paging: &Paging,
) -> Result<Page<AuditItem>, ApiError> {
    let filter = filter_of(q, paging)?;
    let rows = uc::list(&st.app, &auth.actor, code, &filter, paging.fetch()).await?;
    Ok(paging.page_by_id(
        rows,
        |r| r.id,
        |r| AuditItem {
            id: r.id,
            at: rfc3339(r.at),
            actor: r.actor,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            summary: r.summary,
            seq: r.seq,
            hash: r.hash,
        },
    ))
}

/// The project's audit trail, newest first, with filters and cursor pagination.
#[utoipa::path(get, path = "/api/v1/projects/{code}/audit", tag = "audit",
    params(("code" = String, Path, description = "项目代码"), AuditQuery, Paging),
    responses(
        (status = 200, body = Page<AuditItem>),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn list_audit(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<AuditQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<Page<AuditItem>>, ApiError> {
    Ok(Json(page(&st, &auth, &code, &q, &paging).await?))
}
