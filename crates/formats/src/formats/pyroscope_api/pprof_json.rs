//! The JSON of `querier.v1.PprofProfile`, written by hand: its field is the encoded
//! `google.v1.Profile` (the wire's bytes, kept for the pprof reader), while Connect's JSON
//! writes the profile as an object. pbjson would write the bytes as base64.

use prost::Message;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{Error as _, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use super::profile::Profile;
use super::PprofProfile;

impl Serialize for PprofProfile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("querier.v1.PprofProfile", 1)?;
        if let Some(encoded) = &self.profile {
            let profile = Profile::decode(encoded.as_ref()).map_err(S::Error::custom)?;
            out.serialize_field("profile", &profile)?;
        }
        out.end()
    }
}

impl<'de> Deserialize<'de> for PprofProfile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PprofProfile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("struct querier.v1.PprofProfile")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<PprofProfile, M::Error> {
                let mut profile = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "profile" {
                        let object = map.next_value::<Option<Profile>>()?;
                        profile = object.map(|p| p.encode_to_vec().into());
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(PprofProfile { profile })
            }
        }
        d.deserialize_struct("querier.v1.PprofProfile", &["profile"], V)
    }
}
