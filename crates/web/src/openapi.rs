//! The OpenAPI document's fixed parts: title, tags, the bearer scheme (declared once for the whole
//! document; only `login` opts out), and the problem responses operations list by status. Paths
//! come from each module's `routes()`.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::error::Problem;

/// The document without paths.
#[derive(OpenApi)]
#[openapi(
    info(title = "yunwei API", description = "医院信息化运维服务平台接口。约定见 docs/API.md。", version = "1"),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "登录、会话与 API 令牌"),
        (name = "users", description = "用户、机构与科室"),
        (name = "projects", description = "服务项目与成员"),
        (name = "audit", description = "审计日志"),
        (name = "contract", description = "服务合同与 SLA 时限"),
        (name = "servicedesk", description = "服务台：故障报修、处理事件、附件、通知与升级"),
        (name = "cmdb", description = "配置管理：配置项、IP 地址、关系、影响分析与历史"),
        (name = "inspection", description = "巡检：模板、巡检记录、异常转故障与巡检报告"),
        (name = "monitoring", description = "监控接入：Alertmanager、Zabbix 告警与备份作业报告"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Adds to every operation the problem responses its extractors answer before the handler runs, so
/// that no handler has to list them by hand and none can forget one (schemathesis found 25 missing):
/// 401 without a valid token (every operation but the public ones), 422 for a path or query
/// parameter that does not parse ([`crate::http::extract::ApiPath`], `ApiQuery`), and for a JSON body
/// 415 for another content type, 400 for malformed JSON, 422 for a missing or mistyped field
/// ([`crate::http::extract::ApiJson`]).
pub fn add_extractor_problems(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::ParameterIn;
    for item in doc.paths.paths.values_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            let public = op.security.as_ref().is_some_and(|reqs| {
                reqs.iter().all(|r| serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty())))
            });
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_params = params
                .iter()
                .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query)));
            let json_body = op
                .request_body
                .as_ref()
                .is_some_and(|b| matches!(b, RefOr::T(b) if b.content.keys().any(|c| c == "application/json" || c.ends_with("+json"))));
            let mut add = |set: std::collections::BTreeMap<String, RefOr<utoipa::openapi::Response>>| {
                for (status, response) in set {
                    op.responses.responses.entry(status).or_insert(response);
                }
            };
            if !public {
                add(problems::Unauthorized::responses());
            }
            if has_params || json_body {
                add(problems::Invalid::responses());
            }
            if json_body {
                add(problems::BadRequest::responses());
                add(problems::UnsupportedMediaType::responses());
            }
        }
    }
}

/// Problem responses an operation lists by status: `responses((status = 200, …), NotFound, Invalid)`.
/// No doc comments on them: the description would enter every operation of the document.
pub mod problems {
    use super::{IntoResponses, Problem};

    macro_rules! problem {
        ($($name:ident = $status:literal),* $(,)?) => {$(
            #[derive(IntoResponses)]
            #[response(status = $status, content_type = "application/problem+json")]
            #[allow(dead_code, missing_docs)]
            pub struct $name(Problem);
        )*};
    }

    problem!(
        BadRequest = 400,
        Unauthorized = 401,
        Forbidden = 403,
        NotFound = 404,
        Conflict = 409,
        PreconditionFailed = 412,
        TooLarge = 413,
        UnsupportedMediaType = 415,
        Invalid = 422,
        PreconditionRequired = 428,
    );
}
