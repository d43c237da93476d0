//! The alert state machine of one rule (docs/alerting.md), like Prometheus's: inactive → pending
//! (while `forSeconds` runs) → firing → inactive again, which resolves it. Pure: the caller stores
//! the state and skips the step when the profile could not be read, so missing data never fires
//! or resolves an alert.

use chrono::{DateTime, Duration, Utc};

/// Where a rule's alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Inactive,
    /// Above the threshold since `since`, not yet for `forSeconds`.
    Pending {
        since: DateTime<Utc>,
    },
    /// Firing since `since`.
    Firing {
        since: DateTime<Utc>,
    },
}

/// A change worth announcing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Fired,
    Resolved,
}

/// The next state after one evaluation at `now`, and the transition it makes, if any.
/// `breached` is value > threshold.
pub fn step(
    state: AlertState,
    breached: bool,
    for_seconds: u32,
    now: DateTime<Utc>,
) -> (AlertState, Option<Transition>) {
    let fire = (AlertState::Firing { since: now }, Some(Transition::Fired));
    let held = |since: DateTime<Utc>| now - since >= Duration::seconds(i64::from(for_seconds));
    match (state, breached) {
        (AlertState::Firing { since }, true) => (AlertState::Firing { since }, None),
        (AlertState::Firing { .. }, false) => (AlertState::Inactive, Some(Transition::Resolved)),
        (AlertState::Pending { .. } | AlertState::Inactive, false) => (AlertState::Inactive, None),
        (AlertState::Pending { since }, true) if held(since) => fire,
        (AlertState::Pending { since }, true) => (AlertState::Pending { since }, None),
        (AlertState::Inactive, true) if for_seconds == 0 => fire,
        (AlertState::Inactive, true) => (AlertState::Pending { since: now }, None),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap()
    }

    #[test]
    fn without_for_seconds_a_breach_fires_at_once_and_a_recovery_resolves() {
        let (state, t) = step(AlertState::Inactive, true, 0, at(0));
        assert_eq!(
            (state, t),
            (AlertState::Firing { since: at(0) }, Some(Transition::Fired))
        );
        let (state, t) = step(state, true, 0, at(60));
        assert_eq!(
            (state, t),
            (AlertState::Firing { since: at(0) }, None),
            "no second firing"
        );
        let (state, t) = step(state, false, 0, at(120));
        assert_eq!(
            (state, t),
            (AlertState::Inactive, Some(Transition::Resolved))
        );
        assert_eq!(step(state, false, 0, at(180)), (AlertState::Inactive, None));
    }

    #[test]
    fn for_seconds_holds_the_alert_pending_until_the_breach_lasted() {
        let (state, t) = step(AlertState::Inactive, true, 120, at(0));
        assert_eq!((state, t), (AlertState::Pending { since: at(0) }, None));
        let (state, t) = step(state, true, 120, at(60));
        assert_eq!((state, t), (AlertState::Pending { since: at(0) }, None));
        let (state, t) = step(state, true, 120, at(120));
        assert_eq!(
            (state, t),
            (
                AlertState::Firing { since: at(120) },
                Some(Transition::Fired)
            )
        );
    }

    #[test]
    fn a_pending_alert_that_recovers_never_fires_nor_resolves() {
        let (state, _) = step(AlertState::Inactive, true, 300, at(0));
        assert_eq!(
            step(state, false, 300, at(60)),
            (AlertState::Inactive, None)
        );
    }
}
