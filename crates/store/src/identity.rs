//! Users, organisations, departments, memberships, sessions, API tokens, login throttling.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::{Db, StoreError, Tx, insert_into};

/// A user as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub organization_id: Option<i64>,
    pub department_id: Option<i64>,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const USER_COLS: [&str; 11] = [
    "id",
    "username",
    "display_name",
    "organization_id",
    "department_id",
    "password_hash",
    "is_admin",
    "active",
    "created_at",
    "updated_at",
    "version",
];

/// A new user.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub organization_id: Option<i64>,
    pub department_id: Option<i64>,
    pub password_hash: Option<&'a str>,
    pub is_admin: bool,
    pub now: DateTime<Utc>,
}

/// Inserts a user; returns its id.
pub async fn insert_user(tx: &mut Tx, u: &NewUser<'_>) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "users",
        vec![
            ("username", u.username.into()),
            ("display_name", u.display_name.into()),
            ("organization_id", u.organization_id.into()),
            ("department_id", u.department_id.into()),
            ("password_hash", u.password_hash.map(str::to_owned).into()),
            ("is_admin", u.is_admin.into()),
            ("active", true.into()),
            ("created_at", u.now.into()),
            ("updated_at", u.now.into()),
            ("version", 1i64.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

fn user_by_username_query(username: &str) -> SelectStatement {
    Query::select().columns(USER_COLS).from("users").and_where(Expr::col("username").eq(username)).to_owned()
}

/// Finds a user by (normalised) username, inside a transaction.
pub async fn user_by_username_tx(tx: &mut Tx, username: &str) -> Result<Option<UserRow>, StoreError> {
    tx.fetch_optional(&user_by_username_query(username)).await
}

/// Finds a user by (normalised) username.
pub async fn user_by_username(db: &Db, username: &str) -> Result<Option<UserRow>, StoreError> {
    db.fetch_optional(&user_by_username_query(username)).await
}

/// Finds a user by id.
pub async fn user_by_id(db: &Db, id: i64) -> Result<Option<UserRow>, StoreError> {
    let q = Query::select().columns(USER_COLS).from("users").and_where(Expr::col("id").eq(id)).to_owned();
    db.fetch_optional(&q).await
}

/// The users with these ids, by id (unknown ids are left out).
pub async fn users_by_ids(db: &Db, ids: &[i64]) -> Result<Vec<UserRow>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    // Bounded IN lists, as elsewhere.
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(USER_COLS)
            .from("users")
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .order_by("id", Order::Asc)
            .to_owned();
        out.extend(db.fetch_all::<UserRow, _>(&q).await?);
    }
    Ok(out)
}

/// All users, by username.
pub async fn list_users(db: &Db) -> Result<Vec<UserRow>, StoreError> {
    let q = Query::select().columns(USER_COLS).from("users").order_by("username", Order::Asc).to_owned();
    db.fetch_all(&q).await
}

/// A page of users, newest first: at most `limit`, below id `before` if given.
pub async fn users_page(db: &Db, before: Option<i64>, limit: u64) -> Result<Vec<UserRow>, StoreError> {
    let mut q = Query::select().columns(USER_COLS).from("users").order_by("id", Order::Desc).limit(limit).to_owned();
    if let Some(b) = before {
        q.and_where(Expr::col("id").lt(b));
    }
    db.fetch_all(&q).await
}

/// Replaces a user's password hash and bumps its version.
pub async fn set_password_hash(tx: &mut Tx, user_id: i64, hash: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let q = Query::update()
        .table("users")
        .value("password_hash", hash)
        .value("updated_at", now)
        .value("version", Expr::col("version").add(1))
        .and_where(Expr::col("id").eq(user_id))
        .to_owned();
    tx.execute(&q).await
}

/// Sets the installation-administrator flag.
pub async fn set_admin(tx: &mut Tx, user_id: i64, is_admin: bool, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let q = Query::update()
        .table("users")
        .value("is_admin", is_admin)
        .value("updated_at", now)
        .value("version", Expr::col("version").add(1))
        .and_where(Expr::col("id").eq(user_id))
        .to_owned();
    tx.execute(&q).await
}

/// An organisation (hospital or vendor).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrganizationRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// Finds an organisation by name.
pub async fn organization_by_name(tx: &mut Tx, name: &str) -> Result<Option<OrganizationRow>, StoreError> {
    let q = Query::select()
        .columns(["id", "kind", "name", "created_at"])
        .from("organizations")
        .and_where(Expr::col("name").eq(name))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Finds an organisation by id.
pub async fn organization_by_id(db: &Db, id: i64) -> Result<Option<OrganizationRow>, StoreError> {
    let q = Query::select()
        .columns(["id", "kind", "name", "created_at"])
        .from("organizations")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&q).await
}

/// All organisations, by name.
pub async fn list_organizations(db: &Db) -> Result<Vec<OrganizationRow>, StoreError> {
    let q = Query::select()
        .columns(["id", "kind", "name", "created_at"])
        .from("organizations")
        .order_by("name", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Inserts an organisation; returns its id.
pub async fn insert_organization(tx: &mut Tx, kind: &str, name: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let mut q =
        insert_into("organizations", vec![("kind", kind.into()), ("name", name.into()), ("created_at", now.into())]);
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// A department of an organisation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DepartmentRow {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// Departments of one organisation, by name.
pub async fn list_departments(db: &Db, organization_id: i64) -> Result<Vec<DepartmentRow>, StoreError> {
    let q = Query::select()
        .columns(["id", "organization_id", "name", "created_at"])
        .from("departments")
        .and_where(Expr::col("organization_id").eq(organization_id))
        .order_by("name", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Finds a department by organisation and name.
pub async fn department_by_name(
    tx: &mut Tx,
    organization_id: i64,
    name: &str,
) -> Result<Option<DepartmentRow>, StoreError> {
    let q = Query::select()
        .columns(["id", "organization_id", "name", "created_at"])
        .from("departments")
        .and_where(Expr::col("organization_id").eq(organization_id))
        .and_where(Expr::col("name").eq(name))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Inserts a department; returns its id.
pub async fn insert_department(
    tx: &mut Tx,
    organization_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "departments",
        vec![("organization_id", organization_id.into()), ("name", name.into()), ("created_at", now.into())],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// One role of one user in one project.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipRow {
    pub project_id: i64,
    pub user_id: i64,
    pub role: String,
}

/// The roles `user_id` holds in `project_id`.
pub async fn roles_in_project(db: &Db, project_id: i64, user_id: i64) -> Result<Vec<String>, StoreError> {
    let q = Query::select()
        .column("role")
        .from("project_members")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("user_id").eq(user_id))
        .order_by("role", Order::Asc)
        .to_owned();
    let rows: Vec<(String,)> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A member of a project with their user details.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
}

/// Members of a project, by username then role.
pub async fn list_members(db: &Db, project_id: i64) -> Result<Vec<MemberRow>, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(("u", "id")), "user_id")
        .column(("u", "username"))
        .column(("u", "display_name"))
        .column(("m", "role"))
        .from_as("project_members", "m")
        .join_as(sea_query::JoinType::InnerJoin, "users", "u", Expr::col(("u", "id")).equals(("m", "user_id")))
        .and_where(Expr::col(("m", "project_id")).eq(project_id))
        .order_by(("u", "username"), Order::Asc)
        .order_by(("m", "role"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Grants a role; returns false when it was already held.
pub async fn grant_role(
    tx: &mut Tx,
    project_id: i64,
    user_id: i64,
    role: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let exists = Query::select()
        .column("id")
        .from("project_members")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("user_id").eq(user_id))
        .and_where(Expr::col("role").eq(role))
        .to_owned();
    if tx.fetch_optional::<(i64,), _>(&exists).await?.is_some() {
        return Ok(false);
    }
    let q = insert_into(
        "project_members",
        vec![
            ("project_id", project_id.into()),
            ("user_id", user_id.into()),
            ("role", role.into()),
            ("created_at", now.into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(true)
}

/// Revokes a role; returns false when it was not held.
pub async fn revoke_role(tx: &mut Tx, project_id: i64, user_id: i64, role: &str) -> Result<bool, StoreError> {
    let q = Query::delete()
        .from_table("project_members")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("user_id").eq(user_id))
        .and_where(Expr::col("role").eq(role))
        .to_owned();
    Ok(tx.execute(&q).await? > 0)
}

/// A live session found by its token hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// Stores a new session.
pub async fn insert_session(
    tx: &mut Tx,
    token_hash: &str,
    user_id: i64,
    csrf_token: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "sessions",
        vec![
            ("token_hash", token_hash.into()),
            ("user_id", user_id.into()),
            ("csrf_token", csrf_token.into()),
            ("created_at", now.into()),
            ("expires_at", expires_at.into()),
            ("last_seen_at", now.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The session with this token hash, if it has not expired at `now`.
pub async fn session_by_token_hash(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRow>, StoreError> {
    let q = Query::select()
        .columns(["id", "user_id", "csrf_token", "expires_at", "last_seen_at"])
        .from("sessions")
        .and_where(Expr::col("token_hash").eq(token_hash))
        .and_where(Expr::col("expires_at").gt(now))
        .to_owned();
    db.fetch_optional(&q).await
}

/// Slides a session's expiry forward.
pub async fn touch_session(
    tx: &mut Tx,
    id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table("sessions")
        .value("last_seen_at", now)
        .value("expires_at", expires_at)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Deletes a session (logout); returns whether one existed.
pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> Result<bool, StoreError> {
    let q = Query::delete().from_table("sessions").and_where(Expr::col("token_hash").eq(token_hash)).to_owned();
    Ok(tx.execute(&q).await? > 0)
}

/// Deletes every session of a user (password change).
pub async fn delete_user_sessions(tx: &mut Tx, user_id: i64) -> Result<u64, StoreError> {
    let q = Query::delete().from_table("sessions").and_where(Expr::col("user_id").eq(user_id)).to_owned();
    tx.execute(&q).await
}

/// An API token's metadata (never the token itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub token_prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const TOKEN_COLS: [&str; 7] = ["id", "user_id", "name", "token_prefix", "created_at", "last_used_at", "revoked_at"];

/// Stores a new API token's hash.
pub async fn insert_api_token(
    tx: &mut Tx,
    user_id: i64,
    name: &str,
    token_hash: &str,
    token_prefix: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut q = insert_into(
        "api_tokens",
        vec![
            ("user_id", user_id.into()),
            ("name", name.into()),
            ("token_hash", token_hash.into()),
            ("token_prefix", token_prefix.into()),
            ("created_at", now.into()),
        ],
    );
    q.returning_col("id");
    let (id,): (i64,) = tx.fetch_one(&q).await?;
    Ok(id)
}

/// The unrevoked token with this hash.
pub async fn api_token_by_hash(db: &Db, token_hash: &str) -> Result<Option<ApiTokenRow>, StoreError> {
    let q = Query::select()
        .columns(TOKEN_COLS)
        .from("api_tokens")
        .and_where(Expr::col("token_hash").eq(token_hash))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    db.fetch_optional(&q).await
}

/// A user's tokens, newest first.
pub async fn list_api_tokens(db: &Db, user_id: i64) -> Result<Vec<ApiTokenRow>, StoreError> {
    let q = Query::select()
        .columns(TOKEN_COLS)
        .from("api_tokens")
        .and_where(Expr::col("user_id").eq(user_id))
        .order_by("id", Order::Desc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Revokes one of a user's tokens; returns whether a live token was revoked.
pub async fn revoke_api_token(
    tx: &mut Tx,
    user_id: i64,
    token_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("api_tokens")
        .value("revoked_at", now)
        .and_where(Expr::col("id").eq(token_id))
        .and_where(Expr::col("user_id").eq(user_id))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await? > 0)
}

/// Records that a token was used (at most the caller decides how often).
pub async fn touch_api_token(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    let q = Query::update().table("api_tokens").value("last_used_at", now).and_where(Expr::col("id").eq(id)).to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Login-failure bookkeeping for one key (a username, known or not).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThrottleRow {
    pub key: String,
    pub failures: i64,
    pub window_start: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// The throttle state of `key`.
pub async fn throttle_get(tx: &mut Tx, key: &str) -> Result<Option<ThrottleRow>, StoreError> {
    let q = Query::select()
        .columns(["key", "failures", "window_start", "locked_until"])
        .from("login_throttle")
        .and_where(Expr::col("key").eq(key))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Writes the throttle state of `key`.
pub async fn throttle_put(tx: &mut Tx, row: &ThrottleRow) -> Result<(), StoreError> {
    let del = Query::delete().from_table("login_throttle").and_where(Expr::col("key").eq(row.key.as_str())).to_owned();
    tx.execute(&del).await?;
    let q = insert_into(
        "login_throttle",
        vec![
            ("key", row.key.as_str().into()),
            ("failures", row.failures.into()),
            ("window_start", row.window_start.into()),
            ("locked_until", row.locked_until.into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Forgets the failures of `key` (after a successful login).
pub async fn throttle_clear(tx: &mut Tx, key: &str) -> Result<(), StoreError> {
    let del = Query::delete().from_table("login_throttle").and_where(Expr::col("key").eq(key)).to_owned();
    tx.execute(&del).await?;
    Ok(())
}
