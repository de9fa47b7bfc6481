//! Reports as documents: what each report shows, already in words (the pages print it), and the
//! Word file written from it, so the web pages, the CLI and later reports share one builder.

pub mod docx;
mod incident;

pub use incident::{IncidentReport, incident};
