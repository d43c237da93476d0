//! Slice arithmetic of the watcher (docs/profiles-over-time.md): slices aligned to the epoch, due
//! after a lag.

use std::time::Duration;

use serde::de::{Error, Unexpected};
use serde::{Deserialize, Deserializer};

use super::TimeWindow;

/// The length of one slice, in whole seconds: `watch.slice_secs` as it is read, carried under
/// that one name to the `slice_secs` column it is stored in. Positive, so the grid's arithmetic
/// never divides by zero, and within 32 bits, because the column is an INTEGER.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SliceSecs(i32);

impl SliceSecs {
    /// The default slice, five minutes (`watch.slice_secs = 300`).
    pub const FIVE_MINUTES: SliceSecs = SliceSecs(300);

    /// `secs` as a slice length; `None` unless it is positive and fits the column.
    pub const fn new(secs: i64) -> Option<SliceSecs> {
        if secs > 0 && secs <= i32::MAX as i64 {
            Some(SliceSecs(secs as i32))
        } else {
            None
        }
    }

    /// The length as the `slice_secs` column stores it.
    pub fn get(self) -> i32 {
        self.0
    }

    /// The length for arithmetic on epoch seconds.
    pub fn secs(self) -> i64 {
        i64::from(self.0)
    }

    /// The length as a span of time, for timers.
    pub fn duration(self) -> Duration {
        Duration::from_secs(u64::from(self.0.unsigned_abs()))
    }
}

/// Read from a whole number of seconds; one that is not positive, or too large for the column,
/// is refused while the settings are read, naming its key.
impl<'de> Deserialize<'de> for SliceSecs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let secs = i64::deserialize(deserializer)?;
        SliceSecs::new(secs).ok_or_else(|| {
            D::Error::invalid_value(
                Unexpected::Signed(secs),
                &"a positive number of seconds below 2^31",
            )
        })
    }
}

/// Slice arithmetic: slices of `slice_secs` aligned to the epoch, read `lag_secs` after they end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slices {
    pub slice_secs: SliceSecs,
    pub lag_secs: i64,
}

impl Slices {
    /// Start of the newest slice that ended at least `lag_secs` before `now`.
    pub fn due(&self, now: i64) -> i64 {
        self.floor(
            now.saturating_sub(self.lag_secs)
                .saturating_sub(self.slice_secs.secs()),
        )
    }

    /// Start of the slice holding `t`.
    pub fn floor(&self, t: i64) -> i64 {
        t - t.rem_euclid(self.slice_secs.secs())
    }

    /// Start of the first slice starting at or after `t`.
    pub fn first_from(&self, t: i64) -> i64 {
        let floor = self.floor(t);
        if floor == t {
            t
        } else {
            floor.saturating_add(self.slice_secs.secs())
        }
    }

    /// The slices starting in `window` that are due at `now` (the watcher has had its turn at
    /// them), as the window from the first one's start to the last one's end; `None` when
    /// there is none. A slice still open, or within its lag, is left out
    /// (docs/profiles-over-time.md#whole-or-live).
    pub fn due_in(&self, window: TimeWindow, now: i64) -> Option<TimeWindow> {
        let from = self.first_from(window.from);
        let to = self
            .first_from(window.to)
            .min(self.due(now).saturating_add(self.slice_secs.secs()));
        (from < to).then_some(TimeWindow { from, to })
    }

    /// The starts of the slices of `window` (a window on the grid), ascending.
    pub fn starts(&self, window: TimeWindow) -> Vec<i64> {
        (window.from..window.to)
            .step_by(usize::try_from(self.slice_secs.get()).unwrap_or(usize::MAX))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{SliceSecs, Slices, TimeWindow};

    #[test]
    fn a_slice_length_is_positive_and_fits_the_integer_column() {
        assert_eq!(SliceSecs::new(300), Some(SliceSecs::FIVE_MINUTES));
        let longest = SliceSecs::new(i64::from(i32::MAX)).map(SliceSecs::get);
        assert_eq!(longest, Some(i32::MAX));
        for refused in [0, -300, i64::from(i32::MAX) + 1] {
            assert_eq!(SliceSecs::new(refused), None, "{refused}");
        }
        let read: Result<SliceSecs, _> = serde_json::from_str("300");
        assert_eq!(read.ok(), Some(SliceSecs::FIVE_MINUTES));
        assert!(serde_json::from_str::<SliceSecs>("0").is_err());
        let five = SliceSecs::FIVE_MINUTES;
        assert_eq!((five.secs(), five.duration().as_secs()), (300, 300));
    }

    #[test]
    fn a_slice_is_due_once_it_ended_lag_ago() {
        let s = Slices {
            slice_secs: SliceSecs::FIVE_MINUTES,
            lag_secs: 60,
        };
        // 12:06:00 → the 12:00 slice ended 60 s ago: due. 12:05:59 → only 11:55.
        assert_eq!(s.due(43_560), 43_200);
        assert_eq!(s.due(43_559), 42_900);
        assert_eq!(
            (s.first_from(301), s.first_from(300), s.floor(-1)),
            (600, 300, -300)
        );
    }

    #[test]
    fn the_due_slices_of_a_window_leave_out_those_still_open_or_within_their_lag() {
        let s = Slices {
            slice_secs: SliceSecs::FIVE_MINUTES,
            lag_secs: 60,
        };
        let window = |from, to| TimeWindow { from, to };
        // An hour ending now (12:05:30): 11:10 … 11:55 are due, 12:00 ended 30 s ago (within
        // its lag) and 12:05 is open; a window starting off the grid starts at the next slice.
        let now = 43_530;
        let due = s.due_in(window(now - 3600, now), now).unwrap();
        assert_eq!(due, window(40_200, 43_200));
        assert_eq!(s.starts(due).len(), 10);
        assert_eq!(s.starts(due)[0], 40_200);
        // A window in the past keeps every slice starting in it.
        assert_eq!(
            s.due_in(window(36_000, 39_600), now),
            Some(window(36_000, 39_600))
        );
        // Only the open slice: nothing due.
        assert_eq!(s.due_in(window(43_500, 43_700), now), None);
    }
}
