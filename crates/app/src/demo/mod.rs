//! The demo installation of `serve --demo`: project `demo` and one user per role, all with the
//! password `yunwei-demo`. Idempotent: running it again changes nothing.

mod cmdb;
mod inspection;

use yunwei_domain::identity::{OrgKind, Role};
use yunwei_store::identity as ids;

use chrono::Duration;

use crate::actor::{Actor, AuthMethod};
use crate::identity::{NewUserInput, add_user, ensure_department, ensure_organization};
use crate::incident::{self, NewEvent, NewIncident};
use crate::project::{NewProjectInput, create, grant};
use crate::{App, AppError};

/// Password of every demo user. Exists only where `--demo` was asked for.
pub const DEMO_PASSWORD: &str = "yunwei-demo";
/// Code of the demo project.
pub const DEMO_PROJECT: &str = "demo";

/// The preset the demo project runs under: seed 003 (P1–P4, 15 min response, 30 min on site,
/// 24 h resolution, Manager1/2/3 ladder, spare parts, quarterly inspections).
pub const DEMO_PRESET: &str = include_str!("../../../../contracts/seed-003.toml");

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
        ensure_department(app, None, yunwei_domain::id::OrganizationId::new(hospital), d).await?;
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
    let pid = project_id(app).await?;
    // The CIs first, so the demo incidents' CI names link to them.
    if yunwei_store::cmdb::count_by_type(&app.db, pid).await?.is_empty() {
        cmdb::demo_cmdb(app, &as_user(app, "engineer").await?).await?;
    }
    if yunwei_store::incident::list(&app.db, pid, &Default::default(), 1).await?.is_empty() {
        demo_incidents(app).await?;
    }
    if yunwei_store::inspection::executions(&app.db, pid, &Default::default(), 1).await?.is_empty() {
        let (engineer, it) = (as_user(app, "engineer").await?, as_user(app, "hospital_it").await?);
        let (manager, admin) = (as_user(app, "manager").await?, as_user(app, "admin").await?);
        inspection::demo_inspections(app, &engineer, &it, &manager, &admin).await?;
    }
    Ok(users)
}

async fn as_user(app: &App, username: &str) -> Result<Actor, AppError> {
    let u = ids::user_by_username(&app.db, username)
        .await?
        .ok_or_else(|| AppError::Internal(format!("demo user {username} missing")))?;
    Ok(Actor::of_user(&u, AuthMethod::Local))
}

