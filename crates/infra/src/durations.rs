//! Durations configured in whole seconds (the `*_secs` keys) or milliseconds (`*_ms`,
//! `*_millis`), read into `Duration`, so that a zero where none makes sense fails while the
//! settings are read, naming its key.

use std::time::Duration;

use serde::de::{Error, Unexpected};
use serde::{Deserialize, Deserializer};

/// A number of seconds, zero included.
pub fn secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_secs)
}

/// A number of seconds, at least one.
pub fn positive_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    positive(deserializer, "a positive number of seconds").map(Duration::from_secs)
}

/// A number of milliseconds, zero included.
pub fn millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_millis)
}

/// A number of milliseconds, at least one.
pub fn positive_millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    positive(deserializer, "a positive number of milliseconds").map(Duration::from_millis)
}

fn positive<'de, D: Deserializer<'de>>(
    deserializer: D,
    expected: &'static str,
) -> Result<u64, D::Error> {
    match u64::deserialize(deserializer)? {
        0 => Err(D::Error::invalid_value(Unexpected::Unsigned(0), &expected)),
        n => Ok(n),
    }
}
