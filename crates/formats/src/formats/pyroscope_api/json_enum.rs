//! Serde helpers for enums written by name, and for a `google.v1.Profile` kept as its bytes.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serializer};

/// A protobuf enum known by name: what [`enum_name`] and [`enum_value`] need.
pub trait ProtoEnum {
    /// The name of `value`, if it is one of the enum's values.
    fn name_of(value: i32) -> Option<&'static str>;
    /// The value named `name`, if there is one.
    fn value_of(name: &str) -> Option<i32>;
}

/// An enum field (an `i32` in prost) written by name; a value the enum does not declare is
/// written as its number, as protojson does.
pub fn enum_name<E: ProtoEnum, S: Serializer>(v: &i32, s: S) -> Result<S::Ok, S::Error> {
    match E::name_of(*v) {
        Some(name) => s.serialize_str(name),
        None => s.serialize_i32(*v),
    }
}

/// [`enum_name`] for a proto3 `optional` enum.
pub fn enum_name_opt<E: ProtoEnum, S: Serializer>(
    v: &Option<i32>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => enum_name::<E, S>(v, s),
        None => s.serialize_none(),
    }
}

/// One enum value read by name or number; an unknown name reads as unset (Connect's codec
/// discards unknown enum names, as it does unknown fields).
struct EnumIn<E>(Option<i32>, PhantomData<E>);

impl<'de, E: ProtoEnum> Deserialize<'de> for EnumIn<E> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<E>(PhantomData<E>);
        impl<E: ProtoEnum> Visitor<'_> for V<E> {
            type Value = Option<i32>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an enum value's name or number")
            }
            fn visit_str<Er: de::Error>(self, v: &str) -> Result<Option<i32>, Er> {
                Ok(E::value_of(v))
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

/// An enum field read by name or number; `null` or an unknown name reads as 0.
pub fn enum_value<'de, E: ProtoEnum, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    Ok(EnumIn::<E>::deserialize(d)?.0.unwrap_or(0))
}

/// [`enum_value`] for a proto3 `optional` enum: `null` or an unknown name reads as unset.
pub fn enum_value_opt<'de, E: ProtoEnum, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<i32>, D::Error> {
    Ok(EnumIn::<E>::deserialize(d)?.0)
}

/// A `google.v1.Profile` field kept as its encoded bytes (see the module notes): written as
/// the profile's object, read from one and encoded again; `None` when absent or `null`.
pub mod pprof_message {
    use crate::formats::pyroscope_api::profile::Profile;
    use prost::Message;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<bytes::Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(encoded) => Profile::decode(encoded.as_ref())
                .map_err(S::Error::custom)?
                .serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bytes::Bytes>, D::Error> {
        let profile = Option::<Profile>::deserialize(d)?;
        Ok(profile.map(|p| p.encode_to_vec().into()))
    }
}
