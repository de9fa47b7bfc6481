//! The permission matrix: every endpoint × every role × member / non-member (and anonymous),
//! with the expected status. One file per module lists that module's endpoints; each row carries
//! its own call and the roles allowed. For every endpoint the harness checks that an allowed
//! member succeeds, a member without the role is refused (403), a member of another project gets
//! 404, an anonymous caller gets 401 (API) or the login page (UI), and that a write sent with the
//! session cookie but without its CSRF token (form field or `X-CSRF-Token`) is refused and
//! changes nothing. Every write called by an allowed member must leave an audit entry of that
//! member, or its row says why not. A test fails when an endpoint exists without a row here.

mod audit;
mod cmdb;
mod contract;
mod fixture;
mod harness;
mod identity;
mod inspection;
mod monitoring;
mod notify;
mod project;
mod servicedesk;
mod site;

use std::collections::BTreeSet;

use axum::http::Method;
use yunwei_domain::identity::Role;

pub use fixture::{Caller, Fixture, PNG, fixture};
pub use harness::{Mode, Row, Who};

use Role::*;
pub const ALL: &[Role] = &Role::ALL;
pub const NOTIFY: &[Role] = &[Admin, HospitalIt, Manager];
pub const REPORTERS: &[Role] = &[Admin, HospitalIt, Reporter, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper];
pub const CMDB_READ: &[Role] = &[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper, Auditor];
pub const CMDB_WRITE: &[Role] = &[Admin, HospitalIt, Engineer, L2Engineer];
pub const INSPECTION_READ: &[Role] =
    &[Admin, HospitalIt, Dispatcher, Engineer, L2Engineer, Manager, Storekeeper, Auditor];
pub const INSPECTION_TEMPLATES: &[Role] = &[Admin, HospitalIt, Manager];
pub const INSPECTION_WORK: &[Role] = &[Engineer, L2Engineer, Manager];
pub const INSPECTION_CONFIRM: &[Role] = &[HospitalIt];
pub const PROJECT_SETTINGS: &[Role] = &[Admin, HospitalIt];
pub const MEMBERS_READ: &[Role] = &[Admin, HospitalIt, Manager, Dispatcher, Auditor];
pub const AUDIT_READ: &[Role] = &[Admin, Auditor, HospitalIt, Manager];

/// Every row of the matrix, module by module.
fn rows() -> Vec<Row> {
    [
        site::rows(),
        identity::rows(),
        project::rows(),
        audit::rows(),
        contract::rows(),
        servicedesk::rows(),
        notify::rows(),
        cmdb::rows(),
        inspection::rows(),
        monitoring::rows(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[tokio::test]
async fn every_endpoint_has_a_row_in_the_matrix() {
    let all = rows();
    let listed: BTreeSet<(String, String)> = all.iter().map(|r| (r.method.to_string(), r.route.to_owned())).collect();
    assert_eq!(listed.len(), all.len(), "an endpoint has two rows in the permission matrix");
    let served: BTreeSet<(String, String)> =
        yunwei_web::endpoints().into_iter().map(|e| (e.method.to_string(), e.path)).collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(missing.is_empty(), "endpoints without a row in the permission matrix: {missing:?}");
    assert!(stale.is_empty(), "matrix rows for endpoints that do not exist: {stale:?}");
    // The OpenAPI document served lists the same API endpoints as the API rows.
    let t = crate::support::TestApp::new().await;
    let doc = t.api(Method::GET, "/api/v1/openapi.json", None, None).await.json();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().expect("path item").keys().map(move |m| (m.to_uppercase(), path.clone()))
        })
        .filter(|(m, _)| ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()))
        .collect();
    let api_rows: BTreeSet<(String, String)> =
        listed.iter().filter(|(_, p)| p.starts_with("/api/v1/") && p != "/api/v1/openapi.json").cloned().collect();
    let undocumented: Vec<_> = api_rows.difference(&documented).collect();
    let unlisted: Vec<_> = documented.difference(&api_rows).collect();
    assert!(undocumented.is_empty(), "API rows missing from the served OpenAPI document: {undocumented:?}");
    assert!(unlisted.is_empty(), "documented API endpoints without a row: {unlisted:?}");
}

