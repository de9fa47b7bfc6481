//! Inspection plans (巡检计划) on the inspections page: the project's plans (a template on CIs on
//! a cycle) and a form to create one; creating generates what the plan owes now, and the page
//! then lists exactly those inspections.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use yunwei_app::AppError;
use yunwei_app::access::ProjectAccess;
use yunwei_app::inspection::TemplateView;
use yunwei_app::inspection_plan::{self as uc, NewPlan};
use yunwei_domain::identity::Permission;
use yunwei_domain::inspection::Period;

use super::executions::{ListQuery, PlanForm, list_page};
use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::{csrf_failed, csrf_ok};
use crate::ui::form_errors::FormErrors;
use crate::ui::page::app_error_page;

/// One plan as listed.
pub(super) struct PlanLine {
    pub id: i64,
    pub name: String,
    pub template: String,
    pub template_code: String,
    /// The CIs by name (the first few), or `不指定配置项`.
    pub cis: String,
    pub cycle: &'static str,
}

/// The plan form as typed.
#[derive(Default, Clone)]
pub(crate) struct Typed {
    pub name: String,
    pub template: String,
    pub ci_ids: Vec<String>,
    pub cycle: String,
    pub error: String,
}

impl Typed {
    /// Whether CI `id` was picked.
    pub fn has_ci(&self, id: &str) -> bool {
        self.ci_ids.iter().any(|c| c == id)
    }
}

/// What the page shows of plans.
pub(super) struct Section {
    pub rows: Vec<PlanLine>,
    pub can_create: bool,
    pub form: Typed,
    /// (code, label) of every cycle.
    pub cycles: Vec<(&'static str, &'static str)>,
}

/// CIs a plan line names before it says "等 N 个".
const SHOWN_CIS: usize = 3;

/// The contract's default inspection cycle (`quarter` without one).
async fn default_cycle(st: &AppState, code: &str) -> String {
    yunwei_app::contract::current(&st.app, None, code)
        .await
        .ok()
        .and_then(|row| yunwei_app::contract::validate(&row.document).ok())
        .and_then(|c| c.terms.inspection.map(|i| i.cycle.code().to_owned()))
        .unwrap_or_else(|| "quarter".to_owned())
}

/// The plans section of project `code`; `typed` is a refused form shown again.
pub(super) async fn section(
    st: &AppState,
    auth: &Auth,
    code: &str,
    access: &ProjectAccess,
    templates: &[TemplateView],
    typed: Option<Typed>,
) -> Result<Section, AppError> {
    let plans = uc::list(&st.app, &auth.actor, code).await?;
    let ids: Vec<i64> = plans.iter().flat_map(|p| p.ci_ids.iter().copied()).collect();
    let names = yunwei_app::inspection::ci_names(&st.app, &auth.actor, code, &ids).await?;
    let rows = plans
        .into_iter()
        .map(|p| {
            let mut cis: Vec<String> = p
                .ci_ids
                .iter()
                .take(SHOWN_CIS)
                .map(|id| names.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
                .collect();
            if p.ci_ids.len() > SHOWN_CIS {
                cis.push(format!("等 {} 个", p.ci_ids.len()));
            }
            let template = templates
                .iter()
                .find(|t| t.template.code == p.row.template_code)
                .map_or_else(|| p.row.template_code.clone(), |t| t.template.name.clone());
            PlanLine {
                id: p.row.id,
                name: p.row.name,
                template,
                template_code: p.row.template_code,
                cis: if cis.is_empty() { "不指定配置项".to_owned() } else { cis.join("、") },
                cycle: Period::parse(&p.row.cycle).map(Period::label).unwrap_or("—"),
            }
        })
        .collect();
    let can_create = access.roles.grants(Permission::InspectionTemplateWrite);
    let form = match typed {
        Some(t) => t,
        None if can_create => Typed { cycle: default_cycle(st, code).await, ..Default::default() },
        None => Typed::default(),
    };
    Ok(Section { rows, can_create, form, cycles: Period::ALL.iter().map(|p| (p.code(), p.label())).collect() })
}

fn field_label(f: &str) -> String {
    match f {
        "name" => "计划名称",
        "template" => "巡检模板",
        "ci_ids" => "配置项",
        "cycle" => "周期",
        other => other,
    }
    .to_owned()
}

/// How the plan form words a refusal.
const FORM: FormErrors = FormErrors::new(field_label);

/// `POST /p/{code}/inspection-plans`: creates a plan; on success the inspections it generated.
pub async fn create(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut csrf = String::new();
    let mut t = Typed::default();
    for (k, v) in pairs {
        match k.as_str() {
            "_csrf" => csrf = v,
            "name" => t.name = v,
            "template" => t.template = v,
            "ci_ids" if !v.trim().is_empty() => t.ci_ids.push(v),
            "cycle" => t.cycle = v,
            _ => {}
        }
    }
    if !csrf_ok(&auth, &csrf) {
        return csrf_failed();
    }
    let mut bad = Vec::new();
    let ci_ids: Vec<i64> = t
        .ci_ids
        .iter()
        .filter_map(|s| {
            s.trim().parse().ok().or_else(|| {
                bad.push(s.clone());
                None
            })
        })
        .collect();
    let result = if bad.is_empty() {
        let n = NewPlan {
            name: t.name.clone(),
            template: t.template.trim().to_owned(),
            ci_ids,
            cycle: Some(t.cycle.trim().to_owned()).filter(|c| !c.is_empty()),
        };
        uc::create(&st.app, &auth.actor, &code, n).await
    } else {
        Err(yunwei_domain::ValidationErrors::single("ci_ids", "请从列表中选择配置项").into())
    };
    match result {
        Ok(v) => {
            let to = format!("/p/{code}/inspections?plan={}&created={}#list", v.row.id, v.created.len());
            Redirect::to(&to).into_response()
        }
        Err(e) => match FORM.reasons(e) {
            Ok(msg) => {
                t.error = format!("未能创建计划：{msg}");
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                list_page(&st, &auth, &code, ListQuery::default(), PlanForm::default(), String::new(), Some(t), status)
                    .await
            }
            Err(e) => app_error_page(e),
        },
    }
}
