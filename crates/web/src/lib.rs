//! HTTP layer of yunwei: the JSON API under `/api/v1`, the server-rendered UI, embedded assets,
//! `/healthz` and `/metrics`. One folder per DESIGN module holds its API handlers, its pages and
//! its `routes()`; `http` and `ui` hold what the modules share.

pub mod assets;
pub mod auth;
pub mod error;
pub mod http;
pub mod observe;
pub mod openapi;
pub mod routes;
pub mod ui;

pub mod audit;
pub mod cmdb;
pub mod contract;
pub mod identity;
pub mod inspection;
pub mod monitoring;
pub mod notify;
pub mod project;
pub mod servicedesk;

use axum::Router;
use axum::http::Method;
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, SameSite};
use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use yunwei_app::App;

use crate::openapi::ApiDoc;
use crate::routes::Routes;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure`. Off by default: hospital intranets often serve plain HTTP.
    pub cookie_secure: bool,
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Use cases.
    pub app: App,
    /// Web settings.
    pub web: WebSettings,
}

/// The session cookie carrying `token`.
pub fn session_cookie(st: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((auth::SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(st.web.cookie_secure)
        .path("/")
        .build()
}

/// One endpoint: method and path template, as the permission matrix lists them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Endpoint {
    /// HTTP method.
    pub method: Method,
    /// Path template (`/api/v1/projects/{code}`).
    pub path: String,
}

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// Every module's routes.
fn modules() -> Routes {
    Routes::default()
        .merge(identity::routes())
        .merge(project::routes())
        .merge(audit::routes())
        .merge(contract::routes())
        .merge(servicedesk::routes())
        .merge(notify::routes())
        .merge(cmdb::routes())
        .merge(inspection::routes())
        .merge(monitoring::routes())
}

/// The OpenAPI document of the API.
pub fn openapi() -> OpenApi {
    let mut doc = OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(modules().api).split_for_parts().1;
    openapi::add_extractor_problems(&mut doc);
    doc
}

/// Every endpoint the server answers: API (from the OpenAPI document), UI and operations.
pub fn endpoints() -> Vec<Endpoint> {
    let mut out = Vec::new();
    for (path, item) in openapi().paths.paths {
        let ops = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
        ];
        for (m, present) in ops {
            if present {
                out.push(Endpoint { method: m, path: path.clone() });
            }
        }
    }
    let public = [(Method::GET, OPENAPI_PATH), (Method::GET, assets::PATH)];
    let pages = modules().ui.into_iter().map(|(m, p, _)| (m, p));
    for (m, p) in pages.chain(observe::routes()).chain(public) {
        out.push(Endpoint { method: m, path: p.to_owned() });
    }
    out.sort();
    out
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let Routes { api, ui } = modules();
    let (api, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(api).split_for_parts();
    openapi::add_extractor_problems(&mut doc);
    let doc_json = std::sync::Arc::new(serde_json::to_vec_pretty(&doc).unwrap_or_default());
    let api = api.route(
        OPENAPI_PATH,
        get(move || {
            let body = doc_json.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], body.as_ref().clone()) }
        }),
    );
    Router::new()
        .merge(api)
        .merge(Routes::ui_router(ui))
        .merge(observe::router())
        .merge(assets::router())
        .fallback(ui::page::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::headers::security_headers))
        .layer(axum::middleware::from_fn(observe::track))
        .with_state(state)
}
