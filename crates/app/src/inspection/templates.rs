//! Templates: the seeds' built-ins and the project's own, every version kept.

use chrono::{DateTime, Utc};
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{self as domain, Template, TemplateInput, audit};
use yunwei_store::inspection::{self as store, TemplateRow};

use crate::access::authorize;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// A template as listed: a built-in (version 0) or the project's own.
#[derive(Debug, Clone)]
pub struct TemplateView {
    pub template: Template,
    pub builtin: bool,
    /// The project template's current version; 0 for a built-in.
    pub version: i64,
    /// The built-in it was copied from.
    pub based_on: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn own_view(r: &TemplateRow) -> Result<TemplateView, AppError> {
    let template: Template = serde_json::from_str(&r.document)
        .map_err(|e| AppError::Internal(format!("inspection template {} unreadable: {e}", r.id)))?;
    Ok(TemplateView {
        template,
        builtin: false,
        version: r.version,
        based_on: r.based_on.clone(),
        updated_at: Some(r.updated_at),
    })
}

fn builtin_view(t: &Template) -> TemplateView {
    TemplateView { template: t.clone(), builtin: true, version: 0, based_on: None, updated_at: None }
}

/// The built-ins, then the project's own templates.
pub async fn templates(app: &App, actor: &Actor, code: &str) -> Result<Vec<TemplateView>, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    let mut out: Vec<TemplateView> = domain::builtins().iter().map(builtin_view).collect();
    for r in store::templates(&app.db, access.project.id).await? {
        out.push(own_view(&r)?);
    }
    Ok(out)
}

/// One template by code: the project's own, or a built-in.
pub async fn template(app: &App, actor: &Actor, code: &str, template_code: &str) -> Result<TemplateView, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    let mut tx = app.db.begin().await?;
    let found = find_template(&mut tx, access.project.id, template_code).await?;
    drop(tx);
    Ok(found.0)
}

pub(super) async fn find_template(
    tx: &mut yunwei_store::Tx,
    project_id: i64,
    template_code: &str,
) -> Result<(TemplateView, Option<TemplateRow>), AppError> {
    if let Some(r) = store::template_tx(tx, project_id, template_code).await? {
        return Ok((own_view(&r)?, Some(r)));
    }
    domain::builtin(template_code)
        .map(|t| (builtin_view(t), None))
        .ok_or_else(|| AppError::NotFound(format!("巡检模板 {template_code} 不存在")))
}

/// A template by code inside a transaction: the project's own, or a built-in.
pub(crate) async fn find_template_tx(
    tx: &mut yunwei_store::Tx,
    project_id: i64,
    template_code: &str,
) -> Result<TemplateView, AppError> {
    Ok(find_template(tx, project_id, template_code).await?.0)
}

async fn severities(app: &App, project_id: i64) -> Result<Vec<String>, AppError> {
    let t = crate::terms::current(app, project_id).await?;
    Ok(t.contract.severities.keys().cloned().collect())
}

/// A new template of the project: written out in full, or copied from a built-in or another of
/// the project's templates (`copy_of`) under a new code and name.
pub async fn create_template(
    app: &App,
    actor: &Actor,
    code: &str,
    mut input: TemplateInput,
    copy_of: Option<&str>,
) -> Result<TemplateView, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionTemplateWrite).await?;
    let pid = access.project.id;
    let sev = severities(app, pid).await?;
    let mut tx = app.db.begin().await?;
    let mut based_on = None;
    if let Some(src) = copy_of {
        let (view, _) = find_template(&mut tx, pid, src)
            .await
            .map_err(|_| ValidationErrors::single("copy_of", format!("没有代码为“{src}”的巡检模板")))?;
        based_on = Some(view.based_on.clone().unwrap_or_else(|| view.template.code.clone()));
        if input.items.is_empty() {
            let from = view.template.to_input();
            input.items = from.items;
            input.header = if input.header.is_empty() { from.header } else { input.header };
            input.ci_types = if input.ci_types.is_empty() { from.ci_types } else { input.ci_types };
            input.cycle = input.cycle.or(from.cycle);
            input.source = input.source.or(from.source);
            input.title = input.title.or(from.title);
        }
    }
    let sev_refs: Vec<&str> = sev.iter().map(String::as_str).collect();
    let t = domain::validate(&input, &sev_refs)?;
    if domain::builtin(&t.code).is_some() {
        return Err(AppError::Conflict {
            field: "code".into(),
            reason: format!("“{}”是内置模板的代码，请换一个", t.code),
        });
    }
    let now = app.now();
    let row = TemplateRow {
        id: 0,
        project_id: pid,
        code: t.code.clone(),
        name: t.name.clone(),
        version: 1,
        based_on,
        document: serde_json::to_string(&t).map_err(|e| AppError::Internal(e.to_string()))?,
        created_at: now,
        created_by: actor.username.clone(),
        updated_at: now,
    };
    let id = store::insert_template(&mut tx, &row).await.map_err(|e| match e {
        yunwei_store::StoreError::Unique(_) => AppError::Conflict {
            field: "code".into(),
            reason: format!("本项目已有代码为“{}”的巡检模板", t.code),
        },
        e => e.into(),
    })?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::TEMPLATE_CREATE,
            entity_id: id.to_string(),
            summary: json!({ "after": { "code": t.code, "name": t.name, "items": t.items.len(), "based_on": row.based_on } }),
        },
    )
    .await?;
    tx.commit().await?;
    own_view(&TemplateRow { id, ..row })
}

/// Saves a new version of one of the project's templates (`expected_version` from `If-Match`).
/// Executions already created keep the version they were filled in against.
pub async fn update_template(
    app: &App,
    actor: &Actor,
    code: &str,
    template_code: &str,
    mut input: TemplateInput,
    expected_version: i64,
) -> Result<TemplateView, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionTemplateWrite).await?;
    let pid = access.project.id;
    let sev = severities(app, pid).await?;
    let mut tx = app.db.begin().await?;
    let cur = match store::template_tx(&mut tx, pid, template_code).await? {
        Some(r) => r,
        None if domain::builtin(template_code).is_some() => {
            return Err(AppError::Conflict {
                field: "code".into(),
                reason: "内置模板不能修改；请先复制为本项目的模板再编辑".into(),
            });
        }
        None => return Err(AppError::NotFound(format!("巡检模板 {template_code} 不存在"))),
    };
    if cur.version != expected_version {
        return Err(AppError::Stale { current: cur.version });
    }
    // The code names the template; it is not changed by an edit.
    input.code = cur.code.clone();
    let sev_refs: Vec<&str> = sev.iter().map(String::as_str).collect();
    let t = domain::validate(&input, &sev_refs)?;
    let now = app.now();
    let row = TemplateRow {
        name: t.name.clone(),
        version: cur.version + 1,
        document: serde_json::to_string(&t).map_err(|e| AppError::Internal(e.to_string()))?,
        updated_at: now,
        created_by: actor.username.clone(),
        ..cur.clone()
    };
    if !store::update_template(&mut tx, &row).await? {
        return Err(AppError::Stale { current: cur.version + 1 });
    }
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::TEMPLATE_UPDATE,
            entity_id: cur.id.to_string(),
            summary: json!({ "version": row.version, "items": t.items.len() }),
        },
    )
    .await?;
    tx.commit().await?;
    own_view(&TemplateRow { created_by: cur.created_by, ..row })
}
