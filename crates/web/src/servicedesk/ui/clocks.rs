//! The SLA clocks as the pages show them: due time, what is left or how late, and a state the
//! stylesheet colours (from the stored snapshot on the list, live on an incident's page).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use yunwei_app::incident::Sla;
use yunwei_domain::contract::ClockKind;
use yunwei_domain::servicedesk::{Clocks, Status};

use crate::ui::time::local;

/// A clock as the pages show it.
pub(super) struct ClockView {
    pub(super) label: &'static str,
    pub(super) due: String,
    pub(super) due_iso: String,
    pub(super) warn_iso: String,
    /// `met`, `missed`, `running`, `paused`, `waiting`.
    pub(super) state: &'static str,
    pub(super) text: String,
}

/// "剩余 1 小时 5 分" / "已超时 20 分".
fn remaining(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (due - now).num_seconds();
    let m = secs.abs() / 60;
    let span = if m >= 24 * 60 {
        format!("{} 天 {} 小时", m / (24 * 60), m % (24 * 60) / 60)
    } else if m >= 60 {
        format!("{} 小时 {} 分", m / 60, m % 60)
    } else {
        format!("{m} 分")
    };
    if secs >= 0 { format!("剩余 {span}") } else { format!("已超时 {span}") }
}

/// What a clock shows: its deadline, when it turns amber, and whether it was met.
struct Times {
    due: DateTime<Utc>,
    warn_at: DateTime<Utc>,
    met: Option<bool>,
}

fn clock_view(kind: ClockKind, t: Option<Times>, status: &str, now: DateTime<Utc>, tz: Tz) -> ClockView {
    let Some(Times { due, warn_at, met }) = t else {
        return ClockView {
            label: kind.label(),
            due: "—".into(),
            due_iso: String::new(),
            warn_iso: String::new(),
            state: "waiting",
            text: "未开始".into(),
        };
    };
    let (state, text) = match met {
        Some(true) => ("met", "已达标".to_owned()),
        Some(false) => ("missed", "超时".to_owned()),
        None if status == Status::AwaitingApproval.code() && due > now => ("paused", "暂停（待院方批准）".to_owned()),
        None if now > due => ("missed", remaining(due, now)),
        None if now >= warn_at => ("warn", remaining(due, now)),
        None => ("running", remaining(due, now)),
    };
    ClockView {
        label: kind.label(),
        due: local(due, tz),
        due_iso: due.to_rfc3339(),
        warn_iso: warn_at.to_rfc3339(),
        state,
        text,
    }
}

/// The clocks of `kinds` in display order (`None`: the severity has no such clock).
fn views(
    kinds: impl Fn(ClockKind) -> Option<Option<Times>>,
    status: &str,
    now: DateTime<Utc>,
    tz: Tz,
) -> Vec<ClockView> {
    ClockKind::ALL.iter().filter_map(|k| kinds(*k).map(|t| clock_view(*k, t, status, now, tz))).collect()
}

/// The clocks of the stored snapshot (the list).
pub(super) fn stored(sla: &Sla, status: &str, now: DateTime<Utc>, tz: Tz) -> Vec<ClockView> {
    let times =
        |k| sla.get(&k).map(|c: &Option<_>| c.as_ref().map(|c| Times { due: c.due, warn_at: c.warn_at, met: c.met }));
    views(times, status, now, tz)
}

/// The clocks as computed now (an incident's page).
pub(super) fn live(clocks: &Clocks, status: &str, now: DateTime<Utc>, tz: Tz) -> Vec<ClockView> {
    let times = |k| {
        clocks.get(&k).map(|c: &Option<_>| c.as_ref().map(|c| Times { due: c.due, warn_at: c.warn_at, met: c.met }))
    };
    views(times, status, now, tz)
}
