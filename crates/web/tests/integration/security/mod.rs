//! Security checks (issue 17 item 6, OWASP ASVS 5.0 level 2 where it applies; the table is in
//! docs/reliability.md): response headers, sessions, CSRF on every form, login throttling,
//! password policy, stored tokens, outbound-request targets, uploads, the admin audit trail.

mod admin_audit;
mod csrf;
mod headers;
mod outbound;
mod sessions;
mod stored;
