//! Time windows in epoch seconds, with the defaults of docs/api.md and a "now" floored to
//! Pyroscope's resolution.

use std::fmt;

use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use super::utc::{utc_text, SECOND};
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

/// The part of a window a source could not read, said beside what it could (docs/at-scale.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"from": 1_700_000_000, "reason": "before_lookback"}))]
pub struct Partial {
    /// What was read starts here (epoch seconds): the window before it was not.
    pub from: i64,
    pub reason: PartialReason,
}

/// Why part of a window was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartialReason {
    /// Pyroscope keeps nothing older than its `max_query_lookback` (`pyroscope.max_lookback_days`).
    BeforeLookback,
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
        let (from, to) = (utc_text(self.from, SECOND), utc_text(self.to, SECOND));
        write!(f, "{from} – {to}")
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

/// How far past now a request's `to` may reach before it is read as now: a client's clock a
/// little ahead is not an error, a `to` of `i64::MAX` is not work (SPEC §34).
pub const FUTURE_SLACK_SECS: i64 = 300;

/// The longest window a request may ask for by default (`http.max_window_days`).
pub const DEFAULT_MAX_WINDOW_DAYS: u32 = 31;

/// The rule every request's window is read by, at one instant: `to` later than
/// `now + FUTURE_SLACK_SECS` is read as `now`, and a window longer than `max_secs` is refused,
/// so that the work and the calls a window costs never grow with the numbers it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowBounds {
    /// Epoch seconds; the default `to`.
    pub now: i64,
    /// The longest window, in seconds.
    pub max_secs: i64,
}

impl WindowBounds {
    /// The bounds at `now` with windows of at most `max_days` days.
    pub fn new(now: i64, max_days: u32) -> Self {
        WindowBounds {
            now,
            max_secs: i64::from(max_days.max(1)) * 86_400,
        }
    }

    /// The bounds of a request arriving now, with windows of at most `max_days` days.
    pub fn now(max_days: u32) -> Self {
        Self::new(now_floored(), max_days)
    }

    /// `to` as a request's end: past `now + FUTURE_SLACK_SECS` it is `now`.
    pub fn end(&self, to: i64) -> i64 {
        if to > self.now.saturating_add(FUTURE_SLACK_SECS) {
            self.now
        } else {
            to
        }
    }

    /// [`TimeWindow::resolve`] within the bounds: `to` read by [`WindowBounds::end`], the
    /// window's length checked.
    pub fn resolve(&self, from: Option<i64>, to: Option<i64>) -> Result<TimeWindow, InputError> {
        let window = TimeWindow::resolve(from, to.map(|to| self.end(to)), self.now)?;
        self.check(window)
    }

    /// [`TimeWindow::new`] within the bounds.
    pub fn window(&self, from: i64, to: i64) -> Result<TimeWindow, InputError> {
        self.check(TimeWindow::new(from, self.end(to))?)
    }

    /// `window`, when it is no longer than `max_secs`.
    pub fn check(&self, window: TimeWindow) -> Result<TimeWindow, InputError> {
        let length = i128::from(window.to) - i128::from(window.from);
        if length > i128::from(self.max_secs) {
            let days = self.max_secs / 86_400;
            return Err(InputError::new(
                "invalid_time_window",
                format!(
                    "the window {}–{} is longer than {days} days (http.max_window_days): ask \
                     for a shorter one",
                    window.from, window.to
                ),
            ));
        }
        Ok(window)
    }
}

/// The shortest part a window is cut into for the statistics of docs/api.md#how-sure-is-a-diff, in
/// seconds.
pub const MIN_PART_SECS: i64 = 10;

impl TimeWindow {
    /// The window cut into n = min(`slices`, ⌊(to − from) / 10⌋) parts, part k being
    /// [b_k, b_{k+1}) with b_k = from + ⌊k·(to − from) / n⌋: they partition the window. Fewer
    /// than two parts cannot show how the profile varies: `Err` says why.
    pub fn parts(self, slices: u32) -> Result<Vec<TimeWindow>, String> {
        let length = i128::from(self.to) - i128::from(self.from);
        let n = i128::from(slices).min(length / i128::from(MIN_PART_SECS));
        if n < 2 {
            return Err(format!(
                "the window {}–{} ({length} s) cannot be cut into 2 or more parts of at least \
                 {MIN_PART_SECS} s with slices={slices}",
                self.from, self.to
            ));
        }
        let bound = |k: i128| {
            let b = i128::from(self.from) + k * length / n;
            i64::try_from(b).unwrap_or(self.to)
        };
        Ok((0..n)
            .map(|k| TimeWindow {
                from: bound(k),
                to: bound(k + 1),
            })
            .collect())
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
    fn parts_partition_the_window_into_nearly_equal_pieces() {
        let w = TimeWindow::new(1000, 4600).unwrap();
        let parts = w.parts(10).unwrap();
        assert_eq!(parts.len(), 10);
        assert_eq!(parts[0], TimeWindow::new(1000, 1360).unwrap());
        assert_eq!(parts[9].to, 4600);
        assert!(parts.windows(2).all(|p| p[0].to == p[1].from));
        // 95 s into 4 parts: b_k = 0 + ⌊k·95/4⌋ = 0, 23, 47, 71, 95.
        let bounds: Vec<i64> = TimeWindow::new(0, 95)
            .unwrap()
            .parts(4)
            .unwrap()
            .iter()
            .map(|p| p.from)
            .collect();
        assert_eq!(bounds, [0, 23, 47, 71]);
        // At most one part per 10 s: 35 s gives 3 parts whatever is asked.
        assert_eq!(TimeWindow::new(0, 35).unwrap().parts(60).unwrap().len(), 3);
        let huge = TimeWindow::new(0, i64::MAX).unwrap().parts(60).unwrap();
        assert_eq!(huge.last().unwrap().to, i64::MAX);
    }

    #[test]
    fn a_window_too_short_for_two_parts_says_so() {
        let err = TimeWindow::new(0, 15).unwrap().parts(10).unwrap_err();
        assert!(err.contains("cannot be cut"), "{err}");
        assert!(TimeWindow::new(0, 3600).unwrap().parts(1).is_err());
        assert!(TimeWindow::new(0, 3600).unwrap().parts(0).is_err());
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

    #[test]
    fn a_far_future_to_is_read_as_now_and_a_long_window_is_refused() {
        let bounds = WindowBounds::new(10_000_000, 31);
        // A `to` a few minutes ahead (a clock a little fast) stays; beyond, it is now.
        assert_eq!(bounds.end(10_000_000 + 300), 10_000_300);
        assert_eq!(bounds.end(10_000_000 + 301), 10_000_000);
        assert_eq!(bounds.end(i64::MAX), 10_000_000);
        let w = bounds.resolve(Some(9_999_000), Some(i64::MAX)).unwrap();
        assert_eq!((w.from, w.to), (9_999_000, 10_000_000));
        // 31 days is allowed, a second more is not.
        assert!(bounds.window(10_000_000 - 31 * 86_400, 10_000_000).is_ok());
        let err = bounds
            .window(10_000_000 - 31 * 86_400 - 1, 10_000_000)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_time_window");
        assert!(err.to_string().contains("http.max_window_days"), "{err}");
        // Wholly in the future: nothing before `to` once it is read as now.
        assert!(bounds.resolve(Some(20_000_000), Some(30_000_000)).is_err());
        assert!(bounds.resolve(Some(0), Some(i64::MAX)).is_err());
    }
}
