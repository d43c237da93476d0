//! Slice arithmetic of the watcher (SPEC §13): slices aligned to the epoch, due after a lag.

use super::TimeWindow;

/// Slice arithmetic: slices of `secs` aligned to the epoch, read `lag` after they end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slices {
    pub secs: i64,
    pub lag: i64,
}

impl Slices {
    /// Start of the newest slice that ended at least `lag` before `now`.
    pub fn due(&self, now: i64) -> i64 {
        self.floor(now.saturating_sub(self.lag).saturating_sub(self.secs))
    }

    /// Start of the slice holding `t`.
    pub fn floor(&self, t: i64) -> i64 {
        t - t.rem_euclid(self.secs)
    }

    /// Start of the first slice starting at or after `t`.
    pub fn first_from(&self, t: i64) -> i64 {
        let floor = self.floor(t);
        if floor == t {
            t
        } else {
            floor.saturating_add(self.secs)
        }
    }

    /// The slices starting in `window` that are due at `now` (the watcher has had its turn at
    /// them), as the window from the first one's start to the last one's end; `None` when
    /// there is none. A slice still open, or within its lag, is left out (SPEC §20).
    pub fn due_in(&self, window: TimeWindow, now: i64) -> Option<TimeWindow> {
        let from = self.first_from(window.from);
        let to = self
            .first_from(window.to)
            .min(self.due(now).saturating_add(self.secs));
        (from < to).then_some(TimeWindow { from, to })
    }

    /// The starts of the slices of `window` (a window on the grid), ascending.
    pub fn starts(&self, window: TimeWindow) -> Vec<i64> {
        let step = usize::try_from(self.secs).unwrap_or(usize::MAX).max(1);
        (window.from..window.to).step_by(step).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Slices, TimeWindow};

    #[test]
    fn a_slice_is_due_once_it_ended_lag_ago() {
        let s = Slices { secs: 300, lag: 60 };
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
        let s = Slices { secs: 300, lag: 60 };
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
