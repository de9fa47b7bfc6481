//! Inspection plans (seed 003 1.1.6.2.5/7: quarterly at least; 1.1.5.1.3: a first inspection
//! within a week of the start; 1.1.8.2: before 国庆, 元旦 and 春节): a template on a set of CIs on
//! a cycle. Generating a plan creates, per CI, the execution of the current period (due at the
//! period's end), the first inspection (due the contract's `inspection.first` after the service
//! period starts) and, within [`PRE_HOLIDAY_HORIZON_DAYS`] of their due time, one before each of
//! the contract's holidays (due `inspection.pre_holiday.lead` of working time before the first day
//! off, found in the holiday notice). Generating is idempotent: run on creation, by the worker
//! every hour, and by two processes at once, it creates each execution once.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::calendar::{CalendarKind, HolidayTable};
use yunwei_domain::id::PlanId;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{self as domain, Kind, Period};
use yunwei_domain::text::BoundedText;
use yunwei_store::inspection::{self as store, PlanRow};

use crate::inspection::Execution;

use yunwei_domain::inspection::audit;

use crate::access::{ProjectScoped, authorize, load_entity};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};
use yunwei_domain::contract::CompiledContract;

/// How far ahead of its due time a pre-holiday inspection is put on the list (an operating
/// choice: a month's notice to schedule the visit; the contract sets the due time itself).
pub const PRE_HOLIDAY_HORIZON_DAYS: u64 = 30;

/// A plan as asked for.
#[derive(Debug, Clone, Default)]
pub struct NewPlan {
    pub name: String,
    pub template: String,
    pub ci_ids: Vec<i64>,
    /// Period code; the contract's `inspection.cycle` when absent.
    pub cycle: Option<String>,
}

/// A plan with what it generated this time.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub row: PlanRow,
    pub ci_ids: Vec<i64>,
    /// Executions created by the generation that ran with this call.
    pub created: Vec<Execution>,
}

fn ci_ids_of(r: &PlanRow) -> Result<Vec<i64>, AppError> {
    serde_json::from_str(&r.cis)
        .map_err(|e| AppError::Internal(format!("CIs of inspection plan {} unreadable: {e}", r.id)))
}

/// Creates a plan and generates its executions due now.
pub async fn create(app: &App, actor: &Actor, code: &str, n: NewPlan) -> Result<PlanView, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionTemplateWrite).await?;
    let pid = access.project.id;
    let t = crate::terms::current(app, pid).await?;
    let mut v = ValidationErrors::default();
    let name = BoundedText::<100>::required(&mut v, "name", &n.name).map(String::from).unwrap_or_default();
    let default_cycle = t.contract.terms.inspection.as_ref().map(|i| i.cycle.code()).unwrap_or("quarter");
    let cycle = n.cycle.clone().unwrap_or_else(|| default_cycle.to_owned());
    if Period::parse(&cycle).is_none() {
        v.push("cycle", format!("未知周期“{cycle}”，可选：{}", Period::ALL.map(Period::code).join(", ")));
    }
    if n.ci_ids.len() > 500 {
        v.push("ci_ids", "一个计划最多 500 个配置项");
    }
    let mut ids = n.ci_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let found = yunwei_store::cmdb::by_ids(&app.db, pid, &ids).await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|c| c.id == **id)) {
        v.push("ci_ids", format!("本项目没有编号为 {missing} 的配置项"));
    }
    let mut tx = app.db.begin().await?;
    if crate::inspection::find_template_tx(&mut tx, pid, &n.template).await.is_err() {
        v.push("template", format!("没有代码为“{}”的巡检模板", n.template));
    }
    v.into_result()?;
    let now = app.now();
    let mut row = PlanRow {
        id: 0,
        project_id: pid,
        name,
        template_code: n.template.clone(),
        cis: serde_json::to_string(&ids).map_err(|e| AppError::Internal(e.to_string()))?,
        cycle,
        active: true,
        created_at: now,
        created_by: actor.username.clone(),
        updated_at: now,
        version: 1,
    };
    row.id = store::insert_plan(&mut tx, &row).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::PLAN_CREATE,
            entity_id: row.id.to_string(),
            summary: json!({ "after": { "name": row.name, "template": row.template_code, "cis": ids, "cycle": row.cycle } }),
        },
    )
    .await?;
    tx.commit().await?;
    let created = generate(app, &row, &t, now).await?;
    Ok(PlanView { ci_ids: ids, row, created })
}

