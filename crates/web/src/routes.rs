//! What a module hands its parent: its API operations (with their OpenAPI) and its pages.

use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// A module's routes; the parent merges them.
#[derive(Default)]
pub struct Routes {
    /// JSON API under `/api/v1`, annotated for the OpenAPI document.
    pub api: OpenApiRouter<AppState>,
    /// Pages and forms: method, path and handler, listed for the permission matrix.
    pub ui: Vec<(Method, &'static str, MethodRouter<AppState>)>,
}

impl Routes {
    /// The API operations `api`.
    pub fn api(mut self, api: OpenApiRouter<AppState>) -> Routes {
        self.api = self.api.merge(api);
        self
    }

    /// One page or form.
    pub fn page(mut self, method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Routes {
        self.ui.push((method, path, handler));
        self
    }

    /// These routes and `other`'s.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.api = self.api.merge(other.api);
        self.ui.extend(other.ui);
        self
    }

    /// The pages as an axum router.
    pub fn ui_router(ui: Vec<(Method, &'static str, MethodRouter<AppState>)>) -> Router<AppState> {
        ui.into_iter().fold(Router::new(), |r, (_, path, mr)| r.route(path, mr))
    }
}
