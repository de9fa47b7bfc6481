//! The service desk (seed 000 §3, seed 001 1.4, seed 003 1.1.3.4 and 1.1.5.2): incidents (CASE),
//! their lifecycle as events, and the four SLA clocks computed from the events and the contract
//! version the incident was opened under. Everything here is pure: the clocks are a function of
//! the event list, so a severity change or a backdated event simply recomputes them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::calendar::{Calendar, CalendarError, Pause};
use crate::contract::{ClockKind, SeverityTerms};

pub mod audit;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

code_enum! {
    /// How a fault was reported (seed 003 1.1.3.3: 电话、传真、网络; seed 000 §3.1).
    Channel {
        /// Hotline.
        Phone = ("phone", "电话"),
        /// Fax.
        Fax = ("fax", "传真"),
        /// E-mail.
        Email = ("email", "电子邮件"),
        /// This web application.
        Web = ("web", "网页"),
        /// WeChat / WeCom.
        Wechat = ("wechat", "微信"),
        /// Told an engineer on site.
        OnSite = ("on_site", "现场"),
        /// Found during remote work.
        Remote = ("remote", "远程"),
        /// From monitoring.
        Monitoring = ("monitoring", "监控告警"),
    }
}

code_enum! {
    /// Who is affected.
    Scope {
        /// The whole hospital.
        Hospital = ("hospital", "全院"),
        /// One department or ward.
        Department = ("department", "科室"),
        /// One user or workstation.
        User = ("user", "单个用户"),
    }
}

code_enum! {
    /// Where an incident stands.
    Status {
        /// Reported, not yet answered (待响应).
        Reported = ("reported", "待响应"),
        /// An engineer is on it (处理中).
        InProgress = ("in_progress", "处理中"),
        /// Waiting for the hospital to approve the fix plan; clocks stand still (seed 000 §3.2).
        AwaitingApproval = ("awaiting_approval", "待院方批准"),
        /// Fixed, waiting for the hospital's confirmation (待确认).
        Resolved = ("resolved", "待确认"),
        /// Confirmed by the hospital (seed 003: 用户确认故障已解决).
        Closed = ("closed", "已关闭"),
    }
}

code_enum! {
    /// What can happen to an incident.
    EventKind {
        /// An engineer confirmed and started diagnosis (响应).
        Respond = ("respond", "响应"),
        /// Phone guidance failed; remote support requested (seed 000 §3.2 item 4).
        RequestRemote = ("request_remote", "请求远程支持"),
        /// Engineer logged in remotely.
        StartRemote = ("start_remote", "远程登录"),
        /// On-site support requested.
        RequestOnsite = ("request_onsite", "请求现场支持"),
        /// Engineer arrived on site.
        ArriveOnsite = ("arrive_onsite", "到达现场"),
        /// Fix plan sent to the hospital for approval; clocks pause.
        RequestApproval = ("request_approval", "提交院方批准"),
        /// The hospital approved; clocks resume.
        Approve = ("approve", "院方批准"),
        /// Technical escalation to L2 / experts (seed 003 1.1.5.2.2).
        Escalate = ("escalate", "技术升级"),
        /// Fault removed (cause, action, prevention).
        Resolve = ("resolve", "解决"),
        /// The hospital confirms; the case closes.
        Confirm = ("confirm", "确认关闭"),
        /// The fault is back.
        Reopen = ("reopen", "重新打开"),
        /// A note.
        Comment = ("comment", "备注"),
        /// Severity changed; clocks are recomputed from the reported time.
        Reclassify = ("reclassify", "调整级别"),
        /// Handed to an engineer (派单); the clocks do not change.
        Assign = ("assign", "派单"),
        /// The hospital rates the service after closing (满意度 1–5).
        Rate = ("rate", "满意度评价"),
    }
}

/// Support line (seed 003: 热线工程师 → 二线工程师).
pub const SUPPORT_LINES: &[(&str, &str)] = &[("l1", "一线"), ("l2", "二线"), ("expert", "专家")];

/// An incident's number: `INC-2026-000123` (per project and year, from 1).
pub fn incident_number(year: i32, seq: i64) -> String {
    format!("INC-{year}-{seq:06}")
}

