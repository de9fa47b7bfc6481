//! HTTP helpers every module's API uses.

pub mod cursor;
pub mod etag;
pub mod extract;
pub mod files;
pub mod headers;
pub mod page;
pub mod time;
pub mod update;
