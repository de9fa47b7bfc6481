//! JSON kept in text columns, decoded once when the row is read so no caller parses it again.
//!
//! A row field typed `T` reads such a column with `#[sqlx(try_from = "JsonText")]` where
//! `T: TryFrom<JsonText>` (implemented here for the types rows use); a value is written back
//! with [`text`].

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::StoreError;

/// The raw text of a JSON column.
#[derive(Debug, Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct JsonText(pub String);

impl JsonText {
    fn parse<T: DeserializeOwned>(self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl TryFrom<JsonText> for Value {
    type Error = serde_json::Error;
    fn try_from(t: JsonText) -> Result<Self, Self::Error> {
        t.parse()
    }
}

impl TryFrom<JsonText> for Map<String, Value> {
    type Error = serde_json::Error;
    fn try_from(t: JsonText) -> Result<Self, Self::Error> {
        t.parse()
    }
}

impl TryFrom<JsonText> for Vec<yunwei_domain::cmdb::FieldChange> {
    type Error = serde_json::Error;
    fn try_from(t: JsonText) -> Result<Self, Self::Error> {
        t.parse()
    }
}

/// The text stored for a value.
pub fn text<T: Serialize + ?Sized>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))
}
