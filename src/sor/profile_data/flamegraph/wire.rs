//! The JSON shapes of both flame-graph encodings, borrowing names from the input where it can.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::ints::parse_int_array;

#[derive(Deserialize)]
pub(super) struct ConnectResponse<'a> {
    #[serde(borrow, default)]
    pub(super) flamegraph: Option<ConnectFlameGraph<'a>>,
}

#[derive(Deserialize)]
pub(super) struct ConnectFlameGraph<'a> {
    #[serde(borrow, default)]
    pub(super) names: Option<Vec<Name<'a>>>,
    #[serde(default)]
    pub(super) levels: Option<Vec<ConnectLevel>>,
    #[serde(default)]
    pub(super) total: Option<Int>,
}

#[derive(Deserialize)]
pub(super) struct ConnectLevel {
    #[serde(default)]
    pub(super) values: Option<ConnectValues>,
}

impl AsRef<[i64]> for ConnectLevel {
    fn as_ref(&self) -> &[i64] {
        self.values.as_ref().map_or(&[], |v| v.0.as_slice())
    }
}

#[derive(Deserialize)]
pub(super) struct LegacyResponse<'a> {
    #[serde(borrow, default)]
    pub(super) flamebearer: Option<Flamebearer<'a>>,
    #[serde(borrow, default)]
    pub(super) metadata: Option<Metadata<'a>>,
}

#[derive(Deserialize)]
pub(super) struct Flamebearer<'a> {
    #[serde(borrow, default)]
    pub(super) names: Option<Vec<Name<'a>>>,
    #[serde(default)]
    pub(super) levels: Option<Vec<Values>>,
    #[serde(default, rename = "numTicks")]
    pub(super) num_ticks: Option<Int>,
}

#[derive(Deserialize)]
pub(super) struct Metadata<'a> {
    #[serde(borrow, default)]
    pub(super) format: Option<Name<'a>>,
}

/// A JSON string, borrowed unless it contained escapes.
pub(super) struct Name<'a>(pub(super) Cow<'a, str>);

impl AsRef<str> for Name<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Name<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        deserializer.deserialize_str(NameVisitor).map(Name)
    }
}

/// An int64 given as a JSON number or, per the protobuf JSON mapping, a decimal string.
pub(super) struct Int(pub(super) i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntVisitor).map(Int)
    }
}

pub(super) struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an int64 as a JSON integer or decimal string")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    // Floats fall through to the default `visit_f64`, which rejects them.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// One level's flat value list.
#[derive(Default)]
pub(super) struct Values(pub(super) Vec<i64>);

impl AsRef<[i64]> for Values {
    fn as_ref(&self) -> &[i64] {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = Values;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of int64 values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
                let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(Int(v)) = seq.next_element()? {
                    values.push(v);
                }
                Ok(Values(values))
            }
        }
        deserializer.deserialize_seq(ValuesVisitor)
    }
}

/// A Connect level's value list. Pyroscope writes these int64s as decimal strings, which
/// serde would read as strings and parse again; serde_json only skips the list (borrowing its
/// text) and [`parse_int_array`] reads the digits once. The legacy format's plain numbers are
/// read by [`Values`], which serde_json already does well.
#[derive(Default)]
pub(super) struct ConnectValues(pub(super) Vec<i64>);

impl<'de> Deserialize<'de> for ConnectValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        parse_int_array(raw.get())
            .map(ConnectValues)
            .map_err(de::Error::custom)
    }
}
