//! Serde and SQL helpers shared by the SOR models.

use serde::{Deserialize, Deserializer};

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`) in a partial update.
pub fn named<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Lets string-backed enums be read from `varchar` columns with `#[sqlx(try_from = "String")]`,
/// using the same spelling as their JSON form.
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
pub(crate) use text_column;
