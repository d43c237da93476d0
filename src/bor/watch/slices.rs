//! Slice arithmetic of the watcher (SPEC §13): slices aligned to the epoch, due after a lag.

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
}

#[cfg(test)]
mod tests {
    use super::Slices;

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
}
