//! The caller's own side: how they are reached, their quiet hours and their in-app messages.

use std::collections::HashMap;

use chrono::NaiveTime;
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::id::UserId;
use yunwei_domain::servicedesk::audit;
use yunwei_store::notify::{self as store, ContactRow, NotificationRow};

use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// The contact details a person gave, for the account page.
pub async fn my_contact(app: &App, user_id: UserId) -> Result<ContactRow, AppError> {
    let user_id = user_id.get();
    Ok(store::contact(&app.db, user_id).await?.unwrap_or(ContactRow { user_id, ..Default::default() }))
}

/// How someone wants to be reached, as they typed it (blank fields are cleared).
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub email: Option<String>,
    /// Mobile number (group robots mention it; SMS gateways send to it).
    pub phone: Option<String>,
    /// Quiet hours `HH:MM`–`HH:MM` in the project's time zone.
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
}

/// Sets how the caller is reached and their quiet hours.
pub async fn set_my_contact(app: &App, actor: &Actor, input: ContactInput) -> Result<ContactRow, AppError> {
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
    let row = ContactRow { user_id: actor.user_id.get(), email, phone, quiet_start: qs, quiet_end: qe };
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

/// An in-app message with the code of its project (to link to its incident).
#[derive(Debug, Clone)]
pub struct InboxMessage {
    pub message: NotificationRow,
    /// `None` when the project is gone.
    pub project_code: Option<String>,
}

/// The caller's in-app messages, newest first: at most `limit`, below id `before` if given.
pub async fn my_inbox(
    app: &App,
    actor: &Actor,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<InboxMessage>, AppError> {
    let rows = store::inbox(&app.db, actor.user_id.get(), before, limit).await?;
    let mut ids: Vec<i64> = rows.iter().map(|n| n.project_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let codes: HashMap<i64, String> =
        yunwei_store::project::by_ids(&app.db, &ids).await?.into_iter().map(|p| (p.id, p.code)).collect();
    Ok(rows
        .into_iter()
        .map(|message| {
            let project_code = codes.get(&message.project_id).cloned();
            InboxMessage { message, project_code }
        })
        .collect())
}
