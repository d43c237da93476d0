//! `RecordKey`: the identity an assessment record gets when it is made, which makes its writes
//! safe to retry.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// The header carrying a record's key from a BOR to a History SOR process (`POST /history`).
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// Given to a record before any write: the store keeps one row per key, so a write retried
/// after a lost answer never stores the record twice. Not part of any JSON answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordKey(Uuid);

impl RecordKey {
    /// A fresh random key (UUID v4: 122 random bits, so two records never share one).
    pub fn new() -> Self {
        RecordKey(Uuid::new_v4())
    }

    /// The key as the database stores it.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for RecordKey {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for RecordKey {
    type Err = uuid::Error;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(raw.trim()).map(RecordKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_read_back_from_their_text() {
        let (a, b) = (RecordKey::new(), RecordKey::new());
        assert_ne!(a, b);
        assert_eq!(a.to_string().parse::<RecordKey>().unwrap(), a);
        assert!("not-a-uuid".parse::<RecordKey>().is_err());
    }
}
