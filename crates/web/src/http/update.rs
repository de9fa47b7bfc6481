//! Writing back what was read: a `PUT` (or `PATCH`) accepts the representation its `GET` returned.
//! A client that reads a resource, edits one field and sends it all back must succeed, so fields
//! the write does not take (`id`, `version`, `created_at`, `type_name` …) are ignored when they
//! equal the stored value and refused, naming the field, when they try to change it. A key that is
//! neither writable nor in the representation stays an error: a typo must not pass unnoticed.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use yunwei_domain::FieldError;

use crate::error::ApiError;
use crate::http::extract::parse_value;

/// The top-level field serde refused as unknown, if that is why `value` does not read as `T`.
fn unknown_field<T: DeserializeOwned>(value: &Value) -> Option<String> {
    let err = serde_path_to_error::deserialize::<_, T>(value.clone()).err()?;
    let path = err.path().to_string();
    let msg = err.into_inner().to_string();
    let field = msg.strip_prefix("unknown field `")?.split('`').next()?;
    // The path names the unknown key itself; deeper keys are the nested type's business.
    (path == field).then(|| field.to_owned())
}

/// Parses `body` as the write `T` of a resource whose current representation (what its `GET`
/// answers) is `current`.
pub fn parse_update<T: DeserializeOwned>(mut body: Value, current: &impl Serialize) -> Result<T, ApiError> {
    let current = serde_json::to_value(current).unwrap_or(Value::Null);
    while let Some(field) = unknown_field::<T>(&body) {
        let (Some(map), Some(stored)) = (body.as_object_mut(), current.get(&field)) else {
            break;
        };
        if map.get(&field) != Some(stored) {
            return Err(ApiError::invalid(vec![FieldError::new(
                field,
                "只读字段，不能修改（可原样提交 GET 返回的值）",
            )]));
        }
        map.remove(&field);
    }
    parse_value(body)
}

/// [`parse_update`] for a write whose current representation costs a read: `current` is asked
/// for only when the body carries a field the write does not take, so the usual write (only
/// writable fields) reads nothing more.
pub async fn parse_update_lazy<T, C, Fut>(body: Value, current: impl FnOnce() -> Fut) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    C: Serialize,
    Fut: std::future::Future<Output = Result<C, ApiError>>,
{
    if unknown_field::<T>(&body).is_none() {
        return parse_value(body);
    }
    parse_update(body, &current().await?)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Write {
        name: String,
    }

    fn field_of(e: ApiError) -> String {
        e.fields().first().map(|f| f.to_string()).unwrap_or_default()
    }

    #[test]
    fn read_only_fields_equal_to_the_stored_ones_are_ignored() {
        let current = json!({ "id": 7, "name": "核心交换机", "version": 3 });
        let w: Write = parse_update(json!({ "id": 7, "name": "核心交换机 A", "version": 3 }), &current).expect("ok");
        assert_eq!(w, Write { name: "核心交换机 A".into() });
    }

    #[test]
    fn a_read_only_field_that_would_change_is_refused_by_name() {
        let current = json!({ "id": 7, "name": "核心交换机", "version": 3 });
        let e = parse_update::<Write>(json!({ "id": 8, "name": "x" }), &current).expect_err("id changes");
        assert_eq!(field_of(e), "id");
    }

    #[test]
    fn a_typo_stays_an_error() {
        let current = json!({ "id": 7, "name": "核心交换机" });
        let e = parse_update::<Write>(json!({ "nmae": "x", "name": "y" }), &current).expect_err("typo");
        assert_eq!(field_of(e), "nmae");
    }
}
