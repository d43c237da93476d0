//! The instants a history query may be bounded by: epoch seconds or RFC 3339 text, read by
//! one function and stated by one schema.

use chrono::{DateTime, TimeZone, Utc};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};

use pf_model::{documented, string, InputError};

/// Reads epoch seconds or an RFC 3339 timestamp.
pub fn parse_instant(raw: &str, field: &str) -> Result<DateTime<Utc>, InputError> {
    let parsed = match raw.trim().parse::<i64>() {
        Ok(secs) => Utc.timestamp_opt(secs, 0).single(),
        Err(_) => DateTime::parse_from_rfc3339(raw.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc)),
    };
    parsed.ok_or_else(|| {
        InputError::new(
            "invalid_time_window",
            format!("{field} must be epoch seconds or an RFC 3339 timestamp, got `{raw}`"),
        )
    })
}

documented! {
    /// The OpenAPI schema of what [`parse_instant`] reads: epoch seconds within the range a
    /// timestamp can hold, or RFC 3339 text.
    pub struct Instant = {
        let epoch = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(DateTime::<Utc>::MIN_UTC.timestamp()))
            .maximum(Some(DateTime::<Utc>::MAX_UTC.timestamp()))
            .examples([1_700_000_000]);
        let text = string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples(["2023-11-14T22:13:20Z"]);
        OneOfBuilder::new().item(epoch).item(text)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ends_of_the_documented_epoch_range_are_read() {
        for secs in [
            DateTime::<Utc>::MIN_UTC.timestamp(),
            DateTime::<Utc>::MAX_UTC.timestamp(),
        ] {
            assert!(parse_instant(&secs.to_string(), "from").is_ok(), "{secs}");
        }
        assert!(parse_instant(
            &(DateTime::<Utc>::MAX_UTC.timestamp() + 1).to_string(),
            "from"
        )
        .is_err());
        assert!(parse_instant("2023-11-14T22:13:20.5+01:00", "to").is_ok());
        assert!(parse_instant("", "to").is_err());
    }
}
