//! Escalation and notifications. The contract's ladder (seed 003 1.1.5.2.3: Manager1 → Manager2 →
//! Manager3 by elapsed time per severity) is kept per incident in `incident_escalations`, and each
//! step with a due time is a job of the runner (`crate::worker`) in its incident's chain, queued,
//! re-timed or cancelled in the transaction that changes the incident; the job fires the step
//! exactly once and queues the messages in the outbox in the transaction that finishes it
//! ([`escalation`], [`outbox`]). Delivery is a separate pass ([`delivery`]): each message is
//! leased, sent, and its attempt recorded; failures are retried with backoff until
//! `max_attempts`. Personal channels respect the recipient's quiet hours except for the
//! contract's most severe level.

mod delivery;
mod escalation;
mod me;
mod notices;
mod outbox;
mod settings;

pub use delivery::{TargetError, deliver_due, dingtalk_signed_url, resolve_target, webhook_signature};
pub use escalation::{ESCALATION, Fired, fire_due, jobs};
pub(crate) use escalation::{recipients, sync_escalations};
pub use me::{ContactInput, InboxMessage, my_contact, my_inbox, set_my_contact};
pub use notices::{Notices, incident_notices};
pub use outbox::release_time;
pub(crate) use outbox::{Notice, queue_notice};
pub use settings::{CHANNEL_KINDS, Settings, add_channel, host_of, remove_channel, set_target_contacts, settings};
/// The stored records, typed.
pub use yunwei_store::notify::{AttemptRow, ChannelRow, ContactRow, EscalationRow, NotificationRow};
