//! Closed lists of codes with Chinese labels: the one macro every code enum of the domain is
//! declared with, so each has the same API (`ALL`, `code`, `label`, `parse`, `codes`, `Display`
//! and serde as the code), and the error of a value that is not in its list.
//!
//! A code is what the API, the database, documents and the CLI carry (`in_progress`); the label
//! is what the UI shows (`处理中`). `Display` writes the code, as serde does: the label is asked
//! for by name where a person reads it.

use std::fmt;

use crate::error::FieldError;

/// Declares a code enum: `Name { Variant = ("code", "标签"), … }`, optionally `Name, "名称"
/// { … }` where `名称` says in Chinese what the value is; that adds `parse_lenient`, which also
/// accepts any case and the label, as a spreadsheet may hold either, and names the value in its
/// error. `ALL` lists the variants in declaration order, which is also the display order.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident = ($code:literal, $label:literal)),+ $(,)? }) => {
        code_enum! { $(#[$m])* $name { $($(#[$vm])* $v = ($code, $label)),+ } }

        impl $name {
            /// What a value of this list is, in Chinese (for messages).
            pub const WHAT: &'static str = $what;

            /// Parses a code (any case) or the Chinese label, surrounding spaces ignored.
            pub fn parse_lenient(s: &str) -> Result<Self, $crate::code::UnknownCode> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|v| v.code().eq_ignore_ascii_case(t) || v.label() == t).ok_or_else(
                    || $crate::code::UnknownCode::new($what, t, Self::ALL.iter().map(|v| (v.code(), v.label()))),
                )
            }
        }
    };
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$v),+];

            /// Every code, in display order.
            pub const CODES: &'static [&'static str] = &[$($code),+];

            /// Code in the API, the database and documents.
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }

            /// Chinese label shown in the UI.
            pub fn label(self) -> &'static str {
                match self { $($name::$v => $label),+ }
            }

            /// The value with exactly this code.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.code() == s)
            }

            /// The codes joined by `, `, for error messages.
            pub fn codes() -> String {
                Self::CODES.join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct CodeVisitor;
                impl serde::de::Visitor<'_> for CodeVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "one of {}", $name::codes())
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        // The same message serde derives for an unknown unit variant.
                        $name::parse(v).ok_or_else(|| E::unknown_variant(v, $name::CODES))
                    }
                }
                d.deserialize_str(CodeVisitor)
            }
        }
    };
}

/// A value that is not in its list of codes. `Display` is the Chinese reason, ready for a
/// [`FieldError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownCode {
    /// What was looked up, in Chinese (`状态`).
    pub what: &'static str,
    /// The value given, trimmed.
    pub given: String,
    /// The accepted values, `code（名称）` joined by `、`; empty when the list is too long to quote.
    pub allowed: String,
}

impl UnknownCode {
    /// An error for `given` not being one of `allowed` (code, Chinese name) pairs.
    pub fn new<'a>(what: &'static str, given: &str, allowed: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let allowed = allowed.into_iter().map(|(c, n)| format!("{c}（{n}）")).collect::<Vec<_>>().join("、");
        Self { what, given: given.to_string(), allowed }
    }

    /// The error as a [`FieldError`] on `field`.
    pub fn at(&self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, self.to_string())
    }
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.given.is_empty() {
            write!(f, "{}不能为空", self.what)?;
        } else {
            write!(f, "未知的{}“{}”", self.what, self.given)?;
        }
        if !self.allowed.is_empty() {
            write!(f, "，可选：{}", self.allowed)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::cmdb::{CiClass, CiStatus, Criticality, RelationKind};
    use crate::contract::{AdjustEvent, ClockKind, Cycle, Metric, ReportKind};
    use crate::identity::{OrgKind, Role};
    use crate::{inspection, monitoring, servicedesk};

    /// Every value of each enum parses back from its code, from its serde form and from its
    /// `Display`; codes and labels are unique within the enum.
    macro_rules! round_trips {
        ($($t:ty),+ $(,)?) => {$({
            for v in <$t>::ALL {
                assert_eq!(<$t>::parse(v.code()), Some(v));
                assert_eq!(v.to_string(), v.code());
                let json = serde_json::to_value(v).unwrap_or_default();
                assert_eq!(json, serde_json::json!(v.code()));
                assert_eq!(serde_json::from_value::<$t>(json).ok(), Some(v));
                assert!(!v.label().is_empty());
            }
            let mut codes: Vec<_> = <$t>::ALL.iter().map(|v| v.code()).collect();
            let mut labels: Vec<_> = <$t>::ALL.iter().map(|v| v.label()).collect();
            codes.sort_unstable();
            codes.dedup();
            labels.sort_unstable();
            labels.dedup();
            assert_eq!((codes.len(), labels.len()), (<$t>::ALL.len(), <$t>::ALL.len()), "{}", stringify!($t));
            assert_eq!(<$t>::CODES.len(), <$t>::ALL.len());
            assert_eq!(<$t>::parse(""), None);
        })+};
    }

    #[test]
    fn every_code_enum_round_trips_through_its_code() {
        round_trips!(
            servicedesk::Channel,
            servicedesk::Scope,
            servicedesk::Status,
            servicedesk::EventKind,
            CiClass,
            CiStatus,
            Criticality,
            RelationKind,
            inspection::Period,
            inspection::ResultKind,
            inspection::Verdict,
            inspection::Status,
            monitoring::Source,
            OrgKind,
            Role,
            ClockKind,
            Cycle,
            ReportKind,
            Metric,
            AdjustEvent,
        );
    }

    #[test]
    fn an_unknown_code_is_refused_with_the_message_serde_derives() {
        assert_eq!(servicedesk::Scope::parse("Hospital"), None);
        let err = serde_json::from_value::<servicedesk::Scope>(serde_json::json!("ward")).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("unknown variant `ward`, expected one of `hospital`, `department`, `user`"));
        assert_eq!(servicedesk::Scope::codes(), "hospital, department, user");
    }

    #[test]
    fn lenient_parsing_takes_any_case_and_the_label_and_names_the_list() {
        assert_eq!(Criticality::parse_lenient(" HIGH "), Ok(Criticality::High));
        assert_eq!(Criticality::parse_lenient("关键"), Ok(Criticality::Critical));
        let e = Criticality::parse_lenient("urgent").err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(e, "未知的重要程度“urgent”，可选：critical（关键）、high（高）、medium（中）、low（低）");
        let e = Criticality::parse_lenient("  ").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("重要程度不能为空"), "{e}");
    }
}
