//! Domain types every capability shares, pure: app and function names, profile types, time
//! windows and slices, label selectors, trends, limits, and the statistics of significance.

mod calltree;
mod code;
mod error;
mod fields;
mod format;
mod kind;
mod labels;
mod labels_schema;
mod names;
mod numbers;
#[cfg(any(test, feature = "testing"))]
pub mod random;
mod schema;
mod severity;
pub mod significance;
mod slices;
mod stats;
pub mod trend;
pub mod trend_view;
pub mod utc;
mod window;

use std::fmt;
use std::str::FromStr;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

pub use calltree::{CallTree, TreeNode};
pub use code::{FunctionSite, GIT_REF_LABEL};
pub use error::InputError;
pub use fields::{
    optional_text, parse_limit, parse_slices, percent, required_text, truncate_chars,
    DiagnosisText, FunctionNameText, FunctionPatternText, RecommendationText, ShortText,
    MAX_DIAGNOSIS, MAX_FUNCTION_NAME, MAX_RECOMMENDATION, MAX_SHORT_TEXT, MAX_SLICES,
};
pub use format::ReportFormat;
pub use kind::{ProfileType, ProfileTypeList, ProfileTypeName};
pub use labels::{is_label_name, LabelFilter, LabelSelector, MatchOp, Matcher, MAX_SELECTOR_LEN};
pub use labels_schema::{selector_pattern, SelectorText};
pub use names::{normalize_function_name, normalized_function_name, separator_form};
pub use numbers::{saturate, Bounded};
pub use schema::string;
pub use severity::Severity;
pub use slices::{SliceSecs, Slices};
pub use stats::{breaches, percent_of, round2, round_percent, FunctionStat};
pub use window::{
    now_floored, Partial, PartialReason, TimeWindow, WindowBounds, DEFAULT_MAX_WINDOW_DAYS,
    FUTURE_SLACK_SECS,
};

/// An application name: 1–255 characters, no control characters (docs/api.md).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AppName(String);

impl AppName {
    pub const MAX_CHARS: usize = 255;

    /// What [`AppName::parse_field`] accepts, as the OpenAPI document states it (ECMA-262 and
    /// Python `re` read it alike): no control character (Unicode `Cc`), and not only white
    /// space. The length limits are stated beside it.
    pub const PATTERN: &'static str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";

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

    /// The required `appName` of a request body: `missing_field` when absent, else the one
    /// rule every door applies.
    pub fn required(raw: Option<String>) -> Result<Self, InputError> {
        let raw = raw.ok_or_else(|| InputError::new("missing_field", "appName is required"))?;
        raw.parse()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

documented!(AppName = string()
    .min_length(Some(1))
    .max_length(Some(Self::MAX_CHARS))
    .pattern(Some(Self::PATTERN))
    .examples(["checkout-service"]););

documented! {
    /// The OpenAPI schema of a comma-separated list of app names (`apps=`): entries without
    /// control characters, each at most [`AppName::MAX_CHARS`] long; blank entries are skipped.
    pub struct AppNameList = {
        let entry = format!(
            r"[^,\u0000-\u001F\u007F-\u009F]{{0,{}}}",
            AppName::MAX_CHARS
        );
        string()
            .pattern(Some(format!("^{entry}(?:,{entry})*$")))
            .examples(["checkout-service,inventory"])
    };
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

impl PartialEq<&str> for AppName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
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
    fn the_documented_app_name_pattern_accepts_what_parse_accepts() {
        let pattern = regex::Regex::new(AppName::PATTERN).expect("the pattern compiles");
        for raw in [
            "checkout",
            "ünïcode app/with spaces",
            " padded ",
            "",
            " ",
            "\u{3000}\t",
            "a\nb",
            "\u{85}x",
            "x\u{9f}",
            "\u{7f}",
            "tab\there",
            "\u{a0}nbsp",
            "emoji 🔥",
        ] {
            assert_eq!(
                pattern.is_match(raw),
                raw.parse::<AppName>().is_ok(),
                "pattern and parser disagree on {raw:?}"
            );
        }
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
