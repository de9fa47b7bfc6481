//! Inspections: a project's own templates and their versions, executions and their answers.
//! Every query filters on `project_id` or reaches a row by id and returns its project for the
//! caller to authorise.

mod executions;
mod photos;
mod plans;
mod results;
mod templates;

pub use executions::{
    ExecutionFilter, ExecutionRow, execution, execution_tx, executions, insert_execution, mark_noticed, next_seq,
    planned, update_execution,
};
pub use photos::{PHOTOS, PhotoRow};
pub use plans::{PlanRow, insert_plan, plan, plan_periods, plans};
pub use results::{
    IncidentRefRow, ResultRow, incident_refs, link_incident, results, results_tx, sources_of_incident, upsert_result,
};
pub use templates::{TemplateRow, insert_template, template_tx, templates, update_template};
