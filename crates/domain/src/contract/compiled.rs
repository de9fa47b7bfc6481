//! A contract version ready to compute with: the document and its calendars compiled.

use std::collections::BTreeMap;

use crate::calendar::{Calendar, HolidayTable};

use super::Contract;

/// A contract version with its calendars compiled (administrator holiday years laid over the
/// shipped ones): what every clock, deadline and schedule of a project is computed from.
#[derive(Debug, Clone)]
pub struct CompiledContract {
    /// The contract.
    pub contract: Contract,
    /// Its calendars by name, with the extra holiday years.
    pub calendars: BTreeMap<String, Calendar>,
}

impl CompiledContract {
    /// Compiles `contract`'s calendars with `extra` holiday years laid over the shipped data.
    pub fn compile(mut contract: Contract, extra: &HolidayTable) -> Self {
        contract.add_holiday_years(extra);
        let calendars = contract.compile_calendars();
        Self { contract, calendars }
    }
}
