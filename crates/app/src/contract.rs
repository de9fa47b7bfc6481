//! Contract use cases: apply a document (new version unless unchanged), show it, preview
//! deadlines. Records opened under a version keep it; applying never rewrites history.

use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use yunwei_domain::ValidationErrors;
use yunwei_domain::contract::{ClockKind, Contract, ContractErrors, parse};
use yunwei_domain::identity::Permission;
use yunwei_store::contract as store;
/// A contract version as stored: its number, document, and who applied it when.
pub use yunwei_store::contract::ContractRow;

use yunwei_domain::contract::audit;

use crate::access::authorize;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::project::{NewProjectInput, create_in, prepare_create};
use crate::{App, AppError};

/// What applying a document did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The project.
    pub project: String,
    /// The contract version now in force.
    pub version: i64,
    /// False when the document equals the version in force (no new version).
    pub changed: bool,
    /// True when the project was created by this apply.
    pub created_project: bool,
}

/// Contract problems as validation errors: field path, and the line and column in the reason.
pub fn invalid(errors: ContractErrors) -> AppError {
    let mut v = ValidationErrors::default();
    for e in errors.0 {
        v.push(e.field, format!("第 {} 行第 {} 列：{}", e.line, e.column, e.reason));
    }
    AppError::Invalid(v)
}

/// Validates a document without storing it.
pub fn validate(text: &str) -> Result<Contract, AppError> {
    parse(text).map_err(invalid)
}

/// Applies a contract document to the project named in `[project].code`, creating the project
/// when it does not exist (installation administrators and the CLI only). `actor = None` is the CLI.
pub async fn apply(app: &App, actor: Option<&Actor>, text: &str) -> Result<Applied, AppError> {
    apply_checked(app, actor, text, None, None).await
}

/// `apply` through the API: `path_code` must match `[project].code`, and `expected_version`
/// (from `If-Match`) must name the version in force, if there is one.
pub async fn apply_checked(
    app: &App,
    actor: Option<&Actor>,
    text: &str,
    path_code: Option<&str>,
    expected_version: Option<Option<i64>>,
) -> Result<Applied, AppError> {
    if let (Some(a), Some(code)) = (actor, path_code) {
        // Membership and role first: a caller outside the project learns nothing from the body.
        authorize(app, a, code, Permission::ContractUpdate).await?;
    }
    let contract = validate(text)?;
    if let Some(code) = path_code
        && contract.project.code.as_str() != code
    {
        return Err(
            ValidationErrors::single("project.code", format!("文档中的项目代码与地址中的 {code} 不一致")).into()
        );
    }
    let code = contract.project.code.as_str().to_owned();
    let existing = yunwei_store::project::by_code(&app.db, &code).await?;
    let prepared = match &existing {
        Some(_) => {
            if let Some(a) = actor {
                authorize(app, a, &code, Permission::ContractUpdate).await?;
            }
            None
        }
        None => {
            let tz = contract.project.timezone.name().to_owned();
            let input = NewProjectInput {
                code: &code,
                name: &contract.project.name,
                hospital: Some(&contract.project.hospital),
                vendor: Some(&contract.project.vendor),
                timezone: Some(&tz),
            };
            Some(prepare_create(app, actor, input).await?)
        }
    };
    let created_project = prepared.is_some();
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    let now = app.now();
    // The new project (if any) and its first contract version commit together.
    let mut tx = app.db.begin().await?;
    let project = match (existing, &prepared) {
        (Some(p), _) => p,
        (None, Some(prep)) => create_in(&mut tx, actor, now, prep).await?,
        (None, None) => return Err(AppError::Internal("project neither found nor prepared".into())),
    };
    let latest = store::latest_tx(&mut tx, project.id).await?;
    if let Some(expected) = expected_version {
        match (&latest, expected) {
            (Some(_), None) => return Err(AppError::PreconditionRequired),
            (Some(l), Some(v)) if l.version != v => return Err(AppError::Stale { current: l.version }),
            _ => {}
        }
    }
    if let Some(l) = &latest
        && l.digest == digest
    {
        return Ok(Applied { project: code, version: l.version, changed: false, created_project });
    }
    let version = latest.map(|l| l.version + 1).unwrap_or(1);
    let by = actor.map(|a| a.username.clone()).unwrap_or_else(|| "system".into());
    let id = store::insert(&mut tx, project.id, version, text, &digest, now, &by).await?;
    record(
        &mut tx,
        actor,
        now,
        Record {
            project_id: Some(project.id),
            code: audit::CONTRACT_APPLY,
            entity_id: id.to_string(),
            summary: json!({ "version": version, "digest": digest }),
        },
    )
    .await?;
    tx.commit().await?;
    app.caches.contract_applied();
    Ok(Applied { project: code, version, changed: true, created_project })
}

/// The contract in force for a project. `actor = None` is the CLI.
pub async fn current(app: &App, actor: Option<&Actor>, code: &str) -> Result<ContractRow, AppError> {
    current_with(app, actor, code, Permission::ContractRead).await
}

async fn current_with(
    app: &App,
    actor: Option<&Actor>,
    code: &str,
    permission: Permission,
) -> Result<ContractRow, AppError> {
    let project = match actor {
        Some(a) => authorize(app, a, code, permission).await?.project,
        None => yunwei_store::project::by_code(&app.db, code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("项目 {code} 不存在")))?,
    };
    store::latest(&app.db, project.id).await?.ok_or_else(|| AppError::NotFound(format!("项目 {code} 还没有服务合同")))
}

/// One clock's deadline in a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewLine {
    /// The clock.
    pub clock: ClockKind,
    /// Its deadline.
    pub due: DateTime<Utc>,
    /// Years crossed without holiday data (the deadline may be off there).
    pub missing_holiday_years: Vec<i32>,
}

/// Deadlines of every clock of `severity` for a fault reported `at`, under the contract in force.
pub async fn preview(
    app: &App,
    actor: Option<&Actor>,
    code: &str,
    severity: &str,
    at: DateTime<Utc>,
) -> Result<Vec<PreviewLine>, AppError> {
    let row = current_with(app, actor, code, Permission::SlaPreview).await?;
    let mut contract = validate(&row.document)?;
    contract.add_holiday_years(&crate::holidays::stored(app).await?);
    let calendars = contract.compile_calendars();
    let known = contract.severities.keys().cloned().collect::<Vec<_>>().join(", ");
    let lines = contract
        .preview(&calendars, severity, at)
        .ok_or_else(|| ValidationErrors::single("severity", format!("合同中没有级别“{severity}”，可选：{known}")))?;
    lines
        .into_iter()
        .map(|(clock, r)| {
            if let Ok(c) = &r
                && !c.missing_holiday_years.is_empty()
            {
                tracing::warn!(
                    project = code,
                    clock = clock.code(),
                    years = ?c.missing_holiday_years,
                    "deadline crosses years without holiday data; import them with `yunwei calendar import`"
                );
            }
            r.map(|c| PreviewLine { clock, due: c.value, missing_holiday_years: c.missing_holiday_years })
                .map_err(|e| ValidationErrors::single("at", format!("无法计算 {} 时限：{e}", clock.code())).into())
        })
        .collect()
}
