//! Projects (service contracts) and their members. Every project-scoped use case starts with
//! [`authorize`]: a project the caller is not a member of is "not found", never "forbidden".

use chrono::{DateTime, Utc};
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::audit::diff_summary;
use yunwei_domain::identity::{OrgKind, Permission, ProjectCode, Role, RoleSet};
use yunwei_domain::text::BoundedText;
use yunwei_store::Tx;
use yunwei_store::identity as ids;
use yunwei_store::project::{self as store, NewProject, ProjectUpdate};

use yunwei_domain::identity::audit;

use crate::access::{ProjectAccess, authorize, parse_roles, project_not_found as not_found};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::identity::ensure_organization;
use crate::{App, AppError};

/// The stored records, typed.
pub use yunwei_store::identity::MemberRow;
pub use yunwei_store::project::ProjectRow;

/// The projects the caller is a member of, with their roles.
pub async fn list_mine(app: &App, actor: &Actor) -> Result<Vec<ProjectAccess>, AppError> {
    let rows = store::list_for_user(&app.db, actor.user_id.get()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        let roles = RoleSet(parse_roles(&ids::roles_in_project(&app.db, p.id, actor.user_id.get()).await?));
        out.push(ProjectAccess { project: p, roles });
    }
    Ok(out)
}

/// Input for a new project.
pub struct NewProjectInput<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub hospital: Option<&'a str>,
    pub vendor: Option<&'a str>,
    pub timezone: Option<&'a str>,
}

fn check_timezone(tz: &str, errs: &mut ValidationErrors) {
    if yunwei_domain::time::parse_tz(tz).is_none() {
        errs.push("timezone", format!("未知时区“{tz}”，须为 IANA 名称，例如 Asia/Shanghai"));
    }
}

/// Creates a project (installation administrators, or the CLI with `actor = None`).
pub async fn create(app: &App, actor: Option<&Actor>, input: NewProjectInput<'_>) -> Result<ProjectRow, AppError> {
    let prepared = prepare_create(app, actor, input).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = create_in(&mut tx, actor, now, &prepared).await?;
    tx.commit().await?;
    Ok(row)
}

/// A validated new project whose organisations exist.
pub struct PreparedProject {
    code: ProjectCode,
    name: String,
    timezone: String,
    hospital_org_id: Option<i64>,
    vendor_org_id: Option<i64>,
}

/// Checks the caller and the input of a new project and makes sure its organisations exist
/// (idempotent reference data, so done before the project's own transaction).
pub async fn prepare_create(
    app: &App,
    actor: Option<&Actor>,
    input: NewProjectInput<'_>,
) -> Result<PreparedProject, AppError> {
    if let Some(a) = actor
        && !a.is_admin
    {
        return Err(AppError::Forbidden("只有系统管理员可以创建项目".into()));
    }
    let mut errs = ValidationErrors::default();
    let code = ProjectCode::parse(input.code, "code").map_err(|e| errs.0.extend(e.0)).ok();
    let name = BoundedText::<100>::required(&mut errs, "name", input.name);
    let tz = input.timezone.unwrap_or(yunwei_domain::time::DEFAULT_TZ_NAME);
    check_timezone(tz, &mut errs);
    errs.into_result()?;
    let name = name.map(String::from).unwrap_or_default();
    let Some(code) = code else {
        return Err(AppError::Internal("unreachable".into()));
    };
    let hospital_org_id = match input.hospital {
        Some(h) => Some(ensure_organization(app, actor, OrgKind::Hospital, h).await?),
        None => None,
    };
    let vendor_org_id = match input.vendor {
        Some(v) => Some(ensure_organization(app, actor, OrgKind::Vendor, v).await?),
        None => None,
    };
    Ok(PreparedProject { code, name: name.to_owned(), timezone: tz.to_owned(), hospital_org_id, vendor_org_id })
}

/// Inserts a prepared project inside the caller's transaction, with its audit entry.
pub async fn create_in(
    tx: &mut Tx,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
    p: &PreparedProject,
) -> Result<ProjectRow, AppError> {
    let code = p.code.as_str();
    if store::by_code_tx(tx, code).await?.is_some() {
        return Err(AppError::Conflict { field: "code".into(), reason: "项目代码已存在".into() });
    }
    let id = store::insert(
        tx,
        &NewProject {
            code,
            name: &p.name,
            hospital_org_id: p.hospital_org_id,
            vendor_org_id: p.vendor_org_id,
            timezone: &p.timezone,
            now,
        },
    )
    .await?;
    record(
        tx,
        actor,
        now,
        Record {
            project_id: Some(id),
            code: audit::PROJECT_CREATE,
            entity_id: id.to_string(),
            summary: json!({ "after": { "code": code, "name": p.name, "timezone": p.timezone } }),
        },
    )
    .await?;
    store::by_code_tx(tx, code).await?.ok_or_else(|| not_found(code))
}

