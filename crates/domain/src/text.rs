//! Bounded text: a name, a title, a note that must fit its column and the screen it is shown on.
//!
//! `BoundedText<MAX>` is text trimmed of surrounding white space, at most `MAX` characters
//! (characters, not bytes: 病区 is two), with no control characters except line breaks and
//! tabs in multi-line text. Reading pushes a reason onto the input's `ValidationErrors` under
//! the field's name, so one form reports all its problems together:
//!
//! ```
//! use yunwei_domain::error::ValidationErrors;
//! use yunwei_domain::text::BoundedText;
//! let mut v = ValidationErrors::default();
//! let name = BoundedText::<100>::required(&mut v, "name", "  HIS 数据库  ");
//! assert_eq!(name.as_ref().map(BoundedText::as_str), Some("HIS 数据库"));
//! assert!(BoundedText::<4>::required(&mut v, "code", "").is_none());
//! assert_eq!(v.0[0].reason, "不能为空");
//! ```

use std::fmt;

use serde::Serialize;

use crate::error::ValidationErrors;

/// Trimmed text of 1 to `MAX` characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct BoundedText<const MAX: usize>(String);

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong {
        max: usize,
        got: usize,
    },
    /// A control character (a line break in single-line text).
    Control,
}

impl TextError {
    /// The reason shown next to the field.
    pub fn reason(self) -> String {
        match self {
            TextError::Empty => "不能为空".to_owned(),
            TextError::TooLong { max, got } => format!("最多 {max} 个字符（现为 {got} 个）"),
            TextError::Control => "不能含控制字符或换行".to_owned(),
        }
    }
}

impl<const MAX: usize> BoundedText<MAX> {
    /// Single-line text: trimmed, not empty, at most `MAX` characters, no control characters.
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        Self::check(raw, false)
    }

    /// Multi-line text: as [`BoundedText::parse`], but line breaks and tabs are allowed.
    pub fn parse_multiline(raw: &str) -> Result<Self, TextError> {
        Self::check(raw, true)
    }

    fn check(raw: &str, multiline: bool) -> Result<Self, TextError> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(TextError::Empty);
        }
        let got = t.chars().count();
        if got > MAX {
            return Err(TextError::TooLong { max: MAX, got });
        }
        if t.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
            return Err(TextError::Control);
        }
        Ok(Self(t.to_owned()))
    }

    /// Reads a required single-line field; a refusal is pushed onto `v` under `field`.
    pub fn required(v: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self> {
        Self::parse(raw).map_err(|e| v.push(field, e.reason())).ok()
    }

    /// Reads an optional single-line field: blank is `None`, anything else must be valid.
    pub fn optional(v: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<Self> {
        Self::optional_with(v, field, raw, Self::required)
    }

    /// Reads a required multi-line field (a description, a note); a refusal is pushed onto `v`
    /// under `field`:
    ///
    /// ```
    /// use yunwei_domain::error::ValidationErrors;
    /// use yunwei_domain::text::BoundedText;
    /// let mut v = ValidationErrors::default();
    /// let action = BoundedText::<20>::required_multiline(&mut v, "action", "重启服务\n核对日志");
    /// assert_eq!(action.map(BoundedText::into_string).as_deref(), Some("重启服务\n核对日志"));
    /// assert!(BoundedText::<20>::required_multiline(&mut v, "cause", " \n ").is_none());
    /// assert_eq!((v.0[0].field.as_str(), v.0[0].reason.as_str()), ("cause", "不能为空"));
    /// ```
    pub fn required_multiline(v: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self> {
        Self::parse_multiline(raw).map_err(|e| v.push(field, e.reason())).ok()
    }

    /// Reads an optional multi-line field: blank is `None`, anything else must be valid:
    ///
    /// ```
    /// use yunwei_domain::error::ValidationErrors;
    /// use yunwei_domain::text::BoundedText;
    /// let mut v = ValidationErrors::default();
    /// assert_eq!(BoundedText::<4>::optional_multiline(&mut v, "note", Some("  ")), None);
    /// assert!(v.0.is_empty());
    /// assert_eq!(BoundedText::<4>::optional_multiline(&mut v, "note", Some("一\n二三四")), None);
    /// assert_eq!(v.0[0].reason, "最多 4 个字符（现为 5 个）");
    /// ```
    pub fn optional_multiline(v: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<Self> {
        Self::optional_with(v, field, raw, Self::required_multiline)
    }

    fn optional_with(
        v: &mut ValidationErrors,
        field: &str,
        raw: Option<&str>,
        read: fn(&mut ValidationErrors, &str, &str) -> Option<Self>,
    ) -> Option<Self> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => read(v, field, s),
        }
    }

    /// The longest text accepted, in characters.
    pub const fn max() -> usize {
        MAX
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> AsRef<str> for BoundedText<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> fmt::Display for BoundedText<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> From<BoundedText<MAX>> for String {
    fn from(t: BoundedText<MAX>) -> Self {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn characters_are_counted_not_bytes() {
        assert!(BoundedText::<2>::parse("病区").is_ok());
        assert_eq!(BoundedText::<2>::parse("病区一"), Err(TextError::TooLong { max: 2, got: 3 }));
    }

    #[test]
    fn line_breaks_only_in_multiline_text() {
        assert_eq!(BoundedText::<20>::parse("一行\n两行"), Err(TextError::Control));
        assert_eq!(BoundedText::<20>::parse_multiline("一行\n两行").map(|t| t.into_string()), Ok("一行\n两行".into()));
        assert_eq!(BoundedText::<20>::parse_multiline("响铃\u{7}"), Err(TextError::Control));
    }

    #[test]
    fn optional_blank_is_none_and_errors_name_their_field() {
        let mut v = ValidationErrors::default();
        assert_eq!(BoundedText::<5>::optional(&mut v, "note", Some("   ")), None);
        assert_eq!(BoundedText::<5>::optional(&mut v, "note", None), None);
        assert!(v.0.is_empty());
        assert_eq!(BoundedText::<5>::optional(&mut v, "note", Some("六个字符啊啊")), None);
        assert_eq!((v.0[0].field.as_str(), v.0[0].reason.as_str()), ("note", "最多 5 个字符（现为 6 个）"));
    }

    proptest! {
        #[test]
        fn what_is_accepted_is_trimmed_and_within_bounds(s in "\\PC{0,30}") {
            match BoundedText::<10>::parse(&s) {
                Ok(t) => {
                    prop_assert_eq!(t.as_str(), s.trim());
                    prop_assert!(!t.as_str().is_empty() && t.as_str().chars().count() <= 10);
                }
                Err(TextError::Empty) => prop_assert!(s.trim().is_empty()),
                Err(TextError::TooLong { got, .. }) => prop_assert_eq!(got, s.trim().chars().count()),
                Err(TextError::Control) => prop_assert!(s.trim().chars().any(char::is_control)),
            }
        }
    }
}
