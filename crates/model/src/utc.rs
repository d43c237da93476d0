//! Epoch seconds as UTC text: the one way pages, notices, reports and pictures write a time.
//! A second chrono cannot place (beyond year 262 143) is written as the number.

use chrono::DateTime;

/// `2026-11-24 10:35:07 UTC`, as reports show a window.
pub const SECOND: &str = "%Y-%m-%d %H:%M:%S UTC";
/// `2026-11-24 10:35 UTC`.
pub const MINUTE: &str = "%Y-%m-%d %H:%M UTC";
/// `10:35 UTC`: a time of today.
pub const CLOCK: &str = "%H:%M UTC";
/// `25 Nov 19:50 UTC`: a time of the last days.
pub const DAY_CLOCK: &str = "%d %b %H:%M UTC";
/// `10:35`: a tick on a picture's time axis.
pub const TICK: &str = "%H:%M";

/// `secs` (epoch seconds) in `format` (one of this module's), UTC.
pub fn utc_text(secs: i64, format: &str) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|t| t.format(format).to_string())
        .unwrap_or_else(|| secs.to_string())
}

#[cfg(test)]
mod tests {
    use crate::utc::{utc_text, CLOCK, DAY_CLOCK, MINUTE, SECOND, TICK};

    #[test]
    fn each_format_and_the_unplaceable_second() {
        let t = 1_764_067_807; // 2025-11-25 10:50:07 UTC (`date -u -d @1764067807`)
        assert_eq!(utc_text(t, SECOND), "2025-11-25 10:50:07 UTC");
        assert_eq!(utc_text(t, MINUTE), "2025-11-25 10:50 UTC");
        assert_eq!(utc_text(t, CLOCK), "10:50 UTC");
        assert_eq!(utc_text(t, DAY_CLOCK), "25 Nov 10:50 UTC");
        assert_eq!(utc_text(t, TICK), "10:50");
        assert_eq!(utc_text(i64::MAX, MINUTE), i64::MAX.to_string());
    }
}
