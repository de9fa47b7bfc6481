//! Inspection use cases (seed 000 §2.2–2.5 and §2.9, seed 003 1.1.6.2.5/7, seed 004 2.1):
//! templates (the seeds' built-ins and the project's own, every version kept), executions filled
//! in item by item on a phone — answers carry the time they were given on the device, so a form
//! replayed after a dead Wi-Fi spell neither duplicates nor overwrites a newer answer — signed by
//! the engineer and the hospital, abnormal items turned into incidents (linked both ways), and the
//! inspection report whose due time the contract sets.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::{Value, json};
use yunwei_domain::ValidationErrors;
use yunwei_domain::contract::ReportKind;
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::{self as domain, Answer, Status, Template, TemplateInput, Verdict};
use yunwei_store::inspection::{self as store, TemplateRow};
pub use yunwei_store::inspection::{ExecutionFilter, ExecutionRow, PhotoRow as Photo, ResultRow};

use crate::access::{ProjectAccess, ProjectScoped, authorize, authorize_entity};
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::incident::NewIncident;
use crate::{App, AppError};
use yunwei_domain::contract::CompiledContract;
use yunwei_domain::inspection::audit;

mod lookup;
mod overdue;

pub use lookup::{CiChoice, IncidentRef, MAX_CI_CHOICES, ci_choices, ci_names, incidents};
pub(crate) use overdue::sync_jobs;
pub use overdue::{DUE, REPORT_DUE, jobs, notify_overdue};

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

async fn find_template(
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

/// An execution with its template, its report's text and its answers.
#[derive(Debug, Clone)]
pub struct ExecutionView {
    pub row: ExecutionRow,
    /// The template it was created with (`row.template`, read).
    pub template: Template,
    /// The report's text (`row.report`, read).
    pub report: ReportText,
    pub results: Vec<ResultRow>,
}

/// The report's text fields written so far, by [`REPORT_FIELDS`] key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportText(BTreeMap<String, String>);

impl ReportText {
    /// The text of field `key`; empty while unwritten.
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }

    fn parse(id: i64, stored: &str) -> Result<Self, AppError> {
        serde_json::from_str(stored)
            .map(ReportText)
            .map_err(|e| AppError::Internal(format!("report of inspection {id} unreadable: {e}")))
    }
}

impl ExecutionView {
    /// Whether the report was issued by its due time (`None` while not issued and not yet due,
    /// or when the contract sets no due time).
    pub fn report_met(&self, now: DateTime<Utc>) -> Option<bool> {
        let due = self.row.report_due?;
        match self.row.report_issued_at {
            Some(at) => Some(at <= due),
            None => (now > due).then_some(false),
        }
    }

    /// The answer to `key`.
    pub fn result(&self, key: &str) -> Option<&ResultRow> {
        self.results.iter().find(|r| r.item_key == key)
    }

    /// Not completed and past its due time.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        Status::parse(&self.row.status).is_some_and(Status::open) && self.row.due_at.is_some_and(|d| now > d)
    }

    /// Items answered abnormal.
    pub fn abnormal(&self) -> usize {
        self.results.iter().filter(|r| r.verdict == Verdict::Abnormal.code()).count()
    }
}

/// An execution with its template and answers, as stored.
pub(crate) fn view(row: ExecutionRow, results: Vec<ResultRow>) -> Result<ExecutionView, AppError> {
    let template: Template = serde_json::from_str(&row.template)
        .map_err(|e| AppError::Internal(format!("template of inspection {} unreadable: {e}", row.id)))?;
    let report = ReportText::parse(row.id, &row.report)?;
    Ok(ExecutionView { row, template, report, results })
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("巡检 {id} 不存在"))
}

impl ProjectScoped for ExecutionRow {
    fn project_id(&self) -> i64 {
        self.project_id
    }
}

async fn access_to(app: &App, actor: &Actor, row: &ExecutionRow, p: Permission) -> Result<ProjectAccess, AppError> {
    authorize_entity(app, actor, row, p, || not_found(row.id)).await
}

/// What kind of inspection an execution is.
pub const KINDS: [(&str, &str); 3] = [("routine", "例行巡检"), ("first", "首次巡检"), ("pre_holiday", "节前巡检")];