/// `s` as an incident number if it is one (`inc-2026-000123`, spaces around allowed), so a
/// search for it can use the number's index instead of scanning every text.
pub fn as_incident_number(s: &str) -> Option<String> {
    let up = s.trim().to_ascii_uppercase();
    let mut parts = up.splitn(3, '-');
    let ok = parts.next() == Some("INC")
        && parts.next().is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_some_and(|n| n.len() >= 6 && n.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(up)
}

/// Whether `kind` may happen now; the new status, or why not.
pub fn transition(
    status: Status,
    kind: EventKind,
    remote_pending: bool,
    onsite_pending: bool,
) -> Result<Status, String> {
    use EventKind as E;
    use Status as S;
    let refuse = |what: &str| Err(format!("当前状态为“{}”，{what}", status.label()));
    match (kind, status) {
        (E::Comment, _) => Ok(status),
        (E::Reclassify, S::Closed) => refuse("已关闭的故障不能调整级别"),
        (E::Reclassify, _) => Ok(status),
        (E::Assign, S::Closed) => refuse("已关闭的故障不能派单"),
        (E::Assign, _) => Ok(status),
        (E::Rate, S::Closed) => Ok(status),
        (E::Rate, _) => refuse("确认关闭后才能评价"),
        (E::Respond, S::Reported) => Ok(S::InProgress),
        (E::Respond, _) => refuse("已响应过"),
        (E::RequestRemote | E::RequestOnsite | E::RequestApproval | E::Resolve, S::Reported) => refuse("须先响应"),
        (E::RequestRemote, S::InProgress) if remote_pending => refuse("已有等待中的远程支持请求"),
        (E::RequestRemote, S::InProgress) => Ok(S::InProgress),
        (E::StartRemote, S::InProgress | S::AwaitingApproval) if remote_pending => Ok(status),
        (E::StartRemote, _) => refuse("没有等待中的远程支持请求"),
        (E::RequestOnsite, S::InProgress) if onsite_pending => refuse("已有等待中的现场支持请求"),
        (E::RequestOnsite, S::InProgress) => Ok(S::InProgress),
        (E::ArriveOnsite, S::InProgress | S::AwaitingApproval) if onsite_pending => Ok(status),
        (E::ArriveOnsite, _) => refuse("没有等待中的现场支持请求"),
        (E::RequestApproval, S::InProgress) => Ok(S::AwaitingApproval),
        (E::Approve, S::AwaitingApproval) => Ok(S::InProgress),
        (E::Approve, _) => refuse("没有等待批准的方案"),
        (E::Escalate, S::Reported | S::InProgress | S::AwaitingApproval) => Ok(status),
        (E::Resolve, S::InProgress) => Ok(S::Resolved),
        (E::Confirm, S::Resolved) => Ok(S::Closed),
        (E::Confirm, _) => refuse("只有已解决的故障可以确认"),
        (E::Reopen, S::Resolved | S::Closed) => Ok(S::InProgress),
        (E::Reopen, _) => refuse("故障尚未解决，无需重新打开"),
        (_, _) => refuse("不能进行此操作"),
    }
}

/// What the clocks need of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockEvent {
    /// What happened.
    pub kind: EventKind,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// One SLA clock of an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockState {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Deadline, pauses excluded (an open pause counts up to `now`).
    pub due: DateTime<Utc>,
    /// When three quarters of the allowed business time are used (the UI turns amber).
    pub warn_at: DateTime<Utc>,
    /// When it stopped, if it has.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Whether it stopped in time; `None` while running.
    pub met: Option<bool>,
    /// Business time of the clock's calendar excluded by pauses.
    pub paused_seconds: i64,
    /// Whether a pause is open now (the clock stands still).
    pub paused: bool,
    /// Years without holiday data the computation crossed.
    pub missing_holiday_years: Vec<i32>,
}

impl ClockState {
    /// Missed, or running past its due time at `now`. (An open pause that began before the
    /// deadline moves the deadline along with `now`, so a standing clock is never past due; one
    /// that began after the deadline does not undo the breach.)
    pub fn breached(&self, now: DateTime<Utc>) -> bool {
        match self.met {
            Some(met) => !met,
            None => now > self.due,
        }
    }
}

/// The clocks of an incident: a clock of the severity that has not started is `None`; clocks
/// the severity does not track are absent.
pub type Clocks = BTreeMap<ClockKind, Option<ClockState>>;

/// The intervals that stand an incident's clocks still.
struct Pauses {
    /// Approval pauses (request_approval → approve; an open one up to now).
    pauses: Vec<Pause>,
    /// An approval pause is open now.
    paused_now: bool,
    /// The last resolve not followed by a reopen.
    resolve_stop: Option<DateTime<Utc>>,
    /// Approval pauses plus resolved → reopen gaps (nobody knew the fault was back).
    resolve_pauses: Vec<Pause>,
}