#[tokio::test]
async fn permission_matrix_holds_for_every_role_and_membership() {
    let fx = fixture().await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in rows() {
        for c in &fx.callers {
            let want = row.expected(c);
            let res = row.run(&fx, c, Mode::Normal).await;
            checked += 1;
            let got = res.status.as_u16();
            let login_redirect = res.header("location").is_some_and(|l| l.starts_with("/login"));
            // An anonymous UI caller must be sent to the login page specifically.
            let wrong_redirect = want == 303
                && c.role.is_none()
                && row.ui
                && !matches!(row.who, Who::Public | Who::PublicRedirectsUsers)
                && !login_redirect;
            if got != want || wrong_redirect {
                failures.push(format!(
                    "{} {} as {} ({}): expected {want}, got {got} {}",
                    row.method,
                    row.route,
                    c.label,
                    row.case(c),
                    res.body.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    // Every row ran for the anonymous caller and both callers of each of the nine roles.
    assert_eq!(checked, rows().len() * (1 + 2 * Role::ALL.len()));
}

#[tokio::test]
async fn every_endpoint_is_checked_in_each_case_that_applies_to_it() {
    let fx = fixture().await;
    let mut gaps = Vec::new();
    for row in rows() {
        let cases: BTreeSet<&str> = fx.callers.iter().map(|c| row.case(c)).collect();
        let want: &[&str] = match row.who {
            Who::Public | Who::AnyUser => &["allowed", "anonymous"],
            Who::PublicRedirectsUsers => &["anonymous", "redirected"],
            Who::SysAdmin => &["allowed", "denied", "anonymous"],
            Who::Project(roles) if roles.len() < Role::ALL.len() => &["allowed", "denied", "non-member", "anonymous"],
            Who::Project(_) => &["allowed", "non-member", "anonymous"],
        };
        for case in want.iter().copied() {
            if !cases.contains(case) {
                gaps.push(format!("{} {}: no caller for the {case} case", row.method, row.route));
            }
        }
        if row.method != Method::GET && !matches!(row.who, Who::Public) && row.allowed_caller(&fx).is_none() {
            gaps.push(format!("{} {}: no allowed caller for the CSRF and audit checks", row.method, row.route));
        }
    }
    assert!(gaps.is_empty(), "{}", gaps.join("\n"));
}

async fn audited_by(fx: &Fixture, c: &Caller) -> i64 {
    fx.t.tdb.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE actor_id = {}", c.user_id)).await
}

#[tokio::test]
async fn every_write_is_audited_and_every_cookie_write_needs_its_csrf_token() {
    let fx = fixture().await;
    let mut failures = Vec::new();
    for row in rows().into_iter().filter(|r| r.method != Method::GET) {
        let Some(c) = row.allowed_caller(&fx) else { continue };
        let label = format!("{} {} as {}", row.method, row.route, c.label);
        // The same call with the caller's session cookie and no CSRF token: an empty `_csrf`
        // field on forms, no `X-CSRF-Token` header on the API.
        let before = audited_by(&fx, c).await;
        let res = row.run(&fx, c, Mode::NoCsrf).await;
        let after = audited_by(&fx, c).await;
        if res.status != 403 || after != before {
            failures.push(format!(
                "{label} with its session cookie and no CSRF token: got {} and {} audit entries",
                res.status,
                after - before
            ));
        }
        let before = audited_by(&fx, c).await;
        let res = row.run(&fx, c, Mode::Normal).await;
        let after = audited_by(&fx, c).await;
        if res.status.as_u16() != row.ok {
            failures.push(format!("{label}: expected {}, got {} {}", row.ok, res.status, res.body));
            continue;
        }
        if after <= before && row.not_audited.is_none() {
            failures.push(format!("{label}: answered {} and left no audit entry", res.status));
        }
    }
    assert!(failures.is_empty(), "{} writes failed:\n{}", failures.len(), failures.join("\n"));
}
