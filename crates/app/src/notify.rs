//! Escalation and notifications. The contract's ladder (seed 003 1.1.5.2.3: Manager1 → Manager2 →
//! Manager3 by elapsed time per severity) is kept per incident in `incident_escalations`, and each
//! step with a due time is a job of the runner (`crate::worker`) in its incident's chain, queued,
//! re-timed or cancelled in the transaction that changes the incident; the job fires the step
//! exactly once and queues the messages in the outbox in the transaction that finishes it. Delivery is a separate pass: each message is
//! leased, sent, and its attempt recorded; failures are retried with backoff until
//! `max_attempts`. Personal channels respect the recipient's quiet hours except for the
//! contract's most severe level.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use yunwei_domain::identity::Role;
use yunwei_domain::servicedesk::{ClockEvent, Status, escalation_steps};
use yunwei_store::Tx;
use yunwei_store::incident::IncidentRow;
use yunwei_store::notify::{self as store, ChannelRow, ContactRow, NotificationRow};

use yunwei_domain::ValidationErrors;
use yunwei_domain::identity::Permission;

use yunwei_domain::servicedesk::audit;

use crate::access::authorize;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::worker::{self, Job, Outcome, Worker};
use crate::{App, AppError};
use yunwei_domain::contract::CompiledContract;

/// Recomputes the ladder of an incident inside the transaction that changed it.
pub(crate) async fn sync_escalations(
    tx: &mut Tx,
    t: &CompiledContract,
    row: &IncidentRow,
    events: &[ClockEvent],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let closed = matches!(Status::parse(&row.status), Some(Status::Resolved | Status::Closed));
    let steps = match t.contract.severities.get(&row.severity) {
        Some(sev) if !closed => {
            escalation_steps(row.reported_at, events, sev, &t.calendars, &t.contract.pause_while, now)
                .map_err(|e| AppError::Internal(format!("escalation ladder: {e}")))?
        }
        _ => Vec::new(),
    };
    let steps: Vec<(i64, String, Option<DateTime<Utc>>)> =
        steps.into_iter().map(|s| (s.step as i64, s.to, s.due)).collect();
    // No events yet: the incident is being created and has no steps to replace.
    let fresh = events.is_empty();
    store::sync_steps(tx, row.project_id, row.id, &steps, fresh).await?;
    // The jobs follow the ladder: waiting ones are re-timed, those of steps gone are cancelled
    // (fired steps' jobs are done and stay so).
    let chain = ladder_chain(row.id);
    if !fresh {
        worker::cancel_chain(tx, ESCALATION, &chain, now).await?;
    }
    for (step, target, due) in &steps {
        if let Some(due) = due {
            let payload = json!({ "incident_id": row.id, "step": step, "target": target });
            worker::schedule(tx, ESCALATION, &step_key(row.id, *step), Some(&chain), *due, &payload, now).await?;
        }
    }
    Ok(())
}

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

/// A step that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub incident_id: i64,
    pub step: i64,
    pub target: String,
}

/// The job kind of an escalation step: one job per step (key `incident:{id}:step:{n}`), due at the
/// step's due time, in the chain of its incident so the ladder goes out in order.
pub const ESCALATION: &str = "escalation";

fn step_key(incident_id: i64, step: i64) -> String {
    format!("incident:{incident_id}:step:{step}")
}

fn ladder_chain(incident_id: i64) -> String {
    format!("incident:{incident_id}")
}

/// Registers the escalation handler on `w`.
pub fn jobs(w: Worker) -> Worker {
    w.handle(ESCALATION, fire_step)
}

/// Fires every escalation step due now, each exactly once across all instances, in ladder order
/// (one pass of the job runner over escalation jobs).
pub async fn fire_due(app: &App) -> Result<Vec<Fired>, AppError> {
    let report = jobs(Worker::new(app.clone())).run_once().await?;
    Ok(report
        .done(ESCALATION)
        .map(|r| Fired {
            incident_id: r.payload["incident_id"].as_i64().unwrap_or_default(),
            step: r.payload["step"].as_i64().unwrap_or_default(),
            target: r.payload["target"].as_str().unwrap_or_default().to_owned(),
        })
        .collect())
}

