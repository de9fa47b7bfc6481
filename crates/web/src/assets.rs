//! Static assets (CSS, htmx, icons), embedded in the binary: hospital intranets have no internet,
//! so the browser loads nothing from anywhere but this server.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;

use crate::AppState;

#[derive(Embed)]
#[folder = "assets/"]
struct Assets;

/// Route template of the assets.
pub const PATH: &str = "/assets/{*path}";

/// Routes under `/assets/`.
pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(asset))
}

async fn asset(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let mut res = file.data.into_owned().into_response();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}

/// Whether an asset exists (templates refer to assets by path; a test checks they all resolve).
pub fn exists(path: &str) -> bool {
    Assets::get(path).is_some()
}
