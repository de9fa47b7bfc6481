//! What the server-rendered pages (Simplified Chinese) share: the shell, rendering and error pages,
//! the CSRF check of forms, the wording of a refused form.

pub mod csrf;
pub mod docx;
pub mod form_errors;
pub mod page;
pub mod shell;
pub mod time;
