//! A project's notification settings: who each ladder target is, and its group robots and
//! gateways.

use super::delivery::TargetError;
use std::collections::HashMap;

use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::id::ChannelId;
use yunwei_domain::identity::Permission;
use yunwei_domain::servicedesk::audit;
use yunwei_domain::text::BoundedText;
use yunwei_store::identity::UserRow;
use yunwei_store::notify::{self as store, ChannelRow};

use crate::access::authorize;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

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
    let contacts = store::contacts(&app.db, pid).await?;
    let ids: Vec<i64> = contacts.iter().map(|c| c.1).collect();
    let users: HashMap<i64, UserRow> =
        yunwei_store::identity::users_by_ids(&app.db, &ids).await?.into_iter().map(|u| (u.id, u)).collect();
    for (target, user_id) in contacts {
        let Some(u) = users.get(&user_id).cloned() else { continue };
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
    let name = BoundedText::<60>::required(&mut v, "name", name);
    let url = url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || url.len() > 2000
        || url.contains(char::is_whitespace)
    {
        v.push("url", "须为 http:// 或 https:// 开头的地址");
    }
    if v.0.iter().all(|e| e.field != "url") {
        // Refused now if it leads inside; a name that does not resolve yet is checked again,
        // like every address, at each send.
        let wait = std::time::Duration::from_secs(3);
        let checked = tokio::time::timeout(wait, super::delivery::resolve_target(app, url)).await;
        if let Ok(Err(e @ (TargetError::Refused(_) | TargetError::Invalid(_)))) = checked {
            v.push("url", e.to_string());
        }
    }
    let secret = secret.map(str::trim).filter(|s| !s.is_empty());
    if secret.is_some_and(|s| s.len() > 200) {
        v.push("secret", "最多 200 个字符");
    }
    v.into_result()?;
    let name = name.map(String::from).unwrap_or_default();
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
pub async fn remove_channel(app: &App, actor: &Actor, code: &str, id: ChannelId) -> Result<(), AppError> {
    let id = id.get();
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
