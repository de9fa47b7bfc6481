//! HTTP layer of yunwei: the JSON API under `/api/v1`, the server-rendered UI, embedded assets,
//! `/healthz` and `/metrics`.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod observe;
pub mod openapi;
pub mod topology;
pub mod ui;

use axum::Router;
use axum::http::Method;
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, SameSite};
use utoipa::openapi::OpenApi;
use yunwei_app::App;

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

/// The OpenAPI document of the API.
pub fn openapi() -> OpenApi {
    api::router().split_for_parts().1
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
    for (m, p) in ui::routes().into_iter().chain(observe::routes()).chain(public) {
        out.push(Endpoint { method: m, path: p.to_owned() });
    }
    out.sort();
    out
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api::router().split_for_parts();
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
        .merge(ui::router())
        .merge(observe::router())
        .merge(assets::router())
        .fallback(ui::not_found)
        .layer(axum::middleware::from_fn(observe::track))
        .with_state(state)
}
