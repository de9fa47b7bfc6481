//! Rendering a page, and errors as pages of the right status.

use askama::Template;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use yunwei_app::AppError;

use crate::error::{ApiError, current_request_id};

/// Renders a template as a response.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    detail: String,
    request_id: String,
}

/// An error as an HTML page of the right status.
pub fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title: title.to_owned(),
        detail: detail.to_owned(),
        request_id: current_request_id().unwrap_or_default(),
    };
    (status, render(&page)).into_response()
}

/// Maps a use-case error to an HTML page.
pub fn app_error_page(e: AppError) -> Response {
    let api: ApiError = e.into();
    let status = api.status();
    let (title, detail) = match status {
        StatusCode::NOT_FOUND => ("页面不存在", "您要找的内容不存在，或您不是该项目的成员。"),
        StatusCode::FORBIDDEN => ("无权访问", "您当前的角色无权查看此页面。"),
        StatusCode::UNAUTHORIZED => ("请先登录", "会话已过期，请重新登录。"),
        StatusCode::SERVICE_UNAVAILABLE => {
            ("暂时无法保存", "服务器存储空间已满，本次操作没有保存。请联系管理员清理磁盘后重试。")
        }
        _ => ("出错了", "服务器处理请求时出错，请将请求编号告知管理员。"),
    };
    error_page(status, title, detail)
}

/// Fallback for unknown paths: problem+json under `/api`, a page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "不存在", format!("没有接口 {}", uri.path())).into_response()
    } else {
        error_page(StatusCode::NOT_FOUND, "页面不存在", "您要找的页面不存在。")
    }
}
