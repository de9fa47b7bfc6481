//! Audit codes of contracts: the entity and action of each audit entry its use cases write.

use crate::audit::AuditCode;

/// A contract document applied (a new version).
pub const CONTRACT_APPLY: AuditCode = AuditCode::new("contract", "apply");
