//! The rules of the module docs on open events: confirmation, going away, resolution.

use super::tests::{event, history, leaking, run, start};
use crate::model::{Change, EventKind, EventState};
use pf_model::trend::SliceSummary;

#[test]
fn a_suspicion_is_decided_only_confirm_slices_later() {
    let h = history(0..22, |k| leaking(k, 0));
    let open = [event(7, EventState::Suspected, start(19))];
    assert!(run(&h, &open).changes.is_empty());
    let h = history(0..23, |k| leaking(k, 0));
    let found = run(&h, &open);
    let [Change::Confirmed(c)] = &found.changes[..] else {
        panic!("confirmed: {found:?}");
    };
    assert_eq!((c.id, c.at, c.kind), (7, start(22), EventKind::Leak));
    assert_eq!((c.shifted_from.clone(), c.version.clone()), (None, None));
    assert_eq!(c.finding.changed_at, start(8));
    assert_eq!(c.finding.leak.as_ref().map(|l| l.since), Some(start(8)));
}

#[test]
fn a_suspicion_across_a_restart_went_away_untested() {
    let h = history(0..26, |k| leaking(k, 21));
    let open = [event(3, EventState::Suspected, start(19))];
    let found = run(&h, &open);
    let [Change::WentAway { id: 3, at, finding }] = &found.changes[..] else {
        panic!("went away: {found:?}");
    };
    assert_eq!(*at, start(25));
    assert_eq!((finding.leak.clone(), finding.p_value), (None, 1.0));
    assert_eq!(
        (finding.before_percent, finding.changed_at),
        (0.5, start(8))
    );
    assert_eq!(
        (finding.low, finding.high),
        (finding.delta_percent, finding.delta_percent)
    );
}

#[test]
fn a_suspicion_that_stopped_growing_went_away_with_its_numbers() {
    let h = history(0..23, |k| leaking(k.min(12), 0).with_start(start(k)));
    let open = [event(4, EventState::Suspected, start(19))];
    let found = run(&h, &open);
    let [Change::WentAway { id: 4, finding, .. }] = &found.changes[..] else {
        panic!("went away: {found:?}");
    };
    assert!(finding.leak.is_some() && finding.p_value < 1.0);
}

#[test]
fn a_confirmed_leak_survives_a_restart_and_resolves_on_a_flat_window() {
    let open = [event(5, EventState::Confirmed, start(19))];
    let across = history(0..28, |k| leaking(k, 22));
    assert!(run(&across, &open).changes.is_empty(), "across a restart");
    let growing = history(0..40, |k| leaking(k, 0));
    assert!(run(&growing, &open).changes.is_empty(), "still growing");
    let flat = history(0..40, |k| leaking(k.min(25), 0).with_start(start(k)));
    let found = run(&flat, &open);
    let [Change::Resolved {
        id: 5,
        at,
        share_percent,
    }] = found.changes[..]
    else {
        panic!("resolved: {found:?}");
    };
    let newest = &flat[39];
    let bytes = newest.function("leak").map_or(0, |f| f.self_samples);
    assert_eq!(at, start(39));
    assert!((share_percent - 100.0 * bytes as f64 / newest.total_samples as f64).abs() < 1e-12);
}

/// A summary moved to another start.
trait WithStart {
    fn with_start(self, start: i64) -> Self;
}

impl WithStart for SliceSummary {
    fn with_start(mut self, start: i64) -> Self {
        self.start = start;
        self
    }
}