/// Changes to a project; `None` keeps the current value.
#[derive(Debug, Default)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub active: Option<bool>,
}

/// Updates a project if it is still at `expected_version` (optimistic concurrency: a stale
/// version is refused with [`AppError::Stale`] and nothing is written).
pub async fn update(
    app: &App,
    actor: &Actor,
    code: &str,
    expected_version: Option<i64>,
    patch: ProjectPatch,
) -> Result<ProjectRow, AppError> {
    let access = authorize(app, actor, code, Permission::ProjectUpdate).await?;
    let Some(expected) = expected_version else {
        return Err(AppError::PreconditionRequired);
    };
    let cur = access.project;
    let mut errs = ValidationErrors::default();
    let name = BoundedText::<100>::required(&mut errs, "name", patch.name.as_deref().unwrap_or(&cur.name));
    let tz = patch.timezone.clone().unwrap_or_else(|| cur.timezone.clone());
    check_timezone(&tz, &mut errs);
    errs.into_result()?;
    let name = name.map(String::from).unwrap_or_default();
    let active = patch.active.unwrap_or(cur.active);
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let updated =
        store::update_if_version(&mut tx, cur.id, expected, &ProjectUpdate { name: &name, timezone: &tz, active, now })
            .await?;
    if !updated {
        let current = store::by_code_tx(&mut tx, code).await?.map(|p| p.version).unwrap_or_default();
        return Err(AppError::Stale { current });
    }
    let before = json!({ "name": cur.name, "timezone": cur.timezone, "active": cur.active });
    let after = json!({ "name": name, "timezone": tz, "active": active });
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(cur.id),
            code: audit::PROJECT_UPDATE,
            entity_id: cur.id.to_string(),
            summary: diff_summary(&before, &after),
        },
    )
    .await?;
    let row = store::by_code_tx(&mut tx, code).await?.ok_or_else(|| not_found(code))?;
    tx.commit().await?;
    app.caches.identity_changed();
    Ok(row)
}

/// Members of a project.
pub async fn members(app: &App, actor: &Actor, code: &str) -> Result<Vec<ids::MemberRow>, AppError> {
    let access = authorize(app, actor, code, Permission::MembersRead).await?;
    Ok(ids::list_members(&app.db, access.project.id).await?)
}

/// Grants `role` in project `code` to `username`. `actor = None` is the CLI (the system); an
/// actor needs [`Permission::MembersManage`] in the project.
pub async fn grant(app: &App, actor: Option<&Actor>, code: &str, username: &str, role: &str) -> Result<bool, AppError> {
    change_membership(app, actor, code, username, role, true).await
}

/// Revokes `role` in project `code` from `username`.
pub async fn revoke(
    app: &App,
    actor: Option<&Actor>,
    code: &str,
    username: &str,
    role: &str,
) -> Result<bool, AppError> {
    change_membership(app, actor, code, username, role, false).await
}

async fn change_membership(
    app: &App,
    actor: Option<&Actor>,
    code: &str,
    username: &str,
    role: &str,
    grant: bool,
) -> Result<bool, AppError> {
    let role: Role = role.parse()?;
    let project = match actor {
        Some(a) => authorize(app, a, code, Permission::MembersManage).await?.project,
        None => store::by_code(&app.db, code).await?.ok_or_else(|| not_found(code))?,
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let user = ids::user_by_username_tx(&mut tx, &username.trim().to_ascii_lowercase())
        .await?
        .ok_or_else(|| ValidationErrors::single("username", format!("用户 {username} 不存在")))?;
    let changed = if grant {
        ids::grant_role(&mut tx, project.id, user.id, role.code(), now).await?
    } else {
        ids::revoke_role(&mut tx, project.id, user.id, role.code()).await?
    };
    if changed {
        record(
            &mut tx,
            actor,
            now,
            Record {
                project_id: Some(project.id),
                code: if grant { audit::MEMBERSHIP_GRANT } else { audit::MEMBERSHIP_REVOKE },
                entity_id: user.id.to_string(),
                summary: json!({ "username": user.username, "role": role.code() }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    app.caches.identity_changed();
    Ok(changed)
}
