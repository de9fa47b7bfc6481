//! Audit codes of the service desk (incidents, escalation, notification settings): the entity and action of each audit entry its use cases write.

use crate::audit::AuditCode;

/// A fault reported.
pub const INCIDENT_CREATE: AuditCode = AuditCode::new("incident", "create");
/// A file attached to an incident.
pub const INCIDENT_ATTACH: AuditCode = AuditCode::new("incident", "attach");
/// An escalation step sent.
pub const INCIDENT_ESCALATION: AuditCode = AuditCode::new("incident", "escalation");
/// Who a ladder target names, set.
pub const ESCALATION_CONTACTS_SET: AuditCode = AuditCode::new("escalation_contacts", "set");
/// A group robot or webhook added.
pub const NOTIFY_CHANNEL_CREATE: AuditCode = AuditCode::new("notify_channel", "create");
/// A group robot or webhook removed.
pub const NOTIFY_CHANNEL_DELETE: AuditCode = AuditCode::new("notify_channel", "delete");
/// A user's own contact details and quiet hours.
pub const USER_CONTACT_UPDATE: AuditCode = AuditCode::new("user_contact", "update");

/// An event recorded on an incident: the action is the event kind's code.
pub fn incident_event(kind: super::EventKind) -> AuditCode {
    AuditCode::new("incident", kind.code())
}
