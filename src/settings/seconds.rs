//! Durations configured in whole seconds (the `*_secs` keys), read into `Duration`, so a
//! zero where none makes sense fails while the settings are read, naming its key.

use std::time::Duration;

use serde::de::{Error, Unexpected};
use serde::{Deserialize, Deserializer};

/// A number of seconds, zero included.
pub(super) fn secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_secs)
}

/// A number of seconds, at least one.
pub(super) fn positive_secs<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Duration, D::Error> {
    match u64::deserialize(deserializer)? {
        0 => Err(D::Error::invalid_value(
            Unexpected::Unsigned(0),
            &"a positive number of seconds",
        )),
        n => Ok(Duration::from_secs(n)),
    }
}
