//! Serde helpers for Connect's JSON (proto3 mapping): int64 as strings, base64 bytes, null as default.
//!
//! Enums by name and the embedded pprof (`json_enum.rs`) are re-exported here, so every field
//! names its helper as `json::…`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::Deserialize;

pub use super::json_enum::{
    enum_name, enum_name_opt, enum_value, enum_value_opt, pprof_message, ProtoEnum,
};

/// Whether `value` is its type's default: proto3 JSON leaves such fields out.
pub fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Reads `null` as the field's default, as proto3 JSON does for every field.
pub fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The integer types of the mapping: 64-bit ones are written as strings, 32-bit as numbers;
/// all are read from either, and from an integral float such as `1e3`.
pub trait Integer:
    Copy + Default + fmt::Display + std::str::FromStr + TryFrom<i64> + TryFrom<u64>
{
}
impl Integer for i64 {}
impl Integer for u64 {}
impl Integer for i32 {}
impl Integer for u32 {}

/// One integer read from JSON; `null` reads as 0.
struct Int<T>(T);

struct IntVisitor<T>(PhantomData<T>);

impl<T: Integer> IntVisitor<T> {
    fn integral<E: de::Error>(&self, v: f64) -> Result<T, E> {
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        let fits = if v.fract() != 0.0 || !v.is_finite() {
            None
        } else if (-TWO_63..TWO_63).contains(&v) {
            T::try_from(v as i64).ok()
        } else if (0.0..2.0 * TWO_63).contains(&v) {
            T::try_from(v as u64).ok()
        } else {
            None
        };
        fits.ok_or_else(|| E::invalid_value(Unexpected::Float(v), self))
    }
}

impl<T: Integer> Visitor<'_> for IntVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer in range, as a number or a string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        self.integral(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        if let Ok(n) = v.parse::<T>() {
            return Ok(n);
        }
        match v.parse::<f64>() {
            Ok(f) if f.is_finite() => self.integral(f),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
}

impl<'de, T: Integer> Deserialize<'de> for Int<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntVisitor(PhantomData)).map(Int)
    }
}

/// `int64`/`uint64` fields: a decimal string out; a string or a number in.
pub mod int64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: super::Integer, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, T: super::Integer, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        super::Int::<T>::deserialize(d).map(|n| n.0)
    }
}

/// proto3 `optional int64`: as [`int64`] when set (zero too), absent or `null` when not.
pub mod int64_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: super::Integer, S: Serializer>(
        v: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.collect_str(n),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: super::Integer, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Ok(Option::<super::Int<T>>::deserialize(d)?.map(|n| n.0))
    }
}

/// `repeated int64`/`repeated uint64`: a list of decimal strings out; strings or numbers in.
pub mod int64_list {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: super::Integer, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|n| n.to_string()))
    }

    pub fn deserialize<'de, T: super::Integer, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        let list = Option::<Vec<super::Int<T>>>::deserialize(d)?.unwrap_or_default();
        Ok(list.into_iter().map(|n| n.0).collect())
    }
}

/// `int32`/`uint32` fields: a number out; a number or a string in.
pub mod int32 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: super::Integer + Serialize, S: Serializer>(
        v: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, T: super::Integer, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        super::Int::<T>::deserialize(d).map(|n| n.0)
    }
}

/// `double` fields: a number out, or `"NaN"`, `"Infinity"`, `"-Infinity"`; those, a number or
/// a numeric string in.
pub mod double {
    use serde::de::{self, Deserializer, Unexpected, Visitor};
    use serde::Serializer;
    use std::fmt;

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_nan() {
            s.serialize_str("NaN")
        } else if v.is_infinite() {
            s.serialize_str(if *v > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            s.serialize_f64(*v)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = f64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a numeric string, \"NaN\" or \"[-]Infinity\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
                match v {
                    "NaN" => Ok(f64::NAN),
                    "Infinity" => Ok(f64::INFINITY),
                    "-Infinity" => Ok(f64::NEG_INFINITY),
                    _ => v
                        .parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self)),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
                Ok(0.0)
            }
        }
        d.deserialize_any(V)
    }
}

/// `bytes` fields: standard base64 with padding out; standard or URL-safe, padded or not, in.
pub mod base64_bytes {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use base64::Engine;
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &bytes::Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bytes::Bytes, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        let unpadded = text.trim_end_matches('=');
        let engine = if unpadded.contains(['-', '_']) {
            URL_SAFE_NO_PAD
        } else {
            STANDARD_NO_PAD
        };
        let raw = engine.decode(unpadded).map_err(de::Error::custom)?;
        Ok(raw.into())
    }
}