/// A new execution as asked for.
#[derive(Debug, Clone, Default)]
pub struct NewExecution {
    /// Template code (the project's own or a built-in).
    pub template: String,
    /// The CI inspected.
    pub ci_id: Option<i64>,
    /// Day it is planned for; today in the project's time zone when absent.
    pub planned_for: Option<NaiveDate>,
    /// `routine` (default), `first` or `pre_holiday`.
    pub kind: Option<String>,
}

/// Plans an inspection of one CI against one template; the template is copied into the execution.
pub async fn create_execution(
    app: &App,
    actor: &Actor,
    code: &str,
    n: NewExecution,
) -> Result<ExecutionView, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionWork).await?;
    let pid = access.project.id;
    let cv = crate::terms::current_version(app, pid).await?;
    let terms = crate::terms::of_version(app, cv).await?;
    let now = app.now();
    let mut v = ValidationErrors::default();
    let kind = n.kind.unwrap_or_else(|| KINDS[0].0.to_owned());
    if !KINDS.iter().any(|(k, _)| *k == kind) {
        v.push("kind", format!("未知巡检类型“{kind}”，可选：{}", KINDS.map(|k| k.0).join(", ")));
    }
    let ci = match n.ci_id {
        Some(id) => match yunwei_store::cmdb::get(&app.db, id).await? {
            Some(ci) if ci.project_id == pid => Some(ci),
            _ => {
                v.push("ci_id", format!("本项目没有编号为 {id} 的配置项"));
                None
            }
        },
        None => None,
    };
    let mut tx = app.db.begin().await?;
    let found = match find_template(&mut tx, pid, &n.template).await {
        Ok(f) => Some(f),
        Err(_) => {
            v.push("template", format!("没有代码为“{}”的巡检模板", n.template));
            None
        }
    };
    v.into_result()?;
    let Some((tv, _)) = found else { return Err(AppError::Internal("template vanished".into())) };
    let tz = terms.contract.project.timezone;
    let planned_for = n.planned_for.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let year = planned_for.year();
    let seq = store::next_seq(&mut tx, pid, year).await?;
    let mut row = ExecutionRow {
        id: 0,
        project_id: pid,
        number: format!("INSP-{year}-{seq:06}"),
        contract_version_id: cv,
        template_code: tv.template.code.clone(),
        template_version: tv.version,
        template: serde_json::to_string(&tv.template).map_err(|e| AppError::Internal(e.to_string()))?,
        ci_id: ci.as_ref().map(|c| c.id),
        ci_name: ci.as_ref().map(|c| c.name.clone()),
        kind,
        status: Status::Planned.code().to_owned(),
        planned_for: planned_for.to_string(),
        started_at: None,
        completed_at: None,
        engineer_id: None,
        engineer_name: None,
        hospital_id: None,
        hospital_name: None,
        hospital_signed_at: None,
        hospital_note: None,
        report_due: None,
        report_issued_at: None,
        report: "{}".into(),
        created_at: now,
        created_by: actor.username.clone(),
        updated_at: now,
        version: 1,
        plan_id: None,
        period: None,
        due_at: None,
    };
    row.id = store::insert_execution(&mut tx, &row).await?;
    sync_jobs(&mut tx, &row, now).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::INSPECTION_CREATE,
            entity_id: row.id.to_string(),
            summary: json!({ "after": { "number": row.number, "template": row.template_code,
                "template_version": row.template_version, "ci": row.ci_name, "planned_for": row.planned_for } }),
        },
    )
    .await?;
    tx.commit().await?;
    view(row, Vec::new())
}

/// One execution.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<ExecutionView, AppError> {
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionRead).await?;
    let results = store::results(&app.db, id).await?;
    view(row, results)
}

/// The project's executions, latest planned first (without their answers).
pub async fn list(
    app: &App,
    actor: &Actor,
    code: &str,
    f: &ExecutionFilter,
    limit: u64,
) -> Result<Vec<ExecutionView>, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    store::executions(&app.db, access.project.id, f, limit).await?.into_iter().map(|r| view(r, Vec::new())).collect()
}

/// An answer as sent by the form.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub verdict: Option<String>,
    pub value: Option<f64>,
    pub text: Option<String>,
    pub note: Option<String>,
    /// When it was given on the device; now when absent. A device clock ahead of the server's
    /// counts as now.
    pub recorded_at: Option<DateTime<Utc>>,
}

