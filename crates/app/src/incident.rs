//! Service desk use cases: report a fault, record what happened to it, read and list incidents.
//! The SLA clocks are recomputed from the events and the contract version the incident was
//! opened under every time something happens (and live when it is read).

mod attachment;
mod clocks;
mod create;
mod event;
mod read;
mod view;

pub use attachment::{attach, attachment, attachments};
pub use create::{NewIncident, create};
pub(crate) use create::{Prepared, insert_prepared, prepare};
pub use event::{NewEvent, add_event, assignees, may_record};
pub(crate) use event::{Recorded, apply_event};
pub use read::{clock_kinds, get, in_project, index_text, list, related, run_text_indexer};
pub use view::{Attachment, ClockSnapshot, Event, INSPECTION_CATEGORY, Incident, IncidentFilter, IncidentView, Sla};
