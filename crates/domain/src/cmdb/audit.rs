//! Audit codes of the CMDB: the entity and action of each audit entry its use cases write.

use crate::audit::AuditCode;

/// A configuration item created.
pub const CI_CREATE: AuditCode = AuditCode::new("ci", "create");
/// A configuration item changed.
pub const CI_UPDATE: AuditCode = AuditCode::new("ci", "update");
/// A spreadsheet of configuration items imported.
pub const CI_IMPORT: AuditCode = AuditCode::new("ci", "import");
/// A relation between two CIs added.
pub const RELATION_CREATE: AuditCode = AuditCode::new("ci_relation", "create");
/// A relation between two CIs removed.
pub const RELATION_DELETE: AuditCode = AuditCode::new("ci_relation", "delete");