/// Records the answer to one item. The newest answer by device time wins: a replay of an older
/// one (a queued form sent again after the connection came back) changes nothing. An abnormal
/// answer to an item whose template says so opens its incident at once.
pub async fn answer(app: &App, actor: &Actor, id: i64, key: &str, a: AnswerInput) -> Result<ExecutionView, AppError> {
    let first = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    let access = access_to(app, actor, &first, Permission::InspectionWork).await?;
    let now = app.now();
    // An execution's template never changes: the answer is checked against it before the write.
    let template: Template = serde_json::from_str(&first.template)
        .map_err(|e| AppError::Internal(format!("template of inspection {id} unreadable: {e}")))?;
    let item = template.item(key).ok_or_else(|| AppError::NotFound(format!("巡检项目 {key} 不存在")))?;
    let mut v = ValidationErrors::default();
    let verdict = match a.verdict.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Verdict::parse(s).or_else(|| {
            v.push("verdict", format!("未知结论“{s}”，可选：ok, abnormal"));
            None
        }),
    };
    let text = a.text.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if text.as_ref().is_some_and(|t| t.chars().count() > 2000) {
        v.push("text", "最多 2000 个字符");
    }
    let note = a.note.as_deref().map(str::trim).unwrap_or("").to_owned();
    if note.chars().count() > 2000 {
        v.push("note", "最多 2000 个字符");
    }
    let judged = domain::judge(item, &Answer { verdict, number: a.value, text: text.clone() });
    if let Err((field, reason)) = &judged {
        v.push(*field, reason.clone());
    }
    v.into_result()?;
    let verdict = judged.map_err(|(f, r)| ValidationErrors::single(f, r))?;
    let recorded_at = crate::clock::truncate_micros(a.recorded_at.map_or(now, |t| t.min(now)));
    let mut result = ResultRow {
        id: 0,
        execution_id: id,
        item_key: key.to_owned(),
        verdict: verdict.code().to_owned(),
        number: a.value.filter(|_| item.result == domain::ResultKind::Number),
        text,
        note,
        recorded_at,
        saved_at: now,
        actor_id: Some(actor.user_id),
        actor: actor.display_name.clone(),
        incident_id: None,
    };
    // The incident it would open, checked outside the write transaction.
    let auto = match (&item.incident, verdict) {
        (Some(sev), Verdict::Abnormal) => {
            let input = incident_input(&first, &template, item, &result, sev.clone());
            Some(crate::incident::prepare(app, actor, &access.project.code, input).await?)
        }
        _ => None,
    };
    let mut tx = app.db.begin().await?;
    let mut row = store::execution_tx(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    let status = Status::parse(&row.status).ok_or_else(|| AppError::Internal(format!("status {}", row.status)))?;
    if !status.open() {
        return Err(AppError::Conflict {
            field: "status".into(),
            reason: format!("巡检{}，不能再填写（当前状态：{}）", status.label(), status.code()),
        });
    }
    let results = store::results_tx(&mut tx, id).await?;
    let existing = results.iter().find(|r| r.item_key == key);
    if existing.is_some_and(|e| e.recorded_at > recorded_at) {
        // An older answer arriving late: the newer one stands.
        drop(tx);
        return view(row, results);
    }
    result.incident_id = existing.and_then(|e| e.incident_id);
    store::upsert_result(&mut tx, row.project_id, &result).await?;
    let expected = row.version;
    if status == Status::Planned {
        row.status = Status::InProgress.code().to_owned();
        row.started_at = Some(recorded_at);
    }
    row.updated_at = now;
    if !store::update_execution(&mut tx, &row, expected).await? {
        return Err(AppError::Stale { current: expected + 1 });
    }
    sync_jobs(&mut tx, &row, now).await?;
    row.version = expected + 1;
    if let Some(prepared) = auto
        && result.incident_id.is_none()
    {
        open_incident(&mut tx, actor, id, key, prepared).await?;
    }
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::INSPECTION_ANSWER,
            entity_id: id.to_string(),
            summary: json!({ "item": key, "verdict": verdict.code() }),
        },
    )
    .await?;
    let results = store::results_tx(&mut tx, id).await?;
    tx.commit().await?;
    view(row, results)
}

