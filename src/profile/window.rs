//! Time windows in epoch seconds, with SPEC defaults and a "now" floored to Pyroscope's resolution.

use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// Pyroscope's time resolution; a defaulted "now" is floored to it so repeated calls share a cache key.
const RESOLUTION_SECS: i64 = 10;

/// Seconds in the default one-hour window.
pub const HOUR_SECS: i64 = 3600;

/// The current time in epoch seconds, floored to a 10-second boundary.
pub fn now_floored() -> i64 {
    let now = Utc::now().timestamp();
    now - now.rem_euclid(RESOLUTION_SECS)
}

/// A half-open query window `[from, to)` in epoch seconds, `from < to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct TimeWindow {
    /// Start, epoch seconds.
    pub from: i64,
    /// End, epoch seconds.
    pub to: i64,
}

impl TimeWindow {
    /// Builds a window from optional bounds: `to` defaults to `now`, `from` to one hour before `to`.
    pub fn resolve(from: Option<i64>, to: Option<i64>, now: i64) -> Result<Self, ApiError> {
        let to = to.unwrap_or(now);
        let from = from.unwrap_or(to - HOUR_SECS);
        Self::new(from, to)
    }

    /// Checks `0 <= from < to`.
    pub fn new(from: i64, to: i64) -> Result<Self, ApiError> {
        if from < 0 || to < 0 {
            return Err(ApiError::bad_request(
                "invalid_time_window",
                format!("from and to must be epoch seconds >= 0, got from={from} to={to}"),
            ));
        }
        if from >= to {
            return Err(ApiError::bad_request(
                "invalid_time_window",
                format!("from must be before to, got from={from} to={to}"),
            ));
        }
        Ok(TimeWindow { from, to })
    }

    /// The window of equal length that ends where this one starts.
    pub fn preceding(self) -> Self {
        TimeWindow {
            from: self.from - (self.to - self.from),
            to: self.from,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_the_last_hour() {
        let w = TimeWindow::resolve(None, None, 7200).unwrap();
        assert_eq!((w.from, w.to), (3600, 7200));
        let w = TimeWindow::resolve(Some(100), None, 7200).unwrap();
        assert_eq!((w.from, w.to), (100, 7200));
    }

    #[test]
    fn reversed_or_empty_windows_are_rejected() {
        assert!(TimeWindow::new(10, 10).is_err());
        assert!(TimeWindow::new(20, 10).is_err());
        assert!(TimeWindow::new(-1, 10).is_err());
    }

    #[test]
    fn now_is_floored_to_ten_seconds() {
        assert_eq!(now_floored() % RESOLUTION_SECS, 0);
    }

    #[test]
    fn the_preceding_window_has_the_same_length() {
        let w = TimeWindow::new(7200, 10800).unwrap().preceding();
        assert_eq!((w.from, w.to), (3600, 7200));
    }
}
