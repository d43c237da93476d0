//! How the OpenAPI document states the label-selector grammar that `LabelSelector::parse`
//! reads, so that a client generator's values are the server's: `name op "value"` matchers,
//! comma-separated, spaces and tabs around them, an optional trailing comma, no control
//! characters. A `=~`/`!~` value must also compile as a regular expression, which no pattern
//! can say; the pattern admits the regular expressions made of literals, `.` and `.*` (which
//! always compile) and the description says that any RE2 regex is accepted.

use super::schema::string;
use crate::documented;

/// A label name.
const NAME: &str = "[A-Za-z_][A-Za-z0-9_]*";
/// Spaces and tabs between tokens.
const GAP: &str = "[ \\t]*";
/// A double-quoted value for `=` and `!=`: no control characters, `\"` and `\\` escaped.
const QUOTED: &str = r#""(?:[^"\\\u0000-\u001F\u007F-\u009F]|\\["\\])*""#;
/// A double-quoted value for `=~` and `!~` that surely compiles: literals, `.` and `.*`.
const REGEX: &str = r#""(?:[A-Za-z0-9_ :/-]|\.\*?)*""#;

/// Characters a documented selector may have: `MAX_SELECTOR_LEN` bytes hold at least this many
/// characters of any kind.
pub const SELECTOR_MAX_CHARS: usize = super::labels::MAX_SELECTOR_LEN / 4;

/// The pattern of a whole selector, anchored.
pub fn selector_pattern() -> String {
    let matcher = format!("{NAME}{GAP}(?:(?:=|!=){GAP}{QUOTED}|(?:=~|!~){GAP}{REGEX})");
    format!("^{GAP}(?:{matcher}(?:{GAP},{GAP}{matcher})*(?:{GAP},)?{GAP})?$")
}

documented! {
    /// The OpenAPI schema of a label selector parameter or field.
    pub struct SelectorText = string()
        .pattern(Some(selector_pattern()))
        .max_length(Some(SELECTOR_MAX_CHARS))
        .description(Some(
            "Prometheus label matchers, comma-separated: `name op \"value\"` with op one of \
             `=`, `!=`, `=~`, `!~`, e.g. `version=\"1.4.2\",region=~\"eu-.*\"`. Values are \
             double-quoted, with `\\\"` and `\\\\` as the only escapes and no control \
             characters. A `=~`/`!~` value may be any regular expression (RE2 syntax, anchored \
             at both ends) that compiles; the pattern spells out only those made of literals, \
             `.` and `.*`.",
        ))
        .examples(["version=\"1.4.2\",region=~\"eu-.*\""]);
}
