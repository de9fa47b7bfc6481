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
        Invalid = 422,
        PreconditionRequired = 428,
    );
}
