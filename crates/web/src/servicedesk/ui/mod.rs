//! The service desk pages: the hotline's list and quick report form, one incident with its
//! clocks, its history and the actions the caller may take, and the forms that act on it.

mod clocks;
mod detail;
mod forms;
mod list;

pub use detail::detail;
pub use forms::{attachment, event, upload};
pub use list::{list, report};
