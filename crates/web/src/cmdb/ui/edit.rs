//! Editing a CI on its own page: every column of the 信息资产统计 sheet as one field, read back
//! through the import's grammar (so the form and a spreadsheet agree on every value), saved
//! only if nobody saved in between; and removing a relation.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use yunwei_app::cmdb as uc;
use yunwei_domain::cmdb::{self as domain, SheetColumn};
use yunwei_domain::id::{CiId, RelationId};
use yunwei_domain::identity::Permission;

use super::cis::reasons;
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;

/// One field of the form.
struct Field {
    name: String,
    label: &'static str,
    value: String,
    wide: bool,
    list: &'static str,
}

#[derive(Template)]
#[template(path = "cmdb/ci_edit.html")]
struct EditPage {
    shell: Shell,
    code: String,
    id: i64,
    name: String,
    version: i64,
    fields: Vec<Field>,
    types: Vec<&'static str>,
    statuses: Vec<&'static str>,
    error: String,
}

fn fields(values: &[String]) -> Vec<Field> {
    SheetColumn::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| Field {
            name: format!("c{i}"),
            label: c.header(),
            value: values.get(i).cloned().unwrap_or_default(),
            wide: matches!(c, SheetColumn::Name | SheetColumn::Ips | SheetColumn::Attributes),
            list: match c {
                SheetColumn::Type => "ci-types",
                SheetColumn::Status => "ci-statuses",
                _ => "",
            },
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn edit_page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    id: CiId,
    typed: Option<(Vec<String>, i64)>,
    error: String,
    status: StatusCode,
) -> Response {
    let (access, v) = match super::ci::project_ci(st, auth, code, id, Permission::CmdbWrite).await {
        Ok(found) => found,
        Err(e) => return app_error_page(e),
    };
    let (values, version) = match typed {
        Some(t) => t,
        None => match uc::sheet_cells(&v) {
            Ok(cells) => (cells, v.row.version),
            Err(e) => return app_error_page(e),
        },
    };
    let shell = match Shell::build(st, auth, format!("编辑 {}", v.row.name), Some(&access), "cmdb").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let page = EditPage {
        shell,
        code: code.to_owned(),
        id: id.get(),
        name: v.row.name.clone(),
        version,
        fields: fields(&values),
        types: domain::CI_TYPES.iter().map(|t| t.name_zh).collect(),
        statuses: domain::CiStatus::ALL.iter().map(|s| s.label()).collect(),
        error,
    };
    (status, render(&page)).into_response()
}

/// `GET /p/{code}/cis/{id}/edit`.
pub async fn form(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path((code, id)): Path<(String, CiId)>,
) -> Response {
    edit_page(&st, &auth, &code, id, None, String::new(), StatusCode::OK).await
}

/// `POST /p/{code}/cis/{id}`: saves the form if the CI is still at the version it showed.
pub async fn save(
    State(st): State<AppState>,
    Path((code, id)): Path<(String, CiId)>,
    CheckedForm(auth, f): CheckedForm<HashMap<String, String>>,
) -> Response {
    let cells: Vec<String> =
        (0..SheetColumn::ALL.len()).map(|i| f.get(&format!("c{i}")).cloned().unwrap_or_default()).collect();
    let version = f.get("version").and_then(|v| v.trim().parse::<i64>().ok());
    // The CI must be this project's before anything is read from the form.
    if let Err(e) = super::ci::ci_in_project(&st, &auth, &code, id).await {
        return app_error_page(e);
    }
    let result = match super::cis::parse_row(cells.clone()) {
        Ok(input) => uc::update(&st.app, &auth.actor, id, version, &input, None).await.map_err(reasons),
        Err(msg) => Err(Ok(msg)),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/p/{code}/cis/{id}")).into_response(),
        Err(Ok(msg)) => {
            let typed = Some((cells, version.unwrap_or_default()));
            let msg = format!("未能保存：{msg}");
            edit_page(&st, &auth, &code, id, typed, msg, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Err(e)) => app_error_page(e),
    }
}

/// `POST /p/{code}/cis/{id}/relations/{relation}/delete`.
pub async fn unrelate(
    State(st): State<AppState>,
    Path((code, id, relation)): Path<(String, CiId, RelationId)>,
    CheckedForm(auth, _f): CheckedForm<HashMap<String, String>>,
) -> Response {
    if let Err(e) = super::ci::ci_in_project(&st, &auth, &code, id).await {
        return app_error_page(e);
    }
    match uc::delete_relation(&st.app, &auth.actor, id, relation).await {
        Ok(()) => Redirect::to(&format!("/p/{code}/cis/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}