fn pauses_of(events: &[ClockEvent], pause_while: &[String], now: DateTime<Utc>) -> Pauses {
    let mut pauses: Vec<Pause> = Vec::new();
    let mut open_pause: Option<DateTime<Utc>> = None;
    if pause_while.iter().any(|s| s == Status::AwaitingApproval.code()) {
        for e in events {
            match e.kind {
                EventKind::RequestApproval if open_pause.is_none() => open_pause = Some(e.at),
                EventKind::Approve => {
                    if let Some(s) = open_pause.take() {
                        pauses.push(Pause { start: s, end: e.at });
                    }
                }
                _ => {}
            }
        }
    }
    let paused_now = open_pause.is_some();
    if let Some(s) = open_pause {
        pauses.push(Pause { start: s, end: now.max(s) });
    }
    let mut resolve_stop: Option<DateTime<Utc>> = None;
    let mut resolve_pauses = pauses.clone();
    for e in events {
        match e.kind {
            EventKind::Resolve => resolve_stop = Some(e.at),
            EventKind::Reopen => {
                if let Some(s) = resolve_stop.take() {
                    resolve_pauses.push(Pause { start: s, end: e.at });
                }
            }
            _ => {}
        }
    }
    Pauses { pauses, paused_now, resolve_stop, resolve_pauses }
}

/// One step of the escalation ladder as it stands for an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationDue {
    /// Index in the severity's ladder.
    pub step: usize,
    /// Who is told (`manager1` …).
    pub to: String,
    /// When it fires: `after` business time from the report, with the resolve clock's pauses
    /// excluded; `None` while an approval pause is open (the ladder stands still with the clocks).
    pub due: Option<DateTime<Utc>>,
}

/// The escalation steps still ahead of an unresolved incident (none once it is resolved: a
/// step that comes due after the fix is never sent).
pub fn escalation_steps(
    reported_at: DateTime<Utc>,
    events: &[ClockEvent],
    terms: &SeverityTerms,
    calendars: &BTreeMap<String, Calendar>,
    pause_while: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<EscalationDue>, CalendarError> {
    let p = pauses_of(events, pause_while, now);
    if p.resolve_stop.is_some() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (step, e) in terms.escalate.iter().enumerate() {
        let cal =
            calendars.get(&e.calendar).ok_or_else(|| CalendarError::Invalid(format!("no calendar {}", e.calendar)))?;
        let due =
            if p.paused_now { None } else { Some(cal.add_business(reported_at, e.after, &p.resolve_pauses)?.value) };
        out.push(EscalationDue { step, to: e.to.clone(), due });
    }
    Ok(out)
}

/// Computes the clocks of an incident reported at `reported_at` under `terms` (the current
/// severity, applied from the reported time), given its events in order.
pub fn compute_clocks(
    reported_at: DateTime<Utc>,
    events: &[ClockEvent],
    terms: &SeverityTerms,
    calendars: &BTreeMap<String, Calendar>,
    pause_while: &[String],
    now: DateTime<Utc>,
) -> Result<Clocks, CalendarError> {
    let first =
        |kind: EventKind, after: DateTime<Utc>| events.iter().find(|e| e.kind == kind && e.at >= after).map(|e| e.at);

    let Pauses { pauses, paused_now, resolve_stop, resolve_pauses } = pauses_of(events, pause_while, now);

    let mut out = Clocks::new();
    for (kind, target) in &terms.clocks {
        let window = match kind {
            ClockKind::Respond => Some((reported_at, first(EventKind::Respond, reported_at))),
            ClockKind::Resolve => Some((reported_at, resolve_stop)),
            ClockKind::Remote => {
                first(EventKind::RequestRemote, reported_at).map(|s| (s, first(EventKind::StartRemote, s)))
            }
            ClockKind::Onsite => {
                first(EventKind::RequestOnsite, reported_at).map(|s| (s, first(EventKind::ArriveOnsite, s)))
            }
        };
        let Some((start, stop)) = window else {
            out.insert(*kind, None);
            continue;
        };
        let cal = calendars
            .get(&target.calendar)
            .ok_or_else(|| CalendarError::Invalid(format!("no calendar {}", target.calendar)))?;
        let end = stop.unwrap_or(now).max(start);
        // Only what paused the clock while it ran: a pause that begins when (or after) it stopped
        // moves nothing, one it stopped inside of counts up to the stop.
        let ps: Vec<Pause> = (if *kind == ClockKind::Resolve { &resolve_pauses } else { &pauses })
            .iter()
            .filter(|p| p.start < end)
            .map(|p| Pause { start: p.start, end: p.end.min(end) })
            .collect();
        let due = cal.add_business(start, target.within, &ps)?;
        let three_quarters = target.within.to_seconds(cal.standard_day_seconds()) * 3 / 4;
        let warn_at = cal.add(start, chrono::Duration::seconds(three_quarters), &ps)?.value;
        let mut paused = 0i64;
        for p in &ps {
            let (a, b) = (p.start.max(start), p.end.min(end));
            if a < b {
                paused += cal.elapsed(a, b, &[])?.value.num_seconds();
            }
        }
        out.insert(
            *kind,
            Some(ClockState {
                started_at: start,
                due: due.value,
                warn_at,
                stopped_at: stop,
                met: stop.map(|s| s <= due.value),
                paused_seconds: paused,
                paused: stop.is_none() && paused_now,
                missing_holiday_years: due.missing_holiday_years,
            }),
        );
    }
    Ok(out)
}