/// The incident an abnormal answer becomes: what was checked, against what, and what was found.
fn incident_input(
    row: &ExecutionRow,
    template: &Template,
    item: &domain::Item,
    result: &ResultRow,
    severity: String,
) -> NewIncident {
    let on = row.ci_name.as_deref().map(|c| format!("{c} ")).unwrap_or_default();
    let mut description = format!(
        "巡检 {}（{}）第 {} 项“{} / {}”结论为异常。",
        row.number, template.name, item.key, item.section, item.name
    );
    if let Some(s) = &item.standard {
        description.push_str(&format!("\n参考标准：{s}"));
    }
    if let Some(n) = result.number {
        description.push_str(&format!(
            "\n测得：{n}{}（正常范围 {}）",
            item.unit.as_deref().unwrap_or(""),
            domain::range_text(item)
        ));
    }
    if let Some(t) = &result.text {
        description.push_str(&format!("\n记录：{t}"));
    }
    if !result.note.is_empty() {
        description.push_str(&format!("\n备注：{}", result.note));
    }
    NewIncident {
        title: format!("巡检异常：{on}{}", item.name),
        description,
        severity,
        channel: "on_site".into(),
        reported_at: Some(result.recorded_at),
        department: None,
        scope: None,
        category: Some(crate::incident::INSPECTION_CATEGORY.into()),
        ci: row.ci_id.map(|id| vec![id.to_string()]).unwrap_or_default(),
    }
}

/// Stores a prepared incident for an answer and links the two, inside `tx`.
async fn open_incident(
    tx: &mut yunwei_store::Tx,
    actor: &Actor,
    execution_id: i64,
    key: &str,
    prepared: crate::incident::Prepared,
) -> Result<i64, AppError> {
    let inc = crate::incident::insert_prepared(tx, actor, prepared.row, &prepared.terms).await?;
    store::link_incident(tx, execution_id, key, inc.id).await?;
    Ok(inc.id)
}

