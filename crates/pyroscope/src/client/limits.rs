//! Pyroscope's limits on a query's window (docs/at-scale.md, "Within Pyroscope's limits"): it
//! refuses a window longer than its `max_query_length` and answers nothing from before its
//! `max_query_lookback` without saying so. A read is made of windows within both, merged by
//! the caller, each profile in exactly one of them; what lies before the lookback is said.

use std::time::Duration;

use pf_model::{Partial, PartialReason, TimeWindow, FUTURE_SLACK_SECS};

/// The limits one Pyroscope keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// The longest window of one call (`pyroscope.max_query_hours`).
    pub max_length: Duration,
    /// How far back it answers (`pyroscope.max_lookback_days`); `None`: no limit.
    pub lookback: Option<Duration>,
}

/// What a read of a window is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces {
    /// Consecutive windows `[from, to)`, none longer than the limit; empty when all of the
    /// window lies before the lookback.
    pub windows: Vec<TimeWindow>,
    /// The part before the lookback, which Pyroscope does not keep.
    pub partial: Option<Partial>,
}

impl QueryLimits {
    /// The pieces of `window` read at `now` (epoch seconds).
    pub fn pieces(&self, window: TimeWindow, now: i64) -> Pieces {
        let earliest = self
            .lookback
            .map(|back| now.saturating_sub(i64::try_from(back.as_secs()).unwrap_or(i64::MAX)));
        let mut from = window.from;
        let mut partial = None;
        if let Some(earliest) = earliest.filter(|&e| e > window.from) {
            partial = Some(Partial {
                from: earliest.min(window.to),
                reason: PartialReason::BeforeLookback,
            });
            from = earliest;
        }
        // A window's end past now holds nothing yet: what is read ends there, however far the
        // window reaches (SPEC §34), so the pieces never outnumber what Pyroscope can hold.
        let end = window.to.min(now.saturating_add(FUTURE_SLACK_SECS));
        let step = i64::try_from(self.max_length.as_secs())
            .unwrap_or(i64::MAX)
            .max(1);
        let mut windows = Vec::new();
        while from < end {
            let to = from.saturating_add(step).min(end);
            windows.push(TimeWindow { from, to });
            from = to;
        }
        Pieces { windows, partial }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn limits() -> QueryLimits {
        QueryLimits {
            max_length: Duration::from_secs(DAY as u64),
            lookback: Some(Duration::from_secs(7 * DAY as u64)),
        }
    }

    #[test]
    fn a_long_window_is_read_in_consecutive_pieces_of_at_most_a_day() {
        let now = 100 * DAY;
        let window = TimeWindow {
            from: now - 2 * DAY - 5,
            to: now,
        };
        let pieces = limits().pieces(window, now);
        let spans: Vec<(i64, i64)> = pieces.windows.iter().map(|w| (w.from, w.to)).collect();
        assert_eq!(
            spans,
            [
                (now - 2 * DAY - 5, now - DAY - 5),
                (now - DAY - 5, now - 5),
                (now - 5, now)
            ]
        );
        assert_eq!(pieces.partial, None);
        let short = TimeWindow {
            from: now - 60,
            to: now,
        };
        assert_eq!(limits().pieces(short, now).windows, [short]);
    }

    #[test]
    fn what_lies_before_the_lookback_is_not_read_and_is_said() {
        let now = 100 * DAY;
        let window = TimeWindow {
            from: now - 8 * DAY,
            to: now - 6 * DAY,
        };
        let pieces = limits().pieces(window, now);
        assert_eq!(
            pieces.windows,
            [TimeWindow {
                from: now - 7 * DAY,
                to: now - 6 * DAY
            }]
        );
        let partial = pieces.partial.unwrap();
        assert_eq!(
            (partial.from, partial.reason),
            (now - 7 * DAY, PartialReason::BeforeLookback)
        );
        // All of it before the lookback: nothing to read, all of it said.
        let old = TimeWindow {
            from: now - 20 * DAY,
            to: now - 10 * DAY,
        };
        let pieces = limits().pieces(old, now);
        assert!(pieces.windows.is_empty());
        assert_eq!(pieces.partial.unwrap().from, now - 10 * DAY);
        // No lookback: everything is read.
        let open = QueryLimits {
            lookback: None,
            ..limits()
        };
        assert!(open.pieces(old, now).partial.is_none());
    }

    #[test]
    fn a_window_reaching_past_now_is_read_up_to_now_in_a_bounded_number_of_pieces() {
        let now = 100 * DAY;
        let far = TimeWindow {
            from: now - 2 * DAY,
            to: i64::MAX,
        };
        let pieces = limits().pieces(far, now);
        assert_eq!(pieces.windows.len(), 3, "{:?}", pieces.windows);
        assert_eq!(pieces.windows.last().unwrap().to, now + FUTURE_SLACK_SECS);
        // Ten years back, to the end of time: the lookback and now bound it.
        let all = TimeWindow {
            from: now - 3650 * DAY,
            to: i64::MAX,
        };
        assert_eq!(limits().pieces(all, now).windows.len(), 8);
        // Wholly in the future: nothing to read.
        let future = TimeWindow {
            from: now + DAY,
            to: now + 2 * DAY,
        };
        assert!(limits().pieces(future, now).windows.is_empty());
    }
}
