//! The lenient readers and writers pbjson's generated JSON code is routed through (build.rs
//! rewrites its calls to name these): Connect's Go codec reads integers from integral floats
//! (`4e3`), `null` as a field's default, enum numbers it does not know (and writes them back as
//! numbers), and writes NaN and the infinities as strings; pbjson's own helpers refuse the
//! first three and write NaN as `null`. Also the base64 field helper the test stand-ins use.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

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

/// A number of the proto3 mapping, as the generated code reads it: from a number or a string;
/// `null` reads as 0.
pub trait JsonNumber: Sized {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

impl<T: Integer> JsonNumber for T {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntVisitor(PhantomData))
    }
}

impl JsonNumber for f64 {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        double::deserialize(d)
    }
}

/// Stands in for `pbjson::private::NumberDeserialize` in the generated code.
pub struct Number<T>(pub T);

impl<'de, T: JsonNumber> Deserialize<'de> for Number<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::read(d).map(Number)
    }
}

/// A `double` written as a number, or as `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub struct Double(pub f64);

impl Serialize for Double {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        double::serialize(&self.0, s)
    }
}

/// Stands in for `pbjson::private::BytesDeserialize`: base64, `null` reading as no bytes.
pub struct Bytes64<T>(pub T);

impl<'de, T: From<Vec<u8>>> Deserialize<'de> for Bytes64<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = base64_bytes::deserialize(d)?;
        Ok(Bytes64(Vec::from(raw).into()))
    }
}

/// An enum field written by name (the generated enum's `Serialize`); a value the enum does not
/// declare is written as its number, as protojson does.
pub struct EnumOut<E>(i32, PhantomData<E>);

impl<E> EnumOut<E> {
    pub fn new(value: i32) -> Self {
        EnumOut(value, PhantomData)
    }
}

impl<E: TryFrom<i32> + Serialize> Serialize for EnumOut<E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match E::try_from(self.0) {
            Ok(known) => known.serialize(s),
            Err(_) => s.serialize_i32(self.0),
        }
    }
}

/// An enum field read by name (the generated enum's `Deserialize`) or by number, kept even
/// when the enum does not declare it; `null` or a name it does not know reads as unset.
pub struct EnumIn<E>(pub Option<i32>, PhantomData<E>);

impl<'de, E: Deserialize<'de> + Into<i32>> Deserialize<'de> for EnumIn<E> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<E>(PhantomData<E>);
        impl<'de, E: Deserialize<'de> + Into<i32>> Visitor<'de> for V<E> {
            type Value = Option<i32>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an enum value's name or number")
            }
            fn visit_str<Er: de::Error>(self, v: &str) -> Result<Option<i32>, Er> {
                let named = de::value::StrDeserializer::<de::value::Error>::new(v);
                Ok(E::deserialize(named).ok().map(Into::into))
            }
            fn visit_i64<Er: de::Error>(self, v: i64) -> Result<Option<i32>, Er> {
                i32::try_from(v)
                    .map(Some)
                    .map_err(|_| Er::invalid_value(Unexpected::Signed(v), &self))
            }
            fn visit_u64<Er: de::Error>(self, v: u64) -> Result<Option<i32>, Er> {
                i32::try_from(v)
                    .map(Some)
                    .map_err(|_| Er::invalid_value(Unexpected::Unsigned(v), &self))
            }
            fn visit_unit<Er: de::Error>(self) -> Result<Option<i32>, Er> {
                Ok(None)
            }
        }
        let value = d.deserialize_any(V::<E>(PhantomData))?;
        Ok(EnumIn(value, PhantomData))
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
