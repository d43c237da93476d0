//! Limits and checks shared by every request body and query: one definition each, so every
//! route answers the same bad value with the same code.

use utoipa::openapi::schema::ObjectBuilder;

use super::{string, InputError};
use crate::documented;

/// Longest function name stored; Pyroscope names can be long, but not unbounded.
pub const MAX_FUNCTION_NAME: usize = 1024;
/// Longest free-text name field (`createdBy`, `requestedBy`, channels, owners).
pub const MAX_SHORT_TEXT: usize = 255;
/// Longest recommendation an assessment carries (and the history store accepts).
pub const MAX_RECOMMENDATION: usize = 4000;
/// Longest diagnosis code the history store accepts.
pub const MAX_DIAGNOSIS: usize = 100;

// The OpenAPI schemas of the text fields, from the limits above and what [`required_text`] /
// [`optional_text`] check: a body field names one with `#[schema(value_type = …)]`.
documented! {
    /// A required function name: not blank, at most [`MAX_FUNCTION_NAME`] characters.
    pub struct FunctionNameText = text_schema(true, MAX_FUNCTION_NAME);
}
documented! {
    /// An optional function pattern, at most [`MAX_FUNCTION_NAME`] characters.
    pub struct FunctionPatternText = text_schema(false, MAX_FUNCTION_NAME);
}
documented! {
    /// An optional short name (`createdBy`, owners, channels), at most [`MAX_SHORT_TEXT`].
    pub struct ShortText = text_schema(false, MAX_SHORT_TEXT);
}
documented! {
    /// A required diagnosis code, at most [`MAX_DIAGNOSIS`] characters.
    pub struct DiagnosisText = text_schema(true, MAX_DIAGNOSIS);
}
documented! {
    /// An optional recommendation, at most [`MAX_RECOMMENDATION`] characters.
    pub struct RecommendationText = text_schema(false, MAX_RECOMMENDATION);
}

/// A string of at most `max` characters and without U+0000 (which PostgreSQL text cannot
/// hold); a required one must hold more than white space.
fn text_schema(required: bool, max: usize) -> ObjectBuilder {
    let text = string().max_length(Some(max));
    match required {
        true => text
            .min_length(Some(1))
            .pattern(Some(r"^[^\u0000]*[^\s\u0000][^\u0000]*$")),
        false => text.pattern(Some(r"^[^\u0000]*$")),
    }
}

/// Checks a `limit` query parameter against `1..=max`, defaulting to `default`. Signed, so a
/// caller that reads the parameter as `i64` reports a negative limit as `invalid_limit` too.
pub fn parse_limit(raw: Option<i64>, default: u32, max: u32) -> Result<u32, InputError> {
    let n = raw.unwrap_or(i64::from(default));
    match u32::try_from(n) {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(InputError::new(
            "invalid_limit",
            format!("limit must be between 1 and {max}, got {n}"),
        )),
    }
}

/// Parts per window when `slices` is not given (docs/api.md#how-sure-is-a-diff).
pub const DEFAULT_SLICES: u32 = 10;
/// The most parts a window is cut into.
pub const MAX_SLICES: u32 = 60;

/// Checks a `slices` query parameter against `0..=60`, defaulting to 10; 0 turns parts off.
pub fn parse_slices(raw: Option<i64>) -> Result<u32, InputError> {
    let n = raw.unwrap_or(i64::from(DEFAULT_SLICES));
    match u32::try_from(n) {
        Ok(n) if n <= MAX_SLICES => Ok(n),
        _ => Err(InputError::new(
            "invalid_slices",
            format!("slices must be between 0 (off) and {MAX_SLICES}, got {n}"),
        )),
    }
}

/// A required text field: present and not blank, at most `max` characters.
pub fn required_text(value: Option<String>, field: &str, max: usize) -> Result<String, InputError> {
    match value {
        Some(v) if !v.trim().is_empty() => {
            optional_text(Some(v), field, max).map(Option::unwrap_or_default)
        }
        Some(_) => Err(InputError::new(
            "blank_field",
            format!("{field} must not be blank"),
        )),
        None => Err(InputError::new(
            "missing_field",
            format!("{field} is required"),
        )),
    }
}

/// An optional text field, at most `max` characters, without U+0000.
pub fn optional_text(
    value: Option<String>,
    field: &str,
    max: usize,
) -> Result<Option<String>, InputError> {
    match value {
        Some(v) if v.chars().count() > max => Err(InputError::new(
            "invalid_field",
            format!("{field} must be at most {max} characters"),
        )),
        Some(v) if v.contains('\0') => Err(InputError::new(
            "invalid_field",
            format!("{field} must not contain U+0000"),
        )),
        other => Ok(other),
    }
}

/// Checks a threshold percentage: `0 < x <= 100`.
pub fn percent(value: f64, field: &str) -> Result<f64, InputError> {
    if value > 0.0 && value <= 100.0 {
        Ok(value)
    } else {
        Err(InputError::new(
            "out_of_range",
            format!("{field} must be greater than 0 and at most 100, got {value}"),
        ))
    }
}

/// `text` cut to at most `max` characters.
pub fn truncate_chars(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_refuse_what_the_store_cannot_hold() {
        let nul = Some("a\0b".to_owned());
        assert_eq!(
            optional_text(nul.clone(), "f", 10).unwrap_err().code(),
            "invalid_field"
        );
        assert_eq!(
            required_text(nul, "f", 10).unwrap_err().code(),
            "invalid_field"
        );
        assert_eq!(
            required_text(Some(" ".into()), "f", 10).unwrap_err().code(),
            "blank_field"
        );
    }

    #[test]
    fn limits_outside_the_range_are_rejected() {
        assert_eq!(parse_limit(None, 50, 1000).unwrap(), 50);
        assert_eq!(parse_limit(Some(1000), 50, 1000).unwrap(), 1000);
        assert!(parse_limit(Some(0), 50, 1000).is_err());
        assert!(parse_limit(Some(1001), 50, 1000).is_err());
    }

    #[test]
    fn limits_are_checked_including_negative_values() {
        assert_eq!(parse_limit(None, 50, 1000).unwrap(), 50);
        assert_eq!(parse_limit(Some(5000), 500, 5000).unwrap(), 5000);
        for bad in [0, -1, 1001, i64::MAX] {
            let err = parse_limit(Some(bad), 50, 1000).unwrap_err();
            assert_eq!(err.code(), "invalid_limit");
            assert!(err.to_string().contains(&bad.to_string()), "{err}");
        }
    }
}