/// The project's plans.
pub async fn list(app: &App, actor: &Actor, code: &str) -> Result<Vec<PlanView>, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    let rows = store::plans(&app.db, Some(access.project.id)).await?;
    rows.into_iter().map(|row| Ok(PlanView { ci_ids: ci_ids_of(&row)?, row, created: Vec::new() })).collect()
}

/// Generates what every active plan of every project has due (the worker's hourly pass).
pub async fn generate_all(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let mut n = 0;
    for plan in store::plans(&app.db, None).await? {
        // A project without a contract yet has nothing due.
        let t = match crate::terms::current(app, plan.project_id).await {
            Ok(t) => t,
            Err(AppError::Conflict { .. }) => continue,
            Err(e) => return Err(e),
        };
        n += generate(app, &plan, &t, now).await?.len();
    }
    Ok(n)
}

/// Local midnight at the start of `day` in `tz`, as an instant.
fn midnight(tz: chrono_tz::Tz, day: NaiveDate) -> DateTime<Utc> {
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// One execution a plan owes: (kind, period label, planned day, due instant).
type Owed = (Kind, String, NaiveDate, DateTime<Utc>);

/// What `plan` owes at `now` under the contract `t`.
pub fn owed(plan: &PlanRow, t: &CompiledContract, now: DateTime<Utc>) -> Vec<Owed> {
    let tz = t.contract.project.timezone;
    let today = now.with_timezone(&tz).date_naive();
    let mut out = Vec::new();
    if let Some(cycle) = Period::parse(&plan.cycle) {
        let (start, end, label) = cycle.bounds(today);
        let created = plan.created_at.with_timezone(&tz).date_naive();
        let due = midnight(tz, end + Days::new(1));
        out.push((Kind::Routine, label, start.max(created), due));
    }
    let Some(terms) = &t.contract.terms.inspection else { return out };
    if let Some(first) = &terms.first
        && let Some(cal) = t.calendars.get(&first.calendar)
        && let Ok(due) = cal.add_business(midnight(tz, t.contract.project.start), first.within, &[])
    {
        out.push((Kind::First, "first".to_owned(), t.contract.project.start, due.value));
    }
    if let Some(pre) = &terms.pre_holiday
        && let Some(cal) = t.calendars.get(&pre.lead.calendar)
    {
        let table = match t.contract.calendars.get(&pre.lead.calendar).map(|s| &s.kind) {
            Some(CalendarKind::Business { holidays: Some(table), .. }) => table.clone(),
            _ => HolidayTable::cn().clone(),
        };
        let lead = chrono::Duration::seconds(pre.lead.within.to_seconds(cal.standard_day_seconds()));
        for year in [today.year(), today.year() + 1] {
            for b in domain::holiday_blocks(&table, year) {
                if !pre.holidays.iter().any(|h| h == b.name) {
                    continue;
                }
                let starts = midnight(tz, b.start);
                let Some(due) = domain::lead_before(cal, starts, lead) else { continue };
                let window = due - chrono::Duration::days(PRE_HOLIDAY_HORIZON_DAYS as i64);
                if now >= window && now < starts {
                    let label = format!("pre_holiday:{year}-{}", b.name);
                    out.push((Kind::PreHoliday, label, due.with_timezone(&tz).date_naive(), due));
                }
            }
        }
    }
    out
}

/// Creates the executions `plan` owes at `now` that do not exist yet; returns those created.
pub async fn generate(
    app: &App,
    plan: &PlanRow,
    t: &CompiledContract,
    now: DateTime<Utc>,
) -> Result<Vec<Execution>, AppError> {
    let owed = owed(plan, t, now);
    if owed.is_empty() {
        return Ok(Vec::new());
    }
    let ids = ci_ids_of(plan)?;
    let cis = yunwei_store::cmdb::by_ids(&app.db, plan.project_id, &ids).await?;
    let targets: Vec<Option<(i64, String)>> = if ids.is_empty() {
        vec![None]
    } else {
        cis.into_iter().filter(|c| c.status != "retired").map(|c| Some((c.id, c.name))).collect()
    };
    let cv = crate::terms::current_version(app, plan.project_id).await?;
    let mut created = Vec::new();
    let mut tx = app.db.begin().await?;
    let Ok(tv) = crate::inspection::find_template_tx(&mut tx, plan.project_id, &plan.template_code).await else {
        tracing::warn!(plan = plan.id, template = %plan.template_code, "inspection plan's template is gone");
        return Ok(Vec::new());
    };
    let template = serde_json::to_string(&tv.template).map_err(|e| AppError::Internal(e.to_string()))?;
    for (kind, period, planned_for, due) in &owed {
        for target in &targets {
            let ci = target.as_ref().map(|c| c.0);
            if store::planned(&mut tx, plan.id, period, ci).await? {
                continue;
            }
            let planned = crate::inspection::Planned {
                project_id: plan.project_id,
                contract_version_id: cv,
                template_code: tv.template.code.clone(),
                template_version: tv.version,
                template: template.clone(),
                ci: target.clone(),
                kind: *kind,
                planned_for: *planned_for,
                created_by: format!("plan:{}", plan.id),
                plan: Some((plan.id, period.clone(), *due)),
            };
            let row = match crate::inspection::insert_planned(&mut tx, planned, now).await {
                Ok(row) => row,
                // Another process generated this one first (the unique index): its work stands.
                Err(yunwei_store::StoreError::Unique(_)) => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            };
            crate::inspection::sync_jobs(&mut tx, &row, now).await?;
            record(
                &mut tx,
                None,
                now,
                Record {
                    project_id: Some(plan.project_id),
                    code: audit::INSPECTION_GENERATE,
                    entity_id: row.id.to_string(),
                    summary: json!({ "plan": plan.id, "period": period, "kind": kind, "ci": row.ci_name,
                                     "due_at": due.to_rfc3339() }),
                },
            )
            .await?;
            created.push(Execution::from_row(&row)?);
        }
    }
    tx.commit().await?;
    Ok(created)
}

/// A plan's inspections of one period: the report per plan period (巡检报告 for the quarter).
#[derive(Debug, Clone)]
pub struct PeriodReport {
    /// The plan (`created` is empty).
    pub plan: PlanView,
    pub period: String,
    /// Every period the plan has inspections for, latest first.
    pub periods: Vec<String>,
    pub executions: Vec<crate::inspection::ExecutionView>,
}

/// The inspections `plan_id` generated for `period` (its latest period when absent).
pub async fn period_report(
    app: &App,
    actor: &Actor,
    plan_id: PlanId,
    period: Option<&str>,
) -> Result<PeriodReport, AppError> {
    let plan_id = plan_id.get();
    let not_found = || AppError::NotFound(format!("巡检计划 {plan_id} 不存在"));
    let (plan, _) =
        load_entity(app, actor, store::plan(&app.db, plan_id).await?, Permission::InspectionRead, not_found).await?;
    let periods = store::plan_periods(&app.db, plan_id).await?;
    let period = match period {
        Some(p) if periods.iter().any(|x| x == p) => p.to_owned(),
        Some(p) => {
            let known = periods.join(", ");
            return Err(ValidationErrors::single("period", format!("本计划没有“{p}”的巡检，可选：{known}")).into());
        }
        None => periods
            .first()
            .cloned()
            .ok_or_else(|| AppError::Conflict {
                field: "period".into(), reason: "本计划还没有生成巡检".into()
            })?,
    };
    let f = store::ExecutionFilter { plan_id: Some(plan_id), period: Some(period.clone()), ..Default::default() };
    let rows = store::executions(&app.db, plan.project_id, &f, 500).await?;
    let mut executions = Vec::with_capacity(rows.len());
    for r in rows {
        let results = store::results(&app.db, r.id).await?;
        executions.push(crate::inspection::view(&r, &results)?);
    }
    executions.sort_by(|a, b| {
        let (a, b) = (&a.execution, &b.execution);
        a.ci_name.cmp(&b.ci_name).then(a.id.cmp(&b.id))
    });
    let plan = PlanView { ci_ids: ci_ids_of(&plan)?, row: plan, created: Vec::new() };
    Ok(PeriodReport { plan, period, periods, executions })
}

impl ProjectScoped for PlanRow {
    fn project_id(&self) -> yunwei_domain::id::ProjectId {
        yunwei_domain::id::ProjectId::new(self.project_id)
    }
}