/// A service desk with something in every state, relative to now: a P1 whose engineer is on
/// the way, a P2 waiting for the hospital's approval, a P3 nobody answered (breached), one
/// resolved and waiting for confirmation, and one closed last week.
async fn demo_incidents(app: &App) -> Result<(), AppError> {
    let now = app.now();
    let (reporter, dispatcher, engineer, it) = (
        as_user(app, "reporter").await?,
        as_user(app, "dispatcher").await?,
        as_user(app, "engineer").await?,
        as_user(app, "hospital_it").await?,
    );
    let ago = |m: i64| Some(now - Duration::minutes(m));
    let ev = |kind: &str, at: Option<chrono::DateTime<chrono::Utc>>| NewEvent {
        kind: kind.into(),
        at,
        ..Default::default()
    };
    let assign = |at| NewEvent { assignee: Some("engineer".into()), ..ev("assign", at) };
    struct Case {
        title: &'static str,
        severity: &'static str,
        channel: &'static str,
        department: &'static str,
        ci: &'static [&'static str],
        minutes_ago: i64,
    }
    let cases = [
        Case {
            title: "住院部护士站条码打印机无法打印",
            severity: "P4",
            channel: "phone",
            department: "住院部",
            ci: &["PRN-ZY-05"],
            minutes_ago: 8 * 24 * 60,
        },
        Case {
            title: "检验科 LIS 报告无法推送到医生站",
            severity: "P2",
            channel: "phone",
            department: "检验科",
            ci: &["LIS-APP-01"],
            minutes_ago: 26 * 60,
        },
        Case {
            title: "药房发药机与 HIS 接口中断",
            severity: "P3",
            channel: "wechat",
            department: "药剂科",
            ci: &["HIS-IF-02"],
            minutes_ago: 50,
        },
        Case {
            title: "PACS 影像调阅缓慢",
            severity: "P2",
            channel: "web",
            department: "放射科",
            ci: &["PACS-DB-01"],
            minutes_ago: 180,
        },
        Case {
            title: "门诊挂号收费系统无法登录",
            severity: "P1",
            channel: "phone",
            department: "门诊部",
            ci: &["HIS-APP-01", "HIS-DB-01"],
            minutes_ago: 12,
        },
    ];
    let mut ids = Vec::new();
    for c in &cases {
        let input = NewIncident {
            title: c.title.into(),
            description: String::new(),
            severity: c.severity.into(),
            channel: c.channel.into(),
            reported_at: ago(c.minutes_ago),
            department: Some(c.department.into()),
            scope: None,
            category: None,
            ci: c.ci.iter().map(|s| (*s).to_owned()).collect(),
        };
        let who = if c.channel == "web" { &reporter } else { &dispatcher };
        ids.push(yunwei_domain::id::IncidentId::new(incident::create(app, who, DEMO_PROJECT, input).await?.row.id));
    }
    let resolve = |at| NewEvent {
        kind: "resolve".into(),
        at,
        cause: Some("打印机驱动被系统更新覆盖".into()),
        action: Some("重装驱动并锁定版本".into()),
        prevention: Some("补丁前先在测试机验证".into()),
        ..Default::default()
    };
    // Closed last week.
    let m = 8 * 24 * 60;
    incident::add_event(app, &dispatcher, ids[0], ev("respond", ago(m - 9)), None).await?;
    incident::add_event(app, &engineer, ids[0], ev("request_onsite", ago(m - 10)), None).await?;
    incident::add_event(app, &engineer, ids[0], ev("arrive_onsite", ago(m - 35)), None).await?;
    incident::add_event(app, &engineer, ids[0], resolve(ago(m - 80)), None).await?;
    incident::add_event(app, &it, ids[0], ev("confirm", ago(m - 200)), None).await?;
    // Resolved yesterday, waiting for the hospital.
    let m = 26 * 60;
    incident::add_event(app, &dispatcher, ids[1], ev("respond", ago(m - 6)), None).await?;
    incident::add_event(app, &engineer, ids[1], ev("request_remote", ago(m - 8)), None).await?;
    incident::add_event(app, &engineer, ids[1], ev("start_remote", ago(m - 12)), None).await?;
    let fix = NewEvent {
        cause: Some("接口服务证书过期".into()),
        action: Some("更新证书并重启接口服务".into()),
        prevention: Some("证书到期前 30 天提醒".into()),
        ..resolve(ago(m - 95))
    };
    incident::add_event(app, &engineer, ids[1], fix, None).await?;
    // The P3 waits for an answer (its 15 minutes are long gone).
    // Waiting for the hospital's approval of the fix plan.
    incident::add_event(app, &dispatcher, ids[3], ev("respond", ago(170)), None).await?;
    incident::add_event(app, &dispatcher, ids[3], assign(ago(168)), None).await?;
    let plan = NewEvent {
        note: Some("需在夜间重建 PACS 数据库索引，影响调阅约 20 分钟".into()),
        ..ev("request_approval", ago(120))
    };
    incident::add_event(app, &engineer, ids[3], plan, None).await?;
    // The P1: answered, engineer on the way.
    incident::add_event(app, &dispatcher, ids[4], ev("respond", ago(10)), None).await?;
    incident::add_event(app, &dispatcher, ids[4], assign(ago(10)), None).await?;
    incident::add_event(app, &engineer, ids[4], ev("request_onsite", ago(9)), None).await?;
    Ok(())
}
