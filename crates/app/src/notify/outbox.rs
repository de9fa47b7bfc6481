//! Queuing a notice: in-app, e-mail after the recipient's quiet hours, and the project's group
//! robots and gateways.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use yunwei_store::Tx;
use yunwei_store::notify::{self as store, ChannelRow, NotificationRow};

use crate::{App, AppError};

/// When a message to someone with quiet hours `start`–`end` (local `HH:MM`, may wrap midnight)
/// may go out: `now`, or the end of the quiet period `now` falls in.
pub fn release_time(now: DateTime<Utc>, tz: Tz, start: Option<&str>, end: Option<&str>) -> DateTime<Utc> {
    let parse = |s: Option<&str>| s.and_then(|s| NaiveTime::parse_from_str(s, "%H:%M").ok());
    let (Some(start), Some(end)) = (parse(start), parse(end)) else {
        return now;
    };
    if start == end {
        return now;
    }
    let local = now.with_timezone(&tz);
    let t = local.time();
    let quiet = if start < end { t >= start && t < end } else { t >= start || t < end };
    if !quiet {
        return now;
    }
    let mut day = local.date_naive();
    if start > end && t >= start {
        day = day.succ_opt().unwrap_or(day);
    }
    tz.from_local_datetime(&day.and_time(end)).earliest().map(|d| d.with_timezone(&Utc)).unwrap_or(now)
}

/// A message to the people and group robots of a project.
pub(crate) struct Notice {
    pub(crate) project_id: i64,
    pub(crate) incident_id: Option<i64>,
    /// `escalation`, `inspection_overdue` …
    pub(crate) kind: &'static str,
    pub(crate) subject: String,
    pub(crate) text: String,
    /// Sent at once even in a recipient's quiet hours (the most severe level).
    pub(crate) urgent: bool,
    /// yunwei's own event for a generic gateway (the phones, subject and text are added).
    pub(crate) event: Value,
}

/// Queues `notice` inside `tx`: in-app to each recipient, e-mail to those with an address (after
/// their quiet hours unless urgent), and one message per project channel (WeCom and DingTalk
/// robots mention the recipients' mobiles; a generic webhook gets the event).
pub(crate) async fn queue_notice(
    app: &App,
    tx: &mut Tx,
    notice: &Notice,
    recipients: &[(i64, String)],
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let base = NotificationRow {
        id: 0,
        project_id: notice.project_id,
        incident_id: notice.incident_id,
        user_id: None,
        channel_id: None,
        channel: String::new(),
        address: String::new(),
        kind: notice.kind.into(),
        subject: notice.subject.clone(),
        body: notice.text.clone(),
        status: "pending".into(),
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        created_at: now,
        sent_at: None,
        read_at: None,
    };
    let mut phones = Vec::new();
    for (user_id, name) in recipients {
        store::enqueue(
            tx,
            &NotificationRow {
                user_id: Some(*user_id),
                channel: "in_app".into(),
                address: name.clone(),
                status: "sent".into(),
                sent_at: Some(now),
                ..base.clone()
            },
        )
        .await?;
        let contact = store::contact(&app.db, *user_id).await?.unwrap_or_default();
        let release = if notice.urgent {
            now
        } else {
            release_time(now, tz, contact.quiet_start.as_deref(), contact.quiet_end.as_deref())
        };
        if let Some(email) = contact.email.as_deref().filter(|e| !e.is_empty()) {
            let n = NotificationRow {
                user_id: Some(*user_id),
                channel: "email".into(),
                address: email.to_owned(),
                next_attempt_at: release,
                ..base.clone()
            };
            store::enqueue(tx, &n).await?;
        }
        if let Some(p) = contact.phone.as_deref().filter(|p| !p.is_empty()) {
            phones.push((p.to_owned(), release));
        }
    }
    let all_phones: Vec<&str> = phones.iter().map(|(p, _)| p.as_str()).collect();
    for ch in store::channels(&app.db, notice.project_id).await? {
        let payload = robot_payload(&ch, &notice.subject, &notice.text, &all_phones, &notice.event);
        let n = NotificationRow {
            channel_id: Some(ch.id),
            channel: ch.kind.clone(),
            address: ch.name.clone(),
            body: payload.to_string(),
            ..base.clone()
        };
        store::enqueue(tx, &n).await?;
    }
    Ok(())
}

/// The JSON a channel expects: WeCom and DingTalk group robots' text messages (mentioning the
/// recipients by mobile number), or yunwei's own event for a generic gateway.
fn robot_payload(ch: &ChannelRow, subject: &str, text: &str, phones: &[&str], event: &Value) -> Value {
    let content = format!("{subject}\n{text}");
    match ch.kind.as_str() {
        "wecom" => json!({"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": phones}}),
        "dingtalk" => {
            json!({"msgtype": "text", "text": {"content": content}, "at": {"atMobiles": phones, "isAtAll": false}})
        }
        _ => {
            let mut e = event.clone();
            if let Some(o) = e.as_object_mut() {
                o.insert("phones".into(), json!(phones));
                o.insert("subject".into(), json!(subject));
                o.insert("text".into(), json!(text));
            }
            e
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bj(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{s}+08:00")).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
    }

    #[test]
    fn quiet_hours_hold_messages_until_they_end() {
        let tz = chrono_tz::Asia::Shanghai;
        let q = |now: &str| release_time(bj(now), tz, Some("22:00"), Some("07:00"));
        assert_eq!(q("2026-03-02T23:30:00"), bj("2026-03-03T07:00:00"), "late evening: next morning");
        assert_eq!(q("2026-03-03T03:00:00"), bj("2026-03-03T07:00:00"), "small hours: this morning");
        assert_eq!(q("2026-03-03T07:00:00"), bj("2026-03-03T07:00:00"), "the end is not quiet");
        assert_eq!(q("2026-03-03T12:00:00"), bj("2026-03-03T12:00:00"));
        let lunch = release_time(bj("2026-03-03T12:10:00"), tz, Some("12:00"), Some("13:30"));
        assert_eq!(lunch, bj("2026-03-03T13:30:00"), "a window inside one day");
        assert_eq!(release_time(bj("2026-03-03T23:00:00"), tz, None, Some("07:00")), bj("2026-03-03T23:00:00"));
    }
}
