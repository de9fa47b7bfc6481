//! What an incident's page shows of its escalation: the ladder, the messages with the name of
//! each recipient, and their delivery attempts.

use std::collections::HashMap;

use yunwei_domain::id::IncidentId;
use yunwei_domain::identity::Permission;
use yunwei_store::notify::{self as store, AttemptRow, EscalationRow, NotificationRow};

use crate::actor::Actor;
use crate::{App, AppError};

/// What the incident page shows of escalation: the ladder, the messages and their attempts.
#[derive(Debug, Clone)]
pub struct Notices {
    pub steps: Vec<EscalationRow>,
    pub messages: Vec<NotificationRow>,
    pub attempts: Vec<AttemptRow>,
    /// Display names of the users messages went to, by user id.
    pub names: HashMap<i64, String>,
}

impl Notices {
    /// The name to show for a message's recipient: the user's name for personal channels, else
    /// the address (in-app messages keep the name, channels their own name).
    pub fn recipient(&self, n: &NotificationRow) -> String {
        shown_recipient(n, &self.names)
    }

    /// The delivery attempts of one message, oldest first.
    pub fn attempts_of(&self, n: &NotificationRow) -> impl Iterator<Item = &AttemptRow> {
        let id = n.id;
        self.attempts.iter().filter(move |a| a.notification_id == id)
    }
}

fn shown_recipient(n: &NotificationRow, names: &HashMap<i64, String>) -> String {
    match (n.channel.as_str(), n.user_id) {
        ("in_app", _) | (_, None) => n.address.clone(),
        (_, Some(uid)) => names.get(&uid).cloned().unwrap_or_default(),
    }
}

/// The display names of users by id (one query; unknown ids are left out).
async fn names(app: &App, ids: impl Iterator<Item = i64>) -> Result<HashMap<i64, String>, AppError> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let users = yunwei_store::identity::users_by_ids(&app.db, &ids).await?;
    Ok(users.into_iter().map(|u| (u.id, u.display_name)).collect())
}

/// The escalation steps and messages of an incident (members of its project).
pub async fn incident_notices(app: &App, actor: &Actor, id: IncidentId) -> Result<Notices, AppError> {
    let id = id.get();
    let found = yunwei_store::incident::get(&app.db, id).await?;
    let not_found = || AppError::NotFound(format!("故障 {id} 不存在"));
    crate::access::load_entity(app, actor, found, Permission::IncidentRead, not_found).await?;
    let messages = store::for_incident(&app.db, id).await?;
    let names = names(app, messages.iter().filter_map(|m| m.user_id)).await?;
    Ok(Notices {
        steps: store::steps_of(&app.db, id).await?,
        messages,
        attempts: store::attempts_for_incident(&app.db, id).await?,
        names,
    })
}
