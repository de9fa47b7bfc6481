//! The SLA clocks of an incident: computed from its events under its contract version, and the
//! snapshot stored with it (the list's clocks and the breach instant).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use yunwei_domain::ValidationErrors;
use yunwei_domain::contract::CompiledContract;
use yunwei_domain::servicedesk::{ClockEvent, Clocks, EventKind, compute_clocks};
use yunwei_store::incident::{EventRow, IncidentRow};

use crate::AppError;

/// The clocks from the stored events (no new event).
pub(super) fn clocks_of(
    t: &CompiledContract,
    row: &IncidentRow,
    events: &[ClockEvent],
    now: DateTime<Utc>,
) -> Result<Clocks, AppError> {
    let sev = t
        .contract
        .severities
        .get(&row.severity)
        .ok_or_else(|| AppError::Internal(format!("severity {} not in the contract", row.severity)))?;
    compute_clocks(row.reported_at, events, sev, &t.calendars, &t.contract.pause_while, now)
        .map_err(|e| ValidationErrors::single("at", format!("无法按合同日历计算时限：{e}")).into())
}

/// The JSON snapshot of the clocks and the instant the incident is (or will be) breached.
pub(super) fn snapshot(clocks: &Clocks, now: DateTime<Utc>) -> (String, Option<DateTime<Utc>>) {
    let mut breach: Option<DateTime<Utc>> = None;
    let mut map = serde_json::Map::new();
    for (k, c) in clocks {
        let v = match c {
            None => Value::Null,
            Some(c) => {
                let at = match c.met {
                    Some(false) => Some(c.due),
                    Some(true) => None,
                    // A clock standing still cannot breach until it runs again, unless it
                    // was already past due when it stopped.
                    None if c.paused => (c.due <= now).then_some(c.due),
                    None => Some(c.due),
                };
                if let Some(at) = at {
                    breach = Some(breach.map_or(at, |b| b.min(at)));
                }
                json!({
                    "due": c.due.to_rfc3339(),
                    "warn_at": c.warn_at.to_rfc3339(),
                    "stopped_at": c.stopped_at.map(|s| s.to_rfc3339()),
                    "met": c.met,
                    "paused_seconds": c.paused_seconds,
                })
            }
        };
        map.insert(k.code().to_owned(), v);
    }
    (Value::Object(map).to_string(), breach)
}

pub(super) fn clock_events(events: &[EventRow]) -> Vec<ClockEvent> {
    events.iter().filter_map(|e| EventKind::parse(&e.kind).map(|kind| ClockEvent { kind, at: e.at })).collect()
}
