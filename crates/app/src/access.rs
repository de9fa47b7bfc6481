//! Access to a project's data: the caller's roles in a project and whether they grant a
//! permission. Every project-scoped use case starts here: a project the caller is not a member of
//! is "not found", never "forbidden", and so is any entity of such a project.

use yunwei_domain::id::ProjectId;
use yunwei_domain::identity::{Permission, Role, RoleSet};
use yunwei_store::identity as ids;
use yunwei_store::project::{self as store, ProjectRow};

use crate::App;
use crate::actor::Actor;
use crate::cache::IDENTITY_TTL;
use crate::error::AppError;

/// A project the caller may access, with the roles they hold there.
#[derive(Debug, Clone)]
pub struct ProjectAccess {
    /// The project.
    pub project: ProjectRow,
    /// The caller's roles in it.
    pub roles: RoleSet,
}

impl ProjectAccess {
    /// The project's id.
    pub fn project_id(&self) -> ProjectId {
        ProjectId::new(self.project.id)
    }
}

/// "No such project" — also the answer for a project the caller is not a member of.
pub fn project_not_found(code: &str) -> AppError {
    AppError::NotFound(format!("项目 {code} 不存在"))
}

/// Loads the project `code` for `actor` and checks `permission`: 404 when it does not exist or
/// the caller holds no role there, 403 when the roles held do not grant `permission`.
pub async fn authorize(
    app: &App,
    actor: &Actor,
    code: &str,
    permission: Permission,
) -> Result<ProjectAccess, AppError> {
    let p = app
        .caches
        .projects_by_code
        .get_or_load(code.to_owned(), app.now(), IDENTITY_TTL, || async {
            store::by_code(&app.db, code).await?.ok_or_else(|| project_not_found(code))
        })
        .await?;
    check_roles(app, actor, p, permission).await
}

/// [`authorize`] for the project with id `project_id` (an entity's project), with the same
/// answers: 404 outside it, 403 without `permission`.
pub async fn authorize_by_id(
    app: &App,
    actor: &Actor,
    project_id: ProjectId,
    permission: Permission,
) -> Result<ProjectAccess, AppError> {
    let project_id = project_id.get();
    let p = app
        .caches
        .projects_by_id
        .get_or_load(project_id, app.now(), IDENTITY_TTL, || async {
            store::by_id(&app.db, project_id).await?.ok_or_else(|| project_not_found(&project_id.to_string()))
        })
        .await?;
    check_roles(app, actor, p, permission).await
}

async fn check_roles(
    app: &App,
    actor: &Actor,
    p: ProjectRow,
    permission: Permission,
) -> Result<ProjectAccess, AppError> {
    let roles = app
        .caches
        .roles
        .get_or_load((p.id, actor.user_id.get()), app.now(), IDENTITY_TTL, || async {
            Ok::<_, AppError>(RoleSet(parse_roles(&ids::roles_in_project(&app.db, p.id, actor.user_id.get()).await?)))
        })
        .await?;
    if roles.is_empty() {
        return Err(project_not_found(&p.code));
    }
    if !roles.grants(permission) {
        return Err(AppError::Forbidden("当前角色无权执行此操作".into()));
    }
    Ok(ProjectAccess { project: p, roles })
}

/// A stored entity that belongs to one project (a row of a business table).
pub trait ProjectScoped {
    /// The project it belongs to.
    fn project_id(&self) -> ProjectId;
}

/// The caller's access to the project of `entity`, checked for `permission`. Outside that
/// project the entity does not exist: the answer is `not_found()`, as for a missing one.
pub async fn authorize_entity<T: ProjectScoped>(
    app: &App,
    actor: &Actor,
    entity: &T,
    permission: Permission,
    not_found: impl FnOnce() -> AppError,
) -> Result<ProjectAccess, AppError> {
    match authorize_by_id(app, actor, entity.project_id(), permission).await {
        Err(AppError::NotFound(_)) => Err(not_found()),
        other => other,
    }
}

/// Loads an entity (`None`: missing) and checks the caller may act on it with `permission`:
/// the one "load and check" of every use case on an existing entity. A missing entity and one
/// of a project the caller is not a member of get the same `not_found()`.
pub async fn load_entity<T: ProjectScoped>(
    app: &App,
    actor: &Actor,
    found: Option<T>,
    permission: Permission,
    not_found: impl FnOnce() -> AppError,
) -> Result<(T, ProjectAccess), AppError> {
    let Some(entity) = found else {
        return Err(not_found());
    };
    let access = authorize_entity(app, actor, &entity, permission, not_found).await?;
    Ok((entity, access))
}

/// Roles as parsed from storage; unknown codes (from a newer release) are skipped.
pub fn parse_roles(codes: &[String]) -> Vec<Role> {
    codes.iter().filter_map(|c| c.parse().ok()).collect()
}
