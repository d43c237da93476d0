//! Serde, SQL and integer helpers shared by the SOR models.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Number;

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`) in a partial update.
/// With a `T` that is not an `Option`, it refuses `null`: a field that cannot be cleared.
pub fn named<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A whole number, as JSON Schema counts them: `300` and `300.0` alike (a client's JSON encoder
/// may write either). `null`, fractions and numbers beyond `i64` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct WholeNumber(pub i64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = Number::deserialize(deserializer)?;
        if let Some(n) = number.as_i64() {
            return Ok(WholeNumber(n));
        }
        match number.as_f64() {
            // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
            Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => {
                Ok(WholeNumber(f as i64))
            }
            _ => Err(D::Error::custom(format!(
                "invalid value: {number}, expected a whole number"
            ))),
        }
    }
}

/// The body of a partial update (`PUT`) of a store: every field optional and named the same
/// way, so that no store's update body drifts from the others'. An absent field (`None`) is
/// left as it is and is not sent on by a remote client; for a field of type `Option<T>`, an
/// explicit `null` (`Some(None)`) clears it; a `null` for any other field is refused.
#[macro_export]
macro_rules! partial_update {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $(
                #[serde(
                    default,
                    deserialize_with = "::pf_infra::sor::fields::named",
                    skip_serializing_if = "Option::is_none"
                )]
                $(#[$field_meta])*
                pub $field: Option<$ty>,
            )*
        }
    };
}

/// A request body that must be a JSON object. serde's derived structs also read an array, field
/// by field in order, so `["cpu"]` would otherwise pass for `{"profileType": "cpu"}`.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read as its text, so free-form JSON inside (`metadata`) keeps its numbers exactly.
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        if !raw.get().starts_with('{') {
            return Err(D::Error::custom(format_args!(
                "invalid type: {}, expected a JSON object",
                raw.get().chars().take(40).collect::<String>()
            )));
        }
        serde_json::from_str(raw.get())
            .map(Object)
            .map_err(D::Error::custom)
    }
}

/// Lets string-backed enums be read from `varchar` columns with `#[sqlx(try_from = "String")]`,
/// using the same spelling as their JSON form.
#[macro_export]
macro_rules! text_column {
    ($($ty:ty),+ $(,)?) => {
        $(
            impl TryFrom<String> for $ty {
                type Error = serde_json::Error;

                fn try_from(value: String) -> Result<Self, Self::Error> {
                    serde_json::from_value(serde_json::Value::String(value))
                }
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Body {
        n: Option<WholeNumber>,
    }

    fn n(json: &str) -> Result<Option<i64>, serde_json::Error> {
        serde_json::from_str::<Body>(json).map(|b| b.n.map(|w| w.0))
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        assert_eq!(n(r#"{}"#).unwrap(), None);
        assert_eq!(n(r#"{"n": 300}"#).unwrap(), Some(300));
        assert_eq!(n(r#"{"n": 300.0}"#).unwrap(), Some(300));
        assert_eq!(n(r#"{"n": -2e3}"#).unwrap(), Some(-2000));
        assert_eq!(
            n(r#"{"n": null}"#).unwrap(),
            None,
            "absent, as serde reads an Option"
        );
        for refused in [r#"{"n": 1.5}"#, r#"{"n": "3"}"#, r#"{"n": 1e300}"#] {
            assert!(n(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn bodies_must_be_objects() {
        assert!(serde_json::from_str::<Object<Body>>(r#"{"n": 1}"#).is_ok());
        assert!(serde_json::from_str::<Object<Body>>("[1]").is_err());
    }
}
