//! Errors of the HTTP layer as RFC 9457 problem details (`application/problem+json`).
//!
//! Policy: every 4xx names what is wrong (the field and the reason where there is one); a 500 is
//! logged once with its request id and answered with that id only — never the cause.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use yunwei_app::AppError;
use yunwei_domain::FieldError;

tokio::task_local! {
    /// The id of the request being served, for error bodies and logs.
    pub static REQUEST_ID: String;
}

/// The current request id, if inside a request.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// One invalid field in a problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// Field path, e.g. `username`.
    pub field: String,
    /// Why it is invalid.
    pub reason: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Problem type URI (relative: the product runs without internet).
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Explanation of this occurrence, in Chinese.
    pub detail: String,
    /// Request id, to quote when asking for help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Invalid fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// The current version, for 412 answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

/// An error answered as problem+json (boxed: errors travel in every `Result` of the layer).
#[derive(Debug)]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    status: StatusCode,
    problem: Problem,
    retry_after: Option<i64>,
}

impl ApiError {
    /// A problem of `status` with a type slug, title and detail.
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            status,
            problem: Problem {
                type_: format!("/problems/{slug}"),
                title: title.to_owned(),
                status: status.as_u16(),
                detail: detail.into(),
                request_id: current_request_id(),
                errors: Vec::new(),
                current_version: None,
            },
            retry_after: None,
        }))
    }

    /// The fields a validation problem names, in order.
    pub fn fields(&self) -> Vec<&str> {
        self.0.problem.errors.iter().map(|f| f.field.as_str()).collect()
    }

    /// A validation problem naming each field.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("；");
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "输入无效", detail);
        e.0.problem.errors = errors.into_iter().map(|f| ProblemField { field: f.field, reason: f.reason }).collect();
        e
    }

    /// 413 naming the field whose content is too large.
    pub fn too_large(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        let mut e = Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "内容过大", format!("{field}: {reason}"));
        e.0.problem.errors = vec![ProblemField { field: field.to_owned(), reason }];
        e
    }

    /// 400 for a body that is not even well-formed.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "请求格式错误", detail)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// A validation problem as a 400 (monitoring senders: a payload is well-formed or not),
    /// still naming each field; other problems unchanged.
    pub fn payload_problem(mut self) -> Self {
        if self.0.status == StatusCode::UNPROCESSABLE_ENTITY {
            self.0.status = StatusCode::BAD_REQUEST;
            self.0.problem.status = 400;
            self.0.problem.type_ = "/problems/bad-payload".into();
            self.0.problem.title = "告警内容无效".into();
        }
        self
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated(m) => {
                Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "未登录或凭据无效", m)
            }
            AppError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", "无权操作", m),
            AppError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, "not-found", "不存在", m),
            AppError::Invalid(v) => Self::invalid(v.0),
            AppError::Conflict { field, reason } => {
                let mut e = Self::new(StatusCode::CONFLICT, "conflict", "与现有数据冲突", format!("{field}: {reason}"));
                e.0.problem.errors = vec![ProblemField { field, reason }];
                e
            }
            AppError::Stale { current } => {
                let mut e = Self::new(
                    StatusCode::PRECONDITION_FAILED,
                    "stale",
                    "数据已被他人修改",
                    format!("记录已更新到版本 {current}，请刷新后重试"),
                );
                e.0.problem.current_version = Some(current);
                e
            }
            AppError::PreconditionRequired => Self::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "缺少 If-Match",
                "更新须带 If-Match 请求头（取自 GET 返回的 ETag）",
            ),
            AppError::Throttled { retry_after_secs } => {
                let mins = (retry_after_secs + 59) / 60;
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    "尝试次数过多",
                    format!("登录失败次数过多，请 {mins} 分钟后再试"),
                );
                e.0.retry_after = Some(retry_after_secs);
                e
            }
            AppError::Unavailable(reason) => {
                let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "暂时无法保存", reason);
                e.0.retry_after = Some(60);
                e
            }
            AppError::Internal(cause) => {
                tracing::error!(request_id = current_request_id().as_deref().unwrap_or("-"), %cause, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误",
                    "服务器内部错误，请将请求编号告知管理员",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let Inner { status, problem, retry_after } = *self.0;
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(s) = retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}
