//! The demo installation of `serve --demo`: project `demo` and one user per role, all with the
//! password `yunwei-demo`. Idempotent: running it again changes nothing.

use yunwei_domain::identity::{OrgKind, Role};
use yunwei_store::identity as ids;

use crate::identity::{NewUserInput, add_user, ensure_department, ensure_organization};
use crate::project::{NewProjectInput, create, grant};
use crate::{App, AppError};

/// Password of every demo user. Exists only where `--demo` was asked for.
pub const DEMO_PASSWORD: &str = "yunwei-demo";
/// Code of the demo project.
pub const DEMO_PROJECT: &str = "demo";

/// The preset the demo project runs under: seed 003 (P1–P4, 15 min response, 30 min on site,
/// 24 h resolution, Manager1/2/3 ladder, spare parts, quarterly inspections).
pub const DEMO_PRESET: &str = include_str!("../../../contracts/seed-003.toml");

/// The demo project's contract: [`DEMO_PRESET`] with the demo's code and parties.
pub fn demo_contract() -> String {
    yunwei_domain::contract::with_project_fields(
        DEMO_PRESET,
        &[
            ("code", DEMO_PROJECT),
            ("name", "示例医院信息系统运维服务项目"),
            ("hospital", "示例医院"),
            ("vendor", "示例运维服务商"),
        ],
    )
}

async fn project_id(app: &App) -> Result<i64, AppError> {
    yunwei_store::project::by_code(&app.db, DEMO_PROJECT)
        .await?
        .map(|p| p.id)
        .ok_or_else(|| AppError::Internal("demo project missing".into()))
}

/// Creates what is missing of the demo installation; returns the demo users in role order.
pub async fn ensure_demo(app: &App) -> Result<Vec<(String, Role)>, AppError> {
    let hospital = ensure_organization(app, None, OrgKind::Hospital, "示例医院").await?;
    ensure_organization(app, None, OrgKind::Vendor, "示例运维服务商").await?;
    for d in ["信息科", "门诊部", "住院部", "检验科", "放射科", "药剂科"] {
        ensure_department(app, None, hospital, d).await?;
    }
    if yunwei_store::project::by_code(&app.db, DEMO_PROJECT).await?.is_none() {
        create(
            app,
            None,
            NewProjectInput {
                code: DEMO_PROJECT,
                name: "示例医院信息系统运维服务项目",
                hospital: Some("示例医院"),
                vendor: Some("示例运维服务商"),
                timezone: Some("Asia/Shanghai"),
            },
        )
        .await?;
    }
    if yunwei_store::contract::latest(&app.db, project_id(app).await?).await?.is_none() {
        crate::contract::apply(app, None, &demo_contract()).await?;
    }
    let mut users = Vec::new();
    for role in Role::ALL {
        let username = role.code();
        if ids::user_by_username(&app.db, username).await?.is_none() {
            let org = if role.is_hospital_side() { "示例医院" } else { "示例运维服务商" };
            add_user(
                app,
                None,
                NewUserInput {
                    username,
                    display_name: role.label(),
                    password: Some(DEMO_PASSWORD),
                    is_admin: role == Role::Admin,
                    organization: Some(org),
                    department: (role == Role::Reporter).then_some("门诊部"),
                },
            )
            .await?;
        }
        grant(app, None, DEMO_PROJECT, username, role.code()).await?;
        users.push((username.to_owned(), role));
    }
    Ok(users)
}
