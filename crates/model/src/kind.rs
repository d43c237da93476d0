//! The logical profile types, the names a request may give them, and how the OpenAPI
//! document states those names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{string, InputError};
use crate::documented;

/// Every name a request may use for a profile type (matched case-insensitively, trimmed).
const NAMES: [(&str, ProfileType); 13] = [
    ("cpu", ProfileType::Cpu),
    ("alloc", ProfileType::Alloc),
    ("allocation", ProfileType::Alloc),
    ("memory", ProfileType::Alloc),
    ("lock", ProfileType::Lock),
    ("mutex", ProfileType::Lock),
    ("contention", ProfileType::Lock),
    ("wall", ProfileType::Wall),
    ("wallclock", ProfileType::Wall),
    ("wall-clock", ProfileType::Wall),
    ("inuse", ProfileType::Inuse),
    ("heap", ProfileType::Inuse),
    ("inuse_space", ProfileType::Inuse),
];

/// The canonical names, as messages list them.
const CANONICAL: &str = "cpu, alloc, lock, wall, inuse";

/// A logical profile type (docs/agents.md#profiles-from-files, docs/runtimes.md). Aliases are
/// accepted; the canonical name is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProfileType {
    Cpu,
    Alloc,
    Lock,
    Wall,
    /// Memory held at the moment of a snapshot (docs/runtimes.md): a window's value is the mean of
    /// its snapshots, not their sum.
    Inuse,
}

impl ProfileType {
    pub const ALL: [ProfileType; 5] = [
        ProfileType::Cpu,
        ProfileType::Alloc,
        ProfileType::Lock,
        ProfileType::Wall,
        ProfileType::Inuse,
    ];

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileType::Cpu => "cpu",
            ProfileType::Alloc => "alloc",
            ProfileType::Lock => "lock",
            ProfileType::Wall => "wall",
            ProfileType::Inuse => "inuse",
        }
    }

    /// Whether the type's profiles are snapshots of a state (in-use memory) rather than
    /// counts of events: a window averages them instead of adding them up.
    pub fn is_snapshot(self) -> bool {
        self == ProfileType::Inuse
    }

    /// Parses a comma-separated list, keeping the first occurrence of each type.
    pub fn parse_list(raw: &str) -> Result<Vec<ProfileType>, InputError> {
        let mut types = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let t: ProfileType = part.parse()?;
            if !types.contains(&t) {
                types.push(t);
            }
        }
        if types.is_empty() {
            return Err(InputError::new(
                "invalid_profile_type",
                format!("at least one profile type is required ({CANONICAL})"),
            ));
        }
        Ok(types)
    }
}

impl fmt::Display for ProfileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProfileType {
    type Err = InputError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let name = raw.trim().to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(accepted, _)| *accepted == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                InputError::new(
                    "invalid_profile_type",
                    format!("unknown profile type `{raw}`; valid values: {CANONICAL}"),
                )
            })
    }
}

impl<'de> Deserialize<'de> for ProfileType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse()
            .map_err(|e: InputError| serde::de::Error::custom(e))
    }
}

documented! {
    /// The OpenAPI schema of one profile type as a request names it: the canonical names and
    /// their aliases (the parser also ignores case and surrounding space).
    pub struct ProfileTypeName = string()
        .enum_values(Some(NAMES.iter().map(|(name, _)| *name)))
        .examples(["cpu"]);
}

documented! {
    /// The OpenAPI schema of a comma-separated list of profile types, as
    /// [`ProfileType::parse_list`] accepts it: at least one name; blank entries are skipped.
    pub struct ProfileTypeList = string()
        .pattern(Some(ProfileTypeList::pattern()))
        .examples(["cpu,alloc"]);
}

impl ProfileTypeList {
    pub fn pattern() -> String {
        let one = NAMES.map(|(name, _)| name).join("|");
        format!(r"^[\s,]*(?:{one})(?:\s*,[\s,]*(?:{one}))*[\s,]*$")
    }
}

/// Read from a `varchar` column (`#[sqlx(try_from = "String")]`) in its JSON spelling, as the
/// stores' own enums are (`text_column!`).
impl TryFrom<String> for ProfileType {
    type Error = serde_json::Error;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        serde_json::from_value(serde_json::Value::String(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_type_aliases_map_to_canonical_names() {
        for (raw, want) in [
            ("CPU", ProfileType::Cpu),
            ("allocation", ProfileType::Alloc),
            ("Memory", ProfileType::Alloc),
            ("mutex", ProfileType::Lock),
            ("contention", ProfileType::Lock),
            ("wallclock", ProfileType::Wall),
            ("wall-clock", ProfileType::Wall),
            ("heap", ProfileType::Inuse),
            ("INUSE_SPACE", ProfileType::Inuse),
            (" inuse ", ProfileType::Inuse),
        ] {
            assert_eq!(raw.parse::<ProfileType>().unwrap(), want, "{raw}");
        }
        let err = "stack".parse::<ProfileType>().unwrap_err();
        assert!(err.to_string().contains("cpu, alloc, lock, wall, inuse"));
    }

    #[test]
    fn type_lists_deduplicate_and_reject_empty() {
        let list = ProfileType::parse_list("cpu, memory,alloc ,lock").unwrap();
        assert_eq!(
            list,
            vec![ProfileType::Cpu, ProfileType::Alloc, ProfileType::Lock]
        );
        assert!(ProfileType::parse_list(" , ").is_err());
    }

    #[test]
    fn the_documented_list_pattern_accepts_what_parse_list_accepts() {
        let pattern = regex::Regex::new(&ProfileTypeList::pattern()).expect("the pattern compiles");
        for raw in [
            "cpu",
            "cpu,alloc",
            " cpu , memory ,",
            ",lock",
            "wall-clock",
            "",
            " , ",
            "cpu,,heap",
            "heap",
            "stack",
            "cpu alloc",
            "cpu;alloc",
        ] {
            assert_eq!(
                pattern.is_match(raw),
                ProfileType::parse_list(raw).is_ok(),
                "pattern and parser disagree on {raw:?}"
            );
        }
    }
}
