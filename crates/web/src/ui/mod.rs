//! What the server-rendered pages (Simplified Chinese) share: the shell, rendering and error pages,
//! the CSRF check of forms.

pub mod csrf;
pub mod docx;
pub mod page;
pub mod shell;
pub mod time;
