//! The project's time zone: how its name is read and the one fallback rule. A project and its
//! contract each name an IANA zone; where none is named, or a stored name no longer parses
//! (a row edited by hand), the zone is Asia/Shanghai, the zone of every hospital the seeds
//! describe. Pages without a project (account, administration) show times in that zone too.

use chrono_tz::Tz;

/// The zone used where none is named.
pub const DEFAULT_TZ: Tz = chrono_tz::Asia::Shanghai;

/// The name of [`DEFAULT_TZ`], the default of a new project's `timezone`.
pub const DEFAULT_TZ_NAME: &str = "Asia/Shanghai";

/// The zone with this IANA name (`Asia/Shanghai`), if it is one.
pub fn parse_tz(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The zone of a project as stored: its `timezone` column, checked when it was written, or
/// [`DEFAULT_TZ`] if it no longer parses.
pub fn project_tz(stored: &str) -> Tz {
    parse_tz(stored).unwrap_or(DEFAULT_TZ)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_name_parses_and_anything_else_falls_back_to_shanghai() {
        assert_eq!(parse_tz("Asia/Urumqi"), Some(chrono_tz::Asia::Urumqi));
        assert_eq!(parse_tz("Mars/Olympus"), None);
        assert_eq!(project_tz("Asia/Urumqi"), chrono_tz::Asia::Urumqi);
        assert_eq!(project_tz(""), DEFAULT_TZ);
        assert_eq!(project_tz("Mars/Olympus"), chrono_tz::Asia::Shanghai);
        assert_eq!(parse_tz(DEFAULT_TZ_NAME), Some(DEFAULT_TZ));
    }
}
