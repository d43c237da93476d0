//! `JsonText`: free-form JSON kept as the text it arrived as.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// JSON held as its text: a record waiting to be written keeps a few KB of text instead of a
/// tree of maps, and the store takes the text as it is.
#[derive(Debug, Clone)]
pub struct JsonText(Box<RawValue>);

impl JsonText {
    /// The JSON text of `value`.
    ///
    /// # Errors
    /// When `value` cannot be written as JSON (a map with non-string keys).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(JsonText)
    }

    /// The text itself.
    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }

    /// The JSON as a value tree (`null` in the impossible case that the text does not parse:
    /// it was written by `serde_json`).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }
}

impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Serialize for JsonText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}
