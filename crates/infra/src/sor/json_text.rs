//! Free-form JSON, kept as the text it arrived as and returned as the store keeps it.
//!
//! A free-form field (a record's `topFunctions`, a service's `metadata` and `pyroscopeLabels`)
//! is never turned into a `serde_json::Value`: that would hold every number as an `f64`, and
//! PostgreSQL's `jsonb` keeps numbers an `f64` cannot (`1e400`), or prints ones it can in full
//! (`1e308` as 309 digits), which `serde_json` then refuses to read back. Kept as text, what the
//! store accepted, it returns: exactly, whatever the size or precision of its numbers.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Any JSON value, held as its text.
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

    /// `{}`.
    pub fn empty_object() -> Self {
        JsonText::of(&serde_json::Map::new()).unwrap_or_else(|_| unreachable!("{{}} is JSON"))
    }

    /// The text itself.
    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }

    /// The text as a string.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Whether the value is a JSON object.
    pub fn is_object(&self) -> bool {
        self.0.get().trim_start().starts_with('{')
    }
}

/// The same text, or the same value as `serde_json` reads both: the store gives back its own
/// spelling (`{"a": 1}` for `{"a":1}`). Values that only `numeric` holds compare by text.
impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        let value = |text: &JsonText| serde_json::from_str::<serde_json::Value>(text.get());
        self.get() == other.get() || matches!((value(self), value(other)), (Ok(a), Ok(b)) if a == b)
    }
}

impl Serialize for JsonText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(JsonText)
    }
}

/// A JSON object, held as its text: the free-form fields that must be objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct JsonObject(JsonText);

impl JsonObject {
    /// `{}`.
    pub fn empty() -> Self {
        JsonObject(JsonText::empty_object())
    }

    /// The object's text.
    pub fn text(&self) -> &JsonText {
        &self.0
    }
}

impl TryFrom<JsonText> for JsonObject {
    type Error = JsonText;

    fn try_from(text: JsonText) -> Result<Self, JsonText> {
        if text.is_object() {
            Ok(JsonObject(text))
        } else {
            Err(text)
        }
    }
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = JsonText::deserialize(deserializer)?;
        JsonObject::try_from(text).map_err(|text| {
            serde::de::Error::custom(format_args!("expected a JSON object, got {}", text.get()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_no_f64_holds_pass_through_unchanged() {
        for text in [
            r#"{"x":1e400}"#,
            r#"{"x":-1e400}"#,
            r#"{"x":123456789012345678901234567890}"#,
            r#"{"x":0.1000000000000000000000000000000000001}"#,
            r#"{"x":5e-324}"#,
        ] {
            let parsed: JsonText = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&parsed).unwrap(), text);
            let object: JsonObject = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&object).unwrap(), text);
        }
    }

    #[test]
    fn an_object_field_refuses_anything_else() {
        for text in ["[1]", "\"x\"", "1", "true"] {
            let err = serde_json::from_str::<JsonObject>(text).unwrap_err();
            assert!(err.to_string().contains("expected a JSON object"), "{err}");
        }
        assert!(serde_json::from_str::<JsonObject>(" {} ").is_ok());
        assert_eq!(JsonObject::empty().text().get(), "{}");
    }
}
