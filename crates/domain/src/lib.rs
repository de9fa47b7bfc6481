//! Pure domain types and rules of yunwei.
//!
//! Nothing here does I/O, is async or knows a database type; everything is unit-testable.
//! One module per DESIGN.md module.

#[macro_use]
pub mod code;

pub mod audit;
pub mod calendar;
pub mod cmdb;
pub mod contract;
pub mod error;
pub mod id;
pub mod identity;
pub mod inspection;
pub mod modules;
pub mod monitoring;
pub mod outbound;
pub mod servicedesk;
pub mod text;
pub mod time;

pub use error::{FieldError, ValidationErrors};
