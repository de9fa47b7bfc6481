//! The audit log of a project.

use axum::http::Method;

use super::harness::{Row, api, page};
use super::{AUDIT_READ, Who};

pub fn rows() -> Vec<Row> {
    vec![
        api(Method::GET, "/api/v1/projects/{code}/audit", Who::Project(AUDIT_READ), 200),
        page(Method::GET, "/p/{code}/audit", Who::Project(AUDIT_READ), 200),
    ]
}
