//! Inspection use cases (seed 000 §2.2–2.5 and §2.9, seed 003 1.1.6.2.5/7, seed 004 2.1):
//! templates (the seeds' built-ins and the project's own, every version kept), executions filled
//! in item by item on a phone — answers carry the time they were given on the device, so a form
//! replayed after a dead Wi-Fi spell neither duplicates nor overwrites a newer answer — signed by
//! the engineer and the hospital, abnormal items turned into incidents (linked both ways), and the
//! inspection report whose due time the contract sets.

mod answers;
mod executions;
mod lookup;
mod overdue;
mod photos;
mod templates;
mod transitions;
mod view;

pub use answers::{AnswerInput, answer, raise_incident};
pub use executions::{NewExecution, create_execution, get, list};
pub(crate) use executions::{Planned, insert_planned};
pub use lookup::{CiChoice, IncidentRef, MAX_CI_CHOICES, ci_choices, ci_names, incidents};
pub(crate) use overdue::sync_jobs;
pub use overdue::{DUE, REPORT_DUE, jobs, notify_overdue};
pub use photos::{add_photo, photo, photos};
pub(crate) use templates::find_template_tx;
pub use templates::{TemplateView, create_template, template, templates, update_template};
pub use transitions::{REPORT_FIELDS, complete, confirm, report_due, write_report};
pub(crate) use view::view;
pub use view::{Execution, ExecutionFilter, ExecutionView, ItemResult, ReportText};
pub use yunwei_store::inspection::PhotoRow as Photo;