/// Fires one step: marks it fired, queues its messages and records it, in the transaction that
/// finishes its job.
async fn fire_step(app: App, job: Job) -> Result<Outcome, AppError> {
    let (Some(incident_id), Some(step)) = (job.payload["incident_id"].as_i64(), job.payload["step"].as_i64()) else {
        return Err(AppError::Internal(format!("escalation job {} without its step", job.id)));
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !job.complete(&mut tx, now).await? {
        return Ok(Outcome::Lost);
    }
    // Gone (fixed, paused) or moved since the job was claimed: nothing to fire.
    if !store::claim_step(&mut tx, incident_id, step, now, &app.notify.instance).await? {
        return Ok(Outcome::Skipped);
    }
    let Some(row) = yunwei_store::incident::get_tx(&mut tx, incident_id).await? else {
        return Ok(Outcome::Skipped);
    };
    let target = job.payload["target"].as_str().unwrap_or_default().to_owned();
    queue_escalation(&app, &mut tx, &row, &target, step, now).await?;
    record(
        &mut tx,
        None,
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::INCIDENT_ESCALATION,
            entity_id: row.id.to_string(),
            summary: json!({ "step": step, "target": target, "due_at": job.run_at.to_rfc3339(), "instance": app.notify.instance }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Done)
}

/// The users a ladder target names: its configured contacts, else the project's members of the
/// role the target belongs to (`manager…` → manager, `l2`/`expert` → l2_engineer).
pub(crate) async fn recipients(app: &App, project_id: i64, target: &str) -> Result<Vec<(i64, String)>, AppError> {
    let ids = store::contacts_for(&app.db, project_id, target).await?;
    let members = yunwei_store::identity::list_members(&app.db, project_id).await?;
    let mut out: Vec<(i64, String)> = if ids.is_empty() {
        let role = if target.starts_with("manager") {
            Some(Role::Manager)
        } else if target == "l2" || target == "expert" {
            Some(Role::L2Engineer)
        } else {
            None
        };
        members
            .iter()
            .filter(|m| role.is_some_and(|r| r.code() == m.role))
            .map(|m| (m.user_id, m.display_name.clone()))
            .collect()
    } else {
        let mut v = Vec::new();
        for id in ids {
            if let Some(u) = yunwei_store::identity::user_by_id(&app.db, id).await?.filter(|u| u.active) {
                v.push((u.id, u.display_name));
            }
        }
        v
    };
    out.sort();
    out.dedup();
    Ok(out)
}

fn target_label(target: &str) -> String {
    match target {
        "manager1" => "Manager1（项目经理）".into(),
        "manager2" => "Manager2（服务交付中心经理）".into(),
        "manager3" => "Manager3（公司总经理）".into(),
        "l2" => "二线工程师".into(),
        "expert" => "专家".into(),
        other => other.into(),
    }
}

async fn queue_escalation(
    app: &App,
    tx: &mut Tx,
    row: &IncidentRow,
    target: &str,
    step: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let project = yunwei_store::project::by_id(&app.db, row.project_id)
        .await?
        .ok_or_else(|| AppError::Internal("project missing".into()))?;
    let tz: Tz = yunwei_domain::time::project_tz(&project.timezone);
    let terms = crate::terms::of_version(app, row.contract_version_id).await.ok();
    let (sev_name, most_severe) = match terms.as_ref().map(|t| &t.contract) {
        Some(c) => (
            c.severities.get(&row.severity).map(|s| s.name.clone()).unwrap_or_else(|| row.severity.clone()),
            c.severities.keys().next().is_some_and(|k| *k == row.severity),
        ),
        None => (row.severity.clone(), false),
    };
    let status = Status::parse(&row.status).map(Status::label).unwrap_or("—");
    let who = target_label(target);
    let subject = format!("【故障升级】{} {} {}", row.number, sev_name, row.title);
    let text = format!(
        "故障 {number}「{title}」（{sev}）已按合同升级至 {who}（第 {n} 级）。\n报障时间：{reported}\n当前状态：{status}\n处理人：{assignee}\n科室：{dept}",
        number = row.number,
        title = row.title,
        sev = sev_name,
        n = step + 1,
        reported = row.reported_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        assignee = row.assignee_name.as_deref().unwrap_or("未指派"),
        dept = row.department.as_deref().unwrap_or("—"),
    );
    let recipients = recipients(app, row.project_id, target).await?;
    let notice = Notice {
        project_id: row.project_id,
        incident_id: Some(row.id),
        kind: "escalation",
        subject,
        text,
        urgent: most_severe,
        event: json!({
            "event": "incident.escalation",
            "incident": {"id": row.id, "number": row.number, "title": row.title, "severity": row.severity, "status": row.status},
            "step": step + 1,
            "target": target,
        }),
    };
    queue_notice(app, tx, &notice, &recipients, tz, now).await
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

/// Delivers the messages whose time has come; returns how many attempts were made.
pub async fn deliver_due(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let due = store::due_messages(&app.db, now, 200).await?;
    let mut attempts = 0;
    for n in due {
        let mut tx = app.db.begin().await?;
        let leased =
            store::lease(&mut tx, n.id, n.next_attempt_at, now + Duration::seconds(app.notify.lease_seconds)).await?;
        tx.commit().await?;
        if !leased {
            continue;
        }
        let result = send(app, &n).await;
        let at = app.now();
        let tries = n.attempts + 1;
        let (ok, detail, status, next) = match result {
            Ok(detail) => (true, detail, "sent", at),
            Err(e) => {
                let s = &app.notify.backoff_seconds;
                let wait = s.get((tries - 1).max(0) as usize).or(s.last()).copied().unwrap_or(300);
                let status = if tries >= app.notify.max_attempts { "failed" } else { "pending" };
                (false, e, status, at + Duration::seconds(wait))
            }
        };
        if !ok {
            tracing::warn!(notification = n.id, channel = %n.channel, attempt = tries, error = %detail, "delivery failed");
        }
        let mut tx = app.db.begin().await?;
        store::record_attempt(&mut tx, &n, at, ok, &detail, status, next).await?;
        tx.commit().await?;
        attempts += 1;
    }
    Ok(attempts)
}

async fn send(app: &App, n: &NotificationRow) -> Result<String, String> {
    match n.channel.as_str() {
        "email" => send_mail(app, n).await,
        "wecom" | "dingtalk" | "webhook" => {
            let ch_id = n.channel_id.ok_or("消息缺少渠道")?;
            let ch = store::channels(&app.db, n.project_id)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|c| c.id == ch_id)
                .ok_or("渠道已删除")?;
            post_json(app, &ch, &n.body).await
        }
        other => Err(format!("未知渠道 {other}")),
    }
}

async fn send_mail(app: &App, n: &NotificationRow) -> Result<String, String> {
    use lettre::message::{Mailbox, header::ContentType};
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Tls, TlsParameters};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    let smtp = app.notify.smtp.as_ref().ok_or("未配置邮件服务器（smtp）")?;
    let from: Mailbox = smtp.from.parse().map_err(|e| format!("发件人地址无效：{e}"))?;
    let to: Mailbox = n.address.parse().map_err(|e| format!("收件人地址无效：{e}"))?;
    let msg = Message::builder()
        .from(from)
        .to(to)
        .subject(n.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(n.body.clone())
        .map_err(|e| format!("邮件内容无效：{e}"))?;
    let tls = match smtp.tls.as_str() {
        "none" => Tls::None,
        mode => {
            let params = TlsParameters::new(smtp.host.clone()).map_err(|e| format!("TLS：{e}"))?;
            if mode == "tls" { Tls::Wrapper(params) } else { Tls::Required(params) }
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(std::time::Duration::from_secs(app.notify.timeout_seconds)));
    if let (Some(u), Some(p)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
    }
    let resp = builder.build().send(msg).await.map_err(|e| format!("SMTP：{e}"))?;
    Ok(format!("SMTP {}", resp.code()))
}

/// DingTalk's signed URL: `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret,
/// "{timestamp}\n{secret}")), URL-encoded.
pub fn dingtalk_signed_url(url: &str, secret: &str, now: DateTime<Utc>) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let ts = now.timestamp_millis();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(format!("{ts}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let sign: String = form_urlencoded_byte(&sign);
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}timestamp={ts}&sign={sign}")
}

fn form_urlencoded_byte(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `sha256=` hex HMAC of the body with the channel's secret, for generic webhooks.
pub fn webhook_signature(secret: &str, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn http_client(app: &App) -> Result<reqwest::Client, String> {
    crate::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(app.notify.timeout_seconds))
        .build()
        .map_err(|e| format!("HTTP 客户端：{e}"))
}

async fn post_json(app: &App, ch: &ChannelRow, body: &str) -> Result<String, String> {
    let client = http_client(app)?;
    let url = match (ch.kind.as_str(), ch.secret.as_deref()) {
        ("dingtalk", Some(secret)) if !secret.is_empty() => dingtalk_signed_url(&ch.url, secret, app.now()),
        _ => ch.url.clone(),
    };
    let mut req = client.post(&url).header("content-type", "application/json").body(body.to_owned());
    if ch.kind == "webhook"
        && let Some(secret) = ch.secret.as_deref().filter(|s| !s.is_empty())
    {
        req = req.header("x-yunwei-signature", webhook_signature(secret, body));
    }
    let resp = req.send().await.map_err(|e| format!("HTTP：{e}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let short: String = text.chars().take(300).collect();
    if !status.is_success() {
        return Err(format!("HTTP {status}：{short}"));
    }
    // WeCom and DingTalk answer 200 with an error code in the body.
    if matches!(ch.kind.as_str(), "wecom" | "dingtalk") {
        let v: Value = serde_json::from_str(&text).map_err(|_| format!("应答不是 JSON：{short}"))?;
        let code = v["errcode"].as_i64().unwrap_or(-1);
        if code != 0 {
            return Err(format!("errcode {code}：{}", v["errmsg"].as_str().unwrap_or_default()));
        }
    }
    Ok(format!("HTTP {status}"))
}

/// The contact details a person gave, for the account page.
pub async fn my_contact(app: &App, user_id: i64) -> Result<ContactRow, AppError> {
    Ok(store::contact(&app.db, user_id).await?.unwrap_or(ContactRow { user_id, ..Default::default() }))
}

/// What the incident page shows of escalation: the ladder, the messages and their attempts.
#[derive(Debug, Clone)]
pub struct Notices {
    pub steps: Vec<store::EscalationRow>,
    pub messages: Vec<NotificationRow>,
    pub attempts: Vec<store::AttemptRow>,
}

/// The escalation steps and messages of an incident (members of its project).
pub async fn incident_notices(app: &App, actor: &Actor, id: i64) -> Result<Notices, AppError> {
    let found = yunwei_store::incident::get(&app.db, id).await?;
    let not_found = || AppError::NotFound(format!("故障 {id} 不存在"));
    crate::access::load_entity(app, actor, found, Permission::IncidentRead, not_found).await?;
    Ok(Notices {
        steps: store::steps_of(&app.db, id).await?,
        messages: store::for_incident(&app.db, id).await?,
        attempts: store::attempts_for_incident(&app.db, id).await?,
    })
}

/// A project's notification settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Ladder targets of the current contract with their (username, display name) contacts.
    pub targets: Vec<(String, Vec<(String, String)>)>,
    pub channels: Vec<ChannelRow>,
}

/// The ladder targets named by the project's current contract, in order of first use.
async fn contract_targets(app: &App, project_id: i64) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    let terms = match crate::terms::current(app, project_id).await {
        Ok(t) => Some(t),
        // No contract yet: no ladder, no targets.
        Err(AppError::Conflict { .. }) => None,
        Err(e) => return Err(e),
    };
    if let Some(t) = terms {
        for s in t.contract.severities.values() {
            for e in &s.escalate {
                if !out.contains(&e.to) {
                    out.push(e.to.clone());
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The project's ladder contacts and channels.
pub async fn settings(app: &App, actor: &Actor, code: &str) -> Result<Settings, AppError> {
    let access = authorize(app, actor, code, Permission::NotifyManage).await?;
    let pid = access.project.id;
    let mut targets: Vec<(String, Vec<(String, String)>)> =
        contract_targets(app, pid).await?.into_iter().map(|t| (t, Vec::new())).collect();
    for (target, user_id) in store::contacts(&app.db, pid).await? {
        let Some(u) = yunwei_store::identity::user_by_id(&app.db, user_id).await? else { continue };
        match targets.iter_mut().find(|(t, _)| *t == target) {
            Some((_, v)) => v.push((u.username, u.display_name)),
            None => targets.push((target, vec![(u.username, u.display_name)])),
        }
    }
    Ok(Settings { targets, channels: store::channels(&app.db, pid).await? })
}

/// Says who a ladder target is: project members, by username (empty: fall back to the role).
pub async fn set_target_contacts(
    app: &App,
    actor: &Actor,
    code: &str,
    target: &str,
    usernames: &[String],
) -> Result<(), AppError> {
    let access = authorize(app, actor, code, Permission::NotifyManage).await?;
    let pid = access.project.id;
    let mut v = ValidationErrors::default();
    if target.is_empty() || target.len() > 40 || !target.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        v.push("target", "升级对象须为合同中的代码，如 manager1");
    }
    let members = yunwei_store::identity::list_members(&app.db, pid).await?;
    let mut ids = Vec::new();
    for name in usernames.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match members.iter().find(|m| m.username == name) {
            Some(m) => ids.push(m.user_id),
            None => v.push("users", format!("“{name}”不是本项目成员")),
        }
    }
    v.into_result()?;
    ids.sort_unstable();
    ids.dedup();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    store::set_contacts(&mut tx, pid, target, &ids).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::ESCALATION_CONTACTS_SET,
            entity_id: target.to_owned(),
            summary: json!({ "users": ids }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The channel kinds and their names.
pub const CHANNEL_KINDS: &[(&str, &str)] =
    &[("wecom", "企业微信群机器人"), ("dingtalk", "钉钉群机器人"), ("webhook", "通用 Webhook（短信网关等）")];

/// Adds a group robot or gateway to a project.
pub async fn add_channel(
    app: &App,
    actor: &Actor,
    code: &str,
    kind: &str,
    name: &str,
    url: &str,
    secret: Option<&str>,
) -> Result<ChannelRow, AppError> {
    let access = authorize(app, actor, code, Permission::NotifyManage).await?;
    let mut v = ValidationErrors::default();
    if !CHANNEL_KINDS.iter().any(|(k, _)| *k == kind) {
        let kinds = CHANNEL_KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ");
        v.push("kind", format!("未知渠道类型“{kind}”，可选：{kinds}"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        v.push("name", "名称不能为空，最多 60 个字符");
    }
    let url = url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || url.len() > 2000
        || url.contains(char::is_whitespace)
    {
        v.push("url", "须为 http:// 或 https:// 开头的地址");
    }
    let secret = secret.map(str::trim).filter(|s| !s.is_empty());
    if secret.is_some_and(|s| s.len() > 200) {
        v.push("secret", "最多 200 个字符");
    }
    v.into_result()?;
    let now = app.now();
    let mut row = ChannelRow {
        id: 0,
        project_id: access.project.id,
        kind: kind.to_owned(),
        name: name.to_owned(),
        url: url.to_owned(),
        secret: secret.map(str::to_owned),
        created_at: now,
    };
    let mut tx = app.db.begin().await?;
    row.id = store::insert_channel(&mut tx, &row).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(row.project_id),
            code: audit::NOTIFY_CHANNEL_CREATE,
            entity_id: row.id.to_string(),
            // The URL carries the robot's key: the trail keeps only its host.
            summary: json!({ "kind": row.kind, "name": row.name, "host": host_of(&row.url) }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The host part of a URL (robot keys live in the query string and must not be shown).
pub fn host_of(url: &str) -> String {
    url.split("://").nth(1).unwrap_or(url).split(['/', '?']).next().unwrap_or_default().to_owned()
}

/// Removes a channel; its undelivered messages fail with "渠道已删除".
pub async fn remove_channel(app: &App, actor: &Actor, code: &str, id: i64) -> Result<(), AppError> {
    let access = authorize(app, actor, code, Permission::NotifyManage).await?;
    let pid = access.project.id;
    if !store::channels(&app.db, pid).await?.iter().any(|c| c.id == id) {
        return Err(AppError::NotFound(format!("通知渠道 {id} 不存在")));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    store::delete_channel(&mut tx, pid, id).await?;
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::NOTIFY_CHANNEL_DELETE,
            entity_id: id.to_string(),
            summary: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets how the caller is reached and their quiet hours.
pub async fn set_my_contact(app: &App, actor: &Actor, input: ContactRow) -> Result<ContactRow, AppError> {
    let mut v = ValidationErrors::default();
    let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let email = clean(input.email);
    if let Some(e) = &email
        && e.parse::<lettre::Address>().is_err()
    {
        v.push("email", "不是有效的邮箱地址");
    }
    let phone = clean(input.phone);
    if let Some(p) = &phone
        && !(5..=20).contains(&p.len())
    {
        v.push("phone", "须为 5–20 位号码");
    }
    if let Some(p) = &phone
        && !p.chars().all(|c| c.is_ascii_digit() || c == '+' || c == '-')
    {
        v.push("phone", "只能包含数字、+ 和 -");
    }
    let (qs, qe) = (clean(input.quiet_start), clean(input.quiet_end));
    for (field, t) in [("quiet_start", &qs), ("quiet_end", &qe)] {
        if let Some(t) = t
            && NaiveTime::parse_from_str(t, "%H:%M").is_err()
        {
            v.push(field, "须为 HH:MM，如 22:00");
        }
    }
    if qs.is_some() != qe.is_some() {
        v.push("quiet_end", "免打扰须同时填写开始和结束时间");
    }
    v.into_result()?;
    let row = ContactRow { user_id: actor.user_id, email, phone, quiet_start: qs, quiet_end: qe };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    store::set_contact(&mut tx, &row, now).await?;
    // Contact details are personal data: the trail says that they changed, not what they are.
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: None,
            code: audit::USER_CONTACT_UPDATE,
            entity_id: actor.user_id.to_string(),
            summary: json!({ "quiet_hours": row.quiet_start.is_some() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The caller's in-app messages, newest first.
pub async fn my_inbox(app: &App, actor: &Actor, limit: u64) -> Result<Vec<NotificationRow>, AppError> {
    Ok(store::inbox(&app.db, actor.user_id, limit).await?)
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

    #[test]
    fn dingtalk_signature_follows_the_documented_recipe() {
        // Recomputed independently: HMAC-SHA256("SECabc", "1700000000000\nSECabc"), base64, URL-encoded.
        let now = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap_or_default();
        let url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc", now);
        assert!(url.starts_with("https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000&sign="));
        let sign = url.rsplit("sign=").next().unwrap_or_default();
        assert!(!sign.contains('+') && !sign.contains('/') && !sign.contains('='), "URL-encoded: {sign}");
        assert_eq!(sign, EXPECTED_DINGTALK_SIGN);
    }

    const EXPECTED_DINGTALK_SIGN: &str = "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM%3D";
}
