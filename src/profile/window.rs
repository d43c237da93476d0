//! Time windows in epoch seconds, with SPEC defaults and a "now" floored to Pyroscope's resolution.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::InputError;

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

/// `2025-11-22 09:00:00 UTC – 2025-11-22 10:00:00 UTC`, as reports show a window.
impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let instant = |secs: i64| {
            DateTime::from_timestamp(secs, 0).map_or_else(
                || secs.to_string(),
                |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            )
        };
        write!(f, "{} – {}", instant(self.from), instant(self.to))
    }
}

impl TimeWindow {
    /// Builds a window from optional bounds: `to` defaults to `now`, `from` to one hour before `to`.
    pub fn resolve(from: Option<i64>, to: Option<i64>, now: i64) -> Result<Self, InputError> {
        let to = to.unwrap_or(now);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub(HOUR_SECS)
                .ok_or_else(|| out_of_range(from, to))?,
        };
        Self::new(from, to)
    }

    /// The baseline of a comparison with `self` as the current window: `to` defaults to where
    /// `self` starts, `from` to as long before `to` as `self` lasts. Errors name the baseline.
    pub fn baseline(self, from: Option<i64>, to: Option<i64>) -> Result<Self, InputError> {
        let to = to.unwrap_or(self.from);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub(self.to - self.from)
                .ok_or_else(|| out_of_range(from, to).within("baseline window"))?,
        };
        Self::new(from, to).map_err(|e| e.within("baseline window"))
    }

    /// Checks `0 <= from < to`.
    pub fn new(from: i64, to: i64) -> Result<Self, InputError> {
        if from < 0 || to < 0 {
            return Err(out_of_range(Some(from), to));
        }
        if from >= to {
            return Err(InputError::new(
                "invalid_time_window",
                format!("from must be before to, got from={from} to={to}"),
            ));
        }
        Ok(TimeWindow { from, to })
    }
}

fn out_of_range(from: Option<i64>, to: i64) -> InputError {
    let from = from.map_or_else(|| "default".to_owned(), |f| f.to_string());
    InputError::new(
        "invalid_time_window",
        format!("from and to must be epoch seconds >= 0, got from={from} to={to}"),
    )
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
    fn extreme_bounds_are_refused_without_overflow() {
        for (from, to) in [
            (None, Some(i64::MIN)),
            (Some(i64::MIN), Some(i64::MAX)),
            (Some(i64::MIN), None),
            (None, Some(i64::MIN + 1)),
        ] {
            let err = TimeWindow::resolve(from, to, 7200).unwrap_err();
            assert_eq!(err.code(), "invalid_time_window", "{from:?} {to:?}");
        }
        let current = TimeWindow::new(0, i64::MAX).unwrap();
        for (from, to) in [(None, None), (None, Some(i64::MIN)), (Some(i64::MIN), None)] {
            let err = current.baseline(from, to).unwrap_err();
            assert_eq!(err.code(), "invalid_time_window", "{from:?} {to:?}");
            assert!(err.to_string().starts_with("baseline window:"), "{err}");
        }
    }

    #[test]
    fn the_baseline_defaults_to_the_preceding_window_of_equal_length() {
        let current = TimeWindow::new(7200, 10800).unwrap();
        assert_eq!(
            current.baseline(None, None).unwrap(),
            TimeWindow::new(3600, 7200).unwrap()
        );
        let w = current.baseline(None, Some(5000)).unwrap();
        assert_eq!((w.from, w.to), (1400, 5000));
        let w = current.baseline(Some(100), None).unwrap();
        assert_eq!((w.from, w.to), (100, 7200));
        let early = TimeWindow::new(100, 7300).unwrap();
        assert!(early.baseline(None, None).is_err());
        assert!(early.baseline(Some(50), Some(40)).is_err());
    }
}
