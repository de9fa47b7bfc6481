//! Inspections: `/api/v1/projects/{code}/inspection-templates` (the seeds' built-ins and the
//! project's own), `/api/v1/projects/{code}/inspections` and `/api/v1/inspections/{id}`: plan an
//! inspection, answer it item by item (idempotent `PUT` per item, safe to replay from a phone's
//! queue), sign it, turn abnormal items into incidents, write and issue its report.

pub mod answers;
pub mod executions;
pub mod photos;
pub mod plans;
pub mod templates;
