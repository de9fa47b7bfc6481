//! The IP register, `/api/v1/projects/{code}/ips`: who holds an address, and the conflicts.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::cmdb as uc;

use super::cis::{CiBrief, CiJson, blank_none, brief, view_json};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::openapi::problems::{Forbidden, Invalid, NotFound};

/// `ip`: an address, a monitoring `instance` (`10.1.2.3:9100`) or a host name.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IpQuery {
    /// Address, `host:port` or host name. Without it: the register's conflicts.
    pub ip: Option<String>,
}

/// A subnet containing the address.
#[derive(Serialize, ToSchema)]
pub struct SubnetJson {
    pub subnet: String,
    pub ci: CiBrief,
}

/// A conflict: an address on more than one live CI.
#[derive(Serialize, ToSchema)]
pub struct ConflictJson {
    pub address: String,
    pub ci_ids: Vec<i64>,
}

/// What the IP register knows about an address.
#[derive(Serialize, ToSchema)]
pub struct IpAnswer {
    /// CIs holding it (live ones first).
    pub cis: Vec<CiJson>,
    /// Registered subnets containing it, narrowest first.
    pub subnets: Vec<SubnetJson>,
    /// Without `ip`: every address held by more than one live CI.
    pub conflicts: Vec<ConflictJson>,
}

/// Looks up an address, a monitoring `instance` or a host name; without `ip`, lists conflicts.
#[utoipa::path(get, path = "/api/v1/projects/{code}/ips", tag = "cmdb",
    params(("code" = String, Path, description = "项目代码"), IpQuery),
    responses(
        (status = 200, body = IpAnswer),
        Forbidden, NotFound,
        Invalid,
    ))]
pub async fn lookup_ip(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<IpQuery>,
) -> Result<Json<IpAnswer>, ApiError> {
    let Some(ip) = blank_none(q.ip) else {
        let rows = uc::conflicts(&st.app, &auth.actor, &code).await?;
        let mut conflicts: Vec<ConflictJson> = Vec::new();
        for r in rows {
            match conflicts.last_mut() {
                Some(c) if c.address == r.address => c.ci_ids.push(r.ci_id),
                _ => conflicts.push(ConflictJson { address: r.address, ci_ids: vec![r.ci_id] }),
            }
        }
        return Ok(Json(IpAnswer { cis: Vec::new(), subnets: Vec::new(), conflicts }));
    };
    let found = uc::lookup(&st.app, &auth.actor, &code, &ip).await?;
    Ok(Json(IpAnswer {
        cis: found.holders.into_iter().map(view_json).collect(),
        subnets: found.subnets.into_iter().map(|(subnet, v)| SubnetJson { subnet, ci: brief(&v.row) }).collect(),
        conflicts: Vec::new(),
    }))
}
