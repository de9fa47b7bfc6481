//! The forms of an incident's page: an event (an action of the caller's), a file attached, an
//! attachment downloaded; and the reasons a refused form shows, in words.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::{ProjectAccess, authorize};
use yunwei_app::incident::{self as uc, NewEvent};
use yunwei_domain::id::IncidentId;
use yunwei_domain::identity::Permission;

use super::detail::detail_page;
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::{CheckedForm, csrf_failed, csrf_ok};
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, error_page};
use crate::ui::time::{parse_local, tz_of};

/// The field names of this page's forms, in Chinese.
fn label(f: &str) -> String {
    field_label(f).to_owned()
}

/// How this page words a refused form.
const FORM: FormErrors = FormErrors::new(label).stale("故障已被他人更新，请刷新后重试");

/// The words of a refusal the page can show; other errors become error pages.
pub(super) fn reasons(e: AppError) -> Result<String, AppError> {
    FORM.reasons(e)
}

fn field_label(f: &str) -> &str {
    match f {
        "title" => "标题",
        "severity" => "级别",
        "channel" => "渠道",
        "scope" => "影响范围",
        "reported_at" => "报障时间",
        "department" => "科室",
        "description" => "描述",
        "ci" => "配置项",
        "at" => "发生时间",
        "cause" => "故障原因",
        "action" => "处理措施",
        "prevention" => "预防措施",
        "note" => "备注",
        "to" => "升级对象",
        "assignee" => "处理人",
        "score" => "满意度",
        "file" => "附件",
        "name" => "文件名",
        other => other,
    }
}

/// An action form.
#[derive(Deserialize, Default)]
pub struct EventForm {
    #[serde(default)]
    _csrf: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    prevention: String,
    #[serde(default)]
    version: Option<i64>,
}

/// The caller's access to project `code` if incident `id` is in it and they may read it there;
/// else the page they get instead.
async fn incident_in_project(
    st: &AppState,
    auth: &Auth,
    code: &str,
    id: IncidentId,
) -> Result<ProjectAccess, Response> {
    let access = authorize(&st.app, &auth.actor, code, Permission::IncidentRead).await.map_err(app_error_page)?;
    match uc::in_project(&st.app, &access, id).await {
        Ok(()) => Ok(access),
        Err(AppError::NotFound(_)) => Err(error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个故障。")),
        Err(e) => Err(app_error_page(e)),
    }
}

/// `POST /p/{code}/incidents/{id}/events`.
pub async fn event(
    State(st): State<AppState>,
    Path((code, id)): Path<(String, IncidentId)>,
    CheckedForm(auth, f): CheckedForm<EventForm>,
) -> Response {
    let access = match incident_in_project(&st, &auth, &code, id).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let result = match parse_local("发生时间", &f.at, tz_of(&access)) {
        Err(msg) => Err(AppError::Invalid(yunwei_domain::ValidationErrors::single("at", msg))),
        Ok(at) => {
            let input = NewEvent {
                kind: f.kind.clone(),
                at,
                note: opt(&f.note),
                severity: opt(&f.severity),
                to: opt(&f.to),
                assignee: opt(&f.assignee),
                score: f.score.trim().parse().ok(),
                cause: opt(&f.cause),
                action: opt(&f.action),
                prevention: opt(&f.prevention),
            };
            uc::add_event(&st.app, &auth.actor, id, input, f.version).await
        }
    };
    match result {
        Ok(_) => Redirect::to(&format!("/p/{code}/incidents/{id}")).into_response(),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                detail_page(&st, &auth, &code, id, format!("未能执行：{msg}"), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}

/// `POST /p/{code}/incidents/{id}/attachments`: a file from the incident page (multipart form).
pub async fn upload(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, IncidentId)>,
    mut form: axum::extract::Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut file: Option<yunwei_app::files::Upload> = None;
    let too_large = format!("未能上传：附件最大 {} MB", yunwei_app::files::MAX_ATTACHMENT_BYTES / 1024 / 1024);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return detail_page(&st, &auth, &code, id, too_large, StatusCode::PAYLOAD_TOO_LARGE).await,
        };
        match field.name().unwrap_or_default() {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some(yunwei_app::files::Upload { name, content_type, data: b.to_vec() }),
                    Err(_) => {
                        return detail_page(&st, &auth, &code, id, too_large, StatusCode::PAYLOAD_TOO_LARGE).await;
                    }
                }
            }
            _ => {}
        }
    }
    if !csrf_ok(&auth, &csrf) {
        return csrf_failed();
    }
    if let Err(page) = incident_in_project(&st, &auth, &code, id).await {
        return page;
    }
    let Some(file) = file else {
        return detail_page(&st, &auth, &code, id, "未能上传：请选择文件".into(), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    if file.data.len() > yunwei_app::files::MAX_ATTACHMENT_BYTES {
        return detail_page(&st, &auth, &code, id, too_large, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    match uc::attach(&st.app, &auth.actor, id, file).await {
        Ok(_) => Redirect::to(&format!("/p/{code}/incidents/{id}")).into_response(),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                detail_page(&st, &auth, &code, id, format!("未能上传：{msg}"), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}

/// `GET /p/{code}/incidents/{id}/attachments/{attachment}`.
pub async fn attachment(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id, attachment)): Path<(String, IncidentId, yunwei_domain::id::AttachmentId)>,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, &code, Permission::IncidentRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    match uc::attachment(&st.app, &auth.actor, id, attachment).await {
        Ok((a, data)) if a.file.project_id == access.project.id => {
            crate::http::files::download_file(&a.file.name, &a.file.content_type, data)
        }
        Ok(_) | Err(AppError::NotFound(_)) => error_page(StatusCode::NOT_FOUND, "页面不存在", "没有这个附件。"),
        Err(e) => app_error_page(e),
    }
}
