//! Domain types shared by SORs and BORs: profile types, app names, function names, time windows, limits.

mod calltree;
mod error;
mod fields;
mod format;
mod labels;
mod names;
mod severity;
mod stats;
mod window;

use std::fmt;
use std::str::FromStr;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use calltree::{CallTree, TreeNode};
pub use error::InputError;
pub use fields::{
    optional_text, parse_limit, percent, required_text, truncate_chars, MAX_FUNCTION_NAME,
    MAX_RECOMMENDATION, MAX_SHORT_TEXT,
};
pub use format::ReportFormat;
pub use labels::{LabelFilter, LabelSelector, MatchOp, Matcher, MAX_SELECTOR_LEN};
pub use names::{normalize_function_name, separator_form};
pub use severity::Severity;
pub use stats::{percent_of, round2, round_percent, FunctionStat};
pub use window::{now_floored, TimeWindow};

/// A logical profile type (SPEC §2). Aliases are accepted; the canonical name is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProfileType {
    Cpu,
    Alloc,
    Lock,
    Wall,
}

impl ProfileType {
    pub const ALL: [ProfileType; 4] = [
        ProfileType::Cpu,
        ProfileType::Alloc,
        ProfileType::Lock,
        ProfileType::Wall,
    ];

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileType::Cpu => "cpu",
            ProfileType::Alloc => "alloc",
            ProfileType::Lock => "lock",
            ProfileType::Wall => "wall",
        }
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
                "at least one profile type is required (cpu, alloc, lock, wall)",
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
        match raw.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(ProfileType::Cpu),
            "alloc" | "allocation" | "memory" => Ok(ProfileType::Alloc),
            "lock" | "mutex" | "contention" => Ok(ProfileType::Lock),
            "wall" | "wallclock" | "wall-clock" => Ok(ProfileType::Wall),
            _ => Err(InputError::new(
                "invalid_profile_type",
                format!("unknown profile type `{raw}`; valid values: cpu, alloc, lock, wall"),
            )),
        }
    }
}

impl<'de> Deserialize<'de> for ProfileType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse()
            .map_err(|e: InputError| serde::de::Error::custom(e))
    }
}

/// An application name: 1–255 characters, no control characters (SPEC §8).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, example = "checkout-service")]
pub struct AppName(String);

impl AppName {
    pub const MAX_CHARS: usize = 255;

    /// Validates `raw`; `field` names it in the error message.
    pub fn parse_field(raw: &str, field: &str) -> Result<Self, InputError> {
        let chars = raw.chars().count();
        if raw.trim().is_empty() {
            return Err(InputError::new(
                "invalid_app_name",
                format!("{field} must not be blank"),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(InputError::new(
                "invalid_app_name",
                format!(
                    "{field} must be at most {} characters, got {chars}",
                    Self::MAX_CHARS
                ),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(InputError::new(
                "invalid_app_name",
                format!("{field} must not contain control characters"),
            ));
        }
        // A name travels in URL paths: one whose escapes decode to no text (`%ff`) could never
        // be addressed there, and would come back with U+FFFD in its place.
        if percent_decode_str(raw).decode_utf8().is_err() {
            return Err(InputError::new(
                "invalid_app_name",
                format!("{field} must stay text when percent-decoded, got `{raw}`"),
            ));
        }
        Ok(AppName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl FromStr for AppName {
    type Err = InputError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse_field(raw, "appName")
    }
}

impl<'de> Deserialize<'de> for AppName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse()
            .map_err(|e: InputError| serde::de::Error::custom(e))
    }
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
        ] {
            assert_eq!(raw.parse::<ProfileType>().unwrap(), want, "{raw}");
        }
        let err = "heap".parse::<ProfileType>().unwrap_err();
        assert!(err.to_string().contains("cpu, alloc, lock, wall"));
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
    fn app_names_are_bounded_and_free_of_control_characters() {
        assert!("checkout".parse::<AppName>().is_ok());
        assert!("ünïcode app/with spaces".parse::<AppName>().is_ok());
        assert!("".parse::<AppName>().is_err());
        assert!("  ".parse::<AppName>().is_err());
        assert!("a\nb".parse::<AppName>().is_err());
        assert!("x".repeat(255).parse::<AppName>().is_ok());
        assert!("x".repeat(256).parse::<AppName>().is_err());
    }
}
