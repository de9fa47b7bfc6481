//! Organisations (hospitals, vendors) and their departments.

use chrono::{DateTime, Utc};
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::id::OrganizationId;
use yunwei_domain::identity::OrgKind;
use yunwei_domain::identity::audit;
use yunwei_domain::text::BoundedText;
use yunwei_store::Tx;
use yunwei_store::identity as store;

use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// All organisations with their departments (any logged-in user: reporters pick their
/// department when reporting a fault).
pub async fn list_organizations(
    app: &App,
) -> Result<Vec<(store::OrganizationRow, Vec<store::DepartmentRow>)>, AppError> {
    let orgs = store::list_organizations(&app.db).await?;
    let mut out = Vec::with_capacity(orgs.len());
    for o in orgs {
        let d = store::list_departments(&app.db, o.id).await?;
        out.push((o, d));
    }
    Ok(out)
}

/// Creates an organisation (installation administrators); a duplicate name is a conflict.
pub async fn create_organization(app: &App, actor: &Actor, kind: &str, name: &str) -> Result<i64, AppError> {
    if !actor.is_admin {
        return Err(AppError::Forbidden("只有系统管理员可以添加机构".into()));
    }
    let mut errs = ValidationErrors::default();
    let kind: Option<OrgKind> = kind.parse().map_err(|e: ValidationErrors| errs.0.extend(e.0)).ok();
    let name = BoundedText::<100>::required(&mut errs, "name", name);
    errs.into_result()?;
    let (Some(kind), Some(name)) = (kind, name) else {
        return Err(AppError::Internal("unreachable".into()));
    };
    let name = name.as_str();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if store::organization_by_name(&mut tx, name).await?.is_some() {
        return Err(AppError::Conflict { field: "name".into(), reason: "已有同名机构".into() });
    }
    let id = insert_organization(&mut tx, Some(actor), kind, name, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a department to an organisation (installation administrators).
pub async fn create_department(
    app: &App,
    actor: &Actor,
    organization_id: OrganizationId,
    name: &str,
) -> Result<i64, AppError> {
    let organization_id = organization_id.get();
    if !actor.is_admin {
        return Err(AppError::Forbidden("只有系统管理员可以添加科室".into()));
    }
    let name = BoundedText::<100>::parse(name).map_err(|e| ValidationErrors::single("name", e.reason()))?;
    let name = name.as_str();
    if store::organization_by_id(&app.db, organization_id).await?.is_none() {
        return Err(AppError::NotFound(format!("机构 {organization_id} 不存在")));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if store::department_by_name(&mut tx, organization_id, name).await?.is_some() {
        return Err(AppError::Conflict { field: "name".into(), reason: "该机构已有同名科室".into() });
    }
    let id = insert_department(&mut tx, Some(actor), organization_id, name, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts an organisation with its audit entry, inside the caller's transaction.
async fn insert_organization(
    tx: &mut Tx,
    actor: Option<&Actor>,
    kind: OrgKind,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let id = store::insert_organization(tx, kind.code(), name, now).await?;
    let summary = json!({ "after": { "kind": kind.code(), "name": name } });
    let change = Record { project_id: None, code: audit::ORGANIZATION_CREATE, entity_id: id.to_string(), summary };
    record(tx, actor, now, change).await?;
    Ok(id)
}

/// Inserts a department with its audit entry, inside the caller's transaction.
async fn insert_department(
    tx: &mut Tx,
    actor: Option<&Actor>,
    organization_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let id = store::insert_department(tx, organization_id, name, now).await?;
    let summary = json!({ "after": { "organization_id": organization_id, "name": name } });
    let change = Record { project_id: None, code: audit::DEPARTMENT_CREATE, entity_id: id.to_string(), summary };
    record(tx, actor, now, change).await?;
    Ok(id)
}

/// Creates an organisation if none has that name; returns its id.
pub async fn ensure_organization(app: &App, actor: Option<&Actor>, kind: OrgKind, name: &str) -> Result<i64, AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if let Some(o) = store::organization_by_name(&mut tx, name).await? {
        return Ok(o.id);
    }
    let id = insert_organization(&mut tx, actor, kind, name, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates a department of an organisation if missing; returns its id.
pub async fn ensure_department(
    app: &App,
    actor: Option<&Actor>,
    organization_id: OrganizationId,
    name: &str,
) -> Result<i64, AppError> {
    let organization_id = organization_id.get();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if let Some(d) = store::department_by_name(&mut tx, organization_id, name).await? {
        return Ok(d.id);
    }
    let id = insert_department(&mut tx, actor, organization_id, name, now).await?;
    tx.commit().await?;
    Ok(id)
}
