//! Delivering the outbox: each message due is leased, sent (SMTP, WeCom and DingTalk robots, a
//! signed generic webhook) and its attempt recorded; failures are retried with backoff until
//! `max_attempts`.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use yunwei_store::notify::{self as store, ChannelRow, NotificationRow};

use crate::{App, AppError};

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

/// Why a channel's URL may not be sent to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not an http(s) URL with a host.
    #[error("{0}")]
    Invalid(String),
    /// The host does not resolve (now).
    #[error("{0}")]
    Unresolved(String),
    /// The host is, or resolves to, an internal address outside the allowed networks.
    #[error("{0}")]
    Refused(String),
}

/// Where a channel's URL leads: its host and every address that host resolves to now, each
/// checked against the outbound policy. The request then goes to exactly these addresses (no
/// second lookup an attacker's DNS could answer differently) and follows no redirect.
pub async fn resolve_target(app: &App, url: &str) -> Result<(String, Vec<std::net::SocketAddr>), TargetError> {
    use TargetError::*;
    let parsed = reqwest::Url::parse(url).map_err(|e| Invalid(format!("地址无效：{e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Invalid("地址须为 http:// 或 https://".into()));
    }
    let port = parsed.port_or_known_default().ok_or_else(|| Invalid("地址缺少端口".into()))?;
    // The URL parser has already turned the odd spellings of an address (`2130706433`,
    // `0x7f.1`, `[::ffff:7f00:1]`) into their plain form.
    let host = parsed.host_str().ok_or_else(|| Invalid("地址缺少主机名".into()))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<std::net::SocketAddr> = match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![std::net::SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|e| Unresolved(format!("无法解析 {bare}：{e}")))?
            .collect(),
    };
    let host = bare.to_owned();
    if addrs.is_empty() {
        return Err(Unresolved(format!("无法解析 {host}")));
    }
    for a in &addrs {
        app.notify.outbound.check(a.ip()).map_err(|e| Refused(format!("目标 {host}：{e}")))?;
    }
    Ok((host, addrs))
}

fn http_client(app: &App, host: &str, addrs: &[std::net::SocketAddr]) -> Result<reqwest::Client, String> {
    crate::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(app.notify.timeout_seconds))
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs(host, addrs)
        .build()
        .map_err(|e| format!("HTTP 客户端：{e}"))
}

async fn post_json(app: &App, ch: &ChannelRow, body: &str) -> Result<String, String> {
    let url = match (ch.kind.as_str(), ch.secret.as_deref()) {
        ("dingtalk", Some(secret)) if !secret.is_empty() => dingtalk_signed_url(&ch.url, secret, app.now()),
        _ => ch.url.clone(),
    };
    let (host, addrs) = resolve_target(app, &url).await.map_err(|e| e.to_string())?;
    let client = http_client(app, &host, &addrs)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
