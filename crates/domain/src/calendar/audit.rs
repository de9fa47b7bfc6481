//! Audit codes of calendars: the entity and action of each audit entry its use cases write.

use crate::audit::AuditCode;

/// A year of holidays and make-up workdays stored by an administrator.
pub const HOLIDAY_YEAR_IMPORT: AuditCode = AuditCode::new("holiday_year", "import");