/// Turns an abnormal answer into an incident of `severity` (the contract's lowest when absent);
/// returns the incident's id. An answer becomes one incident at most.
pub async fn raise_incident(
    app: &App,
    actor: &Actor,
    id: i64,
    key: &str,
    severity: Option<String>,
) -> Result<i64, AppError> {
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    let access = access_to(app, actor, &row, Permission::InspectionWork).await?;
    let terms = crate::terms::of_version(app, row.contract_version_id).await?;
    let severity = match severity {
        Some(s) => s,
        None => lowest_severity(&terms)?,
    };
    let raisable = |ev: &ExecutionView| -> Result<ResultRow, AppError> {
        let result = ev
            .result(key)
            .ok_or_else(|| AppError::Conflict {
                field: "item".into(), reason: format!("第 {key} 项还没有填写")
            })?;
        if result.verdict != Verdict::Abnormal.code() {
            return Err(AppError::Conflict {
                field: "item".into(),
                reason: format!("第 {key} 项结论为正常，无需报障"),
            });
        }
        if let Some(inc) = result.incident_id {
            return Err(AppError::Conflict {
                field: "item".into(),
                reason: format!("第 {key} 项已转为故障（编号 {inc}）"),
            });
        }
        Ok(result.clone())
    };
    // Checked and prepared outside the write transaction, checked again inside it.
    let ev = view(row, store::results(&app.db, id).await?)?;
    let item = ev.template.item(key).ok_or_else(|| AppError::NotFound(format!("巡检项目 {key} 不存在")))?;
    let result = raisable(&ev)?;
    let input = incident_input(&ev.row, &ev.template, item, &result, severity);
    let prepared = crate::incident::prepare(app, actor, &access.project.code, input).await?;
    let mut tx = app.db.begin().await?;
    let row = store::execution_tx(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    let now_ev = view(row, store::results_tx(&mut tx, id).await?)?;
    raisable(&now_ev)?;
    let inc = open_incident(&mut tx, actor, id, key, prepared).await?;
    record(
        &mut tx,
        Some(actor),
        app.now(),
        Record {
            project_id: Some(now_ev.row.project_id),
            code: audit::INSPECTION_RAISE_INCIDENT,
            entity_id: id.to_string(),
            summary: json!({ "item": key, "incident_id": inc }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(inc)
}

/// The contract's least severe level (its last code: P1 is the most severe).
fn lowest_severity(t: &CompiledContract) -> Result<String, AppError> {
    t.contract
        .severities
        .keys()
        .next_back()
        .cloned()
        .ok_or_else(|| AppError::Internal("contract without severities".into()))
}

async fn transition(
    app: &App,
    actor: &Actor,
    id: i64,
    p: Permission,
    change: impl FnOnce(
        &mut ExecutionRow,
        &ExecutionView,
        Status,
        DateTime<Utc>,
        &CompiledContract,
    ) -> Result<yunwei_domain::audit::AuditCode, AppError>,
) -> Result<ExecutionView, AppError> {
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, p).await?;
    let terms = crate::terms::of_version(app, row.contract_version_id).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = store::execution_tx(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    let ev = view(row.clone(), store::results_tx(&mut tx, id).await?)?;
    let status = Status::parse(&row.status).ok_or_else(|| AppError::Internal(format!("status {}", row.status)))?;
    let mut next = row.clone();
    let action = change(&mut next, &ev, status, now, &terms)?;
    next.updated_at = now;
    if !store::update_execution(&mut tx, &next, row.version).await? {
        return Err(AppError::Stale { current: row.version + 1 });
    }
    sync_jobs(&mut tx, &next, now).await?;
    next.version = row.version + 1;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: action,
            entity_id: id.to_string(),
            summary: json!({ "before": { "status": row.status }, "after": { "status": next.status,
                "report_due": next.report_due.map(|d| d.to_rfc3339()) } }),
        },
    )
    .await?;
    tx.commit().await?;
    view(next, ev.results)
}

fn wrong_status(now: Status, what: &str) -> AppError {
    AppError::Conflict {
        field: "status".into(),
        reason: format!("巡检{}，不能{what}（当前状态：{}）", now.label(), now.code()),
    }
}

/// The engineer signs a fully answered inspection; the report's due time starts from here.
pub async fn complete(app: &App, actor: &Actor, id: i64) -> Result<ExecutionView, AppError> {
    let name = actor.display_name.clone();
    let uid = actor.user_id;
    transition(app, actor, id, Permission::InspectionWork, |row, ev, status, now, terms| {
        if !status.open() {
            return Err(wrong_status(status, "签字完成"));
        }
        let answered: BTreeSet<&str> = ev.results.iter().map(|r| r.item_key.as_str()).collect();
        let missing = domain::unanswered(&ev.template, &answered);
        if !missing.is_empty() {
            let list = missing.iter().take(5).map(|i| format!("{} {}", i.key, i.name)).collect::<Vec<_>>().join("、");
            let more = if missing.len() > 5 { " 等" } else { "" };
            return Err(
                ValidationErrors::single("results", format!("尚有 {} 项未填写：{list}{more}", missing.len())).into()
            );
        }
        row.status = Status::Completed.code().to_owned();
        row.completed_at = Some(now);
        row.engineer_id = Some(uid);
        row.engineer_name = Some(name);
        row.report_due = report_due(terms, now)?;
        Ok(audit::INSPECTION_COMPLETE)
    })
    .await
}

/// When the inspection report is due after an inspection completed at `at`, in the contract's
/// calendar (seed 000 §2.9: 3 working days); `None` when the contract sets no such term.
pub fn report_due(t: &CompiledContract, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(target) = t.contract.terms.reports.get(&ReportKind::Inspection) else { return Ok(None) };
    let cal = t
        .calendars
        .get(&target.calendar)
        .ok_or_else(|| AppError::Internal(format!("calendar {} missing", target.calendar)))?;
    let due = cal
        .add_business(at, target.within, &[])
        .map_err(|e| ValidationErrors::single("report_due", format!("无法按合同日历计算报告期限：{e}")))?;
    Ok(Some(due.value))
}

/// The hospital signs a completed inspection.
pub async fn confirm(app: &App, actor: &Actor, id: i64, note: Option<String>) -> Result<ExecutionView, AppError> {
    let name = actor.display_name.clone();
    let uid = actor.user_id;
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(ValidationErrors::single("note", "最多 2000 个字符").into());
    }
    transition(app, actor, id, Permission::InspectionConfirm, |row, _, status, now, _| {
        if status != Status::Completed {
            return Err(wrong_status(status, "确认"));
        }
        row.status = Status::Confirmed.code().to_owned();
        row.hospital_id = Some(uid);
        row.hospital_name = Some(name);
        row.hospital_signed_at = Some(now);
        row.hospital_note = note;
        Ok(audit::INSPECTION_CONFIRM)
    })
    .await
}

/// The report's text fields (seed 003 1.1.6.2.5: 发现的问题、原因、影响、建议与风险).
pub const REPORT_FIELDS: [(&str, &str); 5] = [
    ("findings", "发现的问题"),
    ("causes", "原因分析"),
    ("impact", "影响"),
    ("recommendations", "建议"),
    ("risks", "风险"),
];

/// Writes the report's text and, with `issue`, issues it (once: the issue time is what the due
/// time is checked against).
pub async fn write_report(
    app: &App,
    actor: &Actor,
    id: i64,
    fields: Vec<(String, String)>,
    issue: bool,
) -> Result<ExecutionView, AppError> {
    let mut v = ValidationErrors::default();
    let mut report = serde_json::Map::new();
    for (k, text) in fields {
        if !REPORT_FIELDS.iter().any(|(f, _)| *f == k) {
            v.push(k.clone(), format!("未知报告栏目，可选：{}", REPORT_FIELDS.map(|f| f.0).join(", ")));
        } else if text.chars().count() > 10_000 {
            v.push(k.clone(), "最多 10000 个字符");
        }
        report.insert(k, Value::from(text.trim()));
    }
    v.into_result()?;
    transition(app, actor, id, Permission::InspectionWork, |row, ev, status, now, _| {
        if !matches!(status, Status::Completed | Status::Confirmed) {
            return Err(wrong_status(status, "编写报告（须先签字完成巡检）"));
        }
        let mut merged: serde_json::Map<String, Value> =
            ev.report.0.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        merged.extend(report);
        row.report = Value::Object(merged).to_string();
        if issue && row.report_issued_at.is_none() {
            row.report_issued_at = Some(now);
        }
        Ok(if issue { audit::INSPECTION_ISSUE_REPORT } else { audit::INSPECTION_WRITE_REPORT })
    })
    .await
}

/// Photo types accepted, with their first bytes.
const PHOTO_TYPES: &[(&str, &[u8])] =
    &[("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG\r\n\x1a\n"), ("image/webp", b"RIFF")];

/// Adds a photo to an item of an open inspection (a photo item's answer, or evidence).
pub async fn add_photo(
    app: &App,
    actor: &Actor,
    id: i64,
    key: &str,
    file: crate::files::Upload,
) -> Result<Photo, AppError> {
    use sha2::Digest;
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionWork).await?;
    let ev = view(row, Vec::new())?;
    if ev.template.item(key).is_none() {
        return Err(AppError::NotFound(format!("巡检项目 {key} 不存在")));
    }
    let status = Status::parse(&ev.row.status).unwrap_or(Status::Planned);
    if !status.open() {
        return Err(AppError::Conflict {
            field: "status".into(),
            reason: format!("巡检{}，不能再添加照片（当前状态：{}）", status.label(), status.code()),
        });
    }
    let mut v = ValidationErrors::default();
    let (name, content_type) = crate::files::check(&mut v, &file, PHOTO_TYPES);
    v.into_result()?;
    let now = app.now();
    let mut p = Photo {
        id: 0,
        execution_id: id,
        project_id: ev.row.project_id,
        item_key: key.to_owned(),
        name,
        content_type,
        size: file.data.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&file.data)),
        created_at: now,
        created_by: actor.display_name.clone(),
    };
    let mut tx = app.db.begin().await?;
    p.id = store::insert_photo(&mut tx, &p, &file.data).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(p.project_id),
            code: audit::INSPECTION_PHOTO,
            entity_id: id.to_string(),
            summary: json!({ "item": key, "photo": p.id, "size": p.size, "sha256": p.sha256 }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// The photos of an inspection.
pub async fn photos(app: &App, actor: &Actor, id: i64) -> Result<Vec<Photo>, AppError> {
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionRead).await?;
    Ok(store::photos(&app.db, id).await?)
}

/// One photo with its bytes.
pub async fn photo(app: &App, actor: &Actor, id: i64, photo: i64) -> Result<(Photo, Vec<u8>), AppError> {
    let row = store::execution(&app.db, id).await?.ok_or_else(|| not_found(id))?;
    access_to(app, actor, &row, Permission::InspectionRead).await?;
    store::photo(&app.db, id, photo).await?.ok_or_else(|| AppError::NotFound(format!("照片 {photo} 不存在")))
}
