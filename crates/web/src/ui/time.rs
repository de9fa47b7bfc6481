//! Times on the pages: in the project's time zone, to the minute.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use yunwei_app::access::ProjectAccess;

/// The project's time zone (Shanghai when the stored name does not parse).
pub fn tz_of(access: &ProjectAccess) -> Tz {
    yunwei_domain::time::project_tz(&access.project.timezone)
}

/// A time as the pages and reports print it, in `tz`.
pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `datetime-local` input in the project's zone; blank is "now".
pub fn parse_local(field: &str, s: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .and_then(|n| tz.from_local_datetime(&n).earliest())
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| format!("{field}：须为日期和时间，如 2026-03-02T08:50"))
}
