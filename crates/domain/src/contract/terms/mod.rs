//! The contract's terms beyond the incident clocks (issue 3, "The contract also carries"): report
//! deadlines, inspection cycles, complaint hours and clocks, spare-part rules, requirement
//! clocks, emergency fallbacks, training and drills, the scoring scheme and the penalty ladder.
//! Parsed and validated here; the modules that use them read these types, never a number of
//! their own.

mod parse;
mod types;
mod units;

pub(super) use parse::terms;
pub use types::*;
pub use units::*;
