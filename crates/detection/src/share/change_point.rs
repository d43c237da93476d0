//! Deciding open events: the change point and the repeated test of a suspicion, the
//! resolution of a confirmed regression.

use super::explain::{cost_shift, version_change};
use super::index::SeriesIndex;
use super::two_windows::{windows, Family, Measured};
use crate::model::{Change, Confirmation, DetectorSettings, EventKind, Finding, OpenEvent};

/// Confirms a suspected `event` or lets it go, once `confirm_slices` slices came after it.
pub(super) fn decide(
    index: &SeriesIndex<'_>,
    family: &mut Family<'_>,
    event: &OpenEvent,
    settings: &DetectorSettings,
) -> Option<Change> {
    let history = index.history();
    let at = history.last()?.start;
    let later = history
        .iter()
        .filter(|s| s.start > event.suspected_at)
        .count();
    if later < settings.confirm_slices {
        return None;
    }
    let rows = index.rows();
    let column = index.column(&event.function);
    let selfs = index.selfs(column);
    let from = index.first_row_from(event.first_recent);
    let tested = change_point(index, selfs, from, settings.reference_slices).and_then(|cut| {
        let cut_windows = windows(index, cut, settings.reference_slices, rows)?;
        let measured = Measured::of(index, selfs, cut_windows.clone())?;
        let finding = measured.finding(&event.function, index.start(cut)?)?;
        Some((cut_windows, measured, finding))
    });
    let Some(((before, after), measured, finding)) = tested else {
        let finding = untested(index, selfs, from, event);
        return Some(Change::WentAway {
            id: event.id,
            at,
            finding,
        });
    };
    let holds = measured.exceeds(settings);
    let confirmed = holds && family.significant_with(&event.function, measured.p_value());
    if !confirmed {
        // A step still as big as an event's, not yet significant on the few slices after it
        // (a doubled or empty slice near it costs the test a degree of freedom or two), is
        // not a step that went away: it is decided again with the next slice, for at most
        // `recent_slices` more (docs/regressions.md, "Empty and doubled slices").
        if holds && later < settings.confirm_slices + settings.recent_slices {
            return None;
        }
        return Some(Change::WentAway {
            id: event.id,
            at,
            finding,
        });
    }
    let shifted_from = cost_shift(index, column, (before, after), finding.delta_percent);
    let kind = match shifted_from {
        Some(_) => EventKind::CostShift,
        None => EventKind::Regression,
    };
    let version = version_change(history, finding.changed_at, settings.slices.slice_secs);
    Some(Change::Confirmed(Confirmation {
        id: event.id,
        at,
        finding,
        kind,
        shifted_from,
        version,
    }))
}

/// The row b ≥ `from` (`reference` rows before it, ≥ 2 from it on) maximizing the |t| of
/// docs/api.md#how-sure-is-a-diff; ties: the earliest.
pub(super) fn change_point(
    index: &SeriesIndex<'_>,
    selfs: &[u64],
    from: usize,
    reference: usize,
) -> Option<usize> {
    let rows = index.rows();
    let mut best: Option<(usize, f64)> = None;
    for cut in from.max(reference)..rows.saturating_sub(1) {
        // t alone, without the interval's quantile: only the winner's interval is reported.
        let t = windows(index, cut, reference, rows)
            .and_then(|w| Measured::of(index, selfs, w))
            .map_or(f64::NAN, |m| m.t());
        if t.is_nan() {
            continue;
        }
        if best.is_none_or(|(_, largest)| t.abs() > largest) {
            best = Some((cut, t.abs()));
        }
    }
    best.map(|(cut, _)| cut)
}

/// The finding of an event no change point could be tested for: the stored before%, the share
/// since its first recent slice, interval [Δ, Δ] and p-value 1.
fn untested(index: &SeriesIndex<'_>, selfs: &[u64], from: usize, event: &OpenEvent) -> Finding {
    let after = index.percent(selfs, from..index.rows());
    let delta = after - event.before_percent;
    Finding {
        function: event.function.clone(),
        changed_at: event.changed_at,
        before_percent: event.before_percent,
        after_percent: after,
        delta_percent: delta,
        low: delta,
        high: delta,
        p_value: 1.0,
        leak: None,
    }
}

/// Resolves a confirmed `event` when each of the last `confirm_slices` slices (all after its
/// confirmation) has share ≤ before% + threshold/2; the share is that of those slices together.
pub(super) fn resolution(
    index: &SeriesIndex<'_>,
    event: &OpenEvent,
    settings: &DetectorSettings,
) -> Option<Change> {
    // Zero slices would resolve every regression at once: at least the newest must be back.
    let count = settings.confirm_slices.max(1);
    let rows = index.rows();
    let first = rows.checked_sub(count)?;
    let last = index.history().get(first..)?;
    let since = event.confirmed_at.unwrap_or(event.suspected_at);
    if last.iter().any(|s| s.start <= since) {
        return None;
    }
    let selfs = index.selfs(index.column(&event.function));
    let limit = event.before_percent + settings.threshold(event.before_percent) / 2.0;
    if !(first..rows).all(|row| index.percent(selfs, row..row + 1) <= limit) {
        return None;
    }
    Some(Change::Resolved {
        id: event.id,
        at: last.last()?.start,
        share_percent: index.percent(selfs, first..rows),
    })
}

/// Settles a confirmed `event` that `resolution` left open once the newest slice starts
/// `settle_slices` slices (of `slice_secs`, counted in time, so slices without a profile count
/// too) after its confirmation: from the next call on its function is free to be suspected,
/// against the level it has had since (docs/regressions.md). Never before `reference + recent`
/// slices: until then the test's before window would still reach back over the change point and
/// find the same regression again against a mix of the old and the new level.
pub(super) fn settlement(
    index: &SeriesIndex<'_>,
    event: &OpenEvent,
    settings: &DetectorSettings,
) -> Option<Change> {
    let at = index.history().last()?.start;
    let since = event.confirmed_at?;
    let windows = settings
        .reference_slices
        .saturating_add(settings.recent_slices);
    let slices = i64::try_from(settings.settle_slices.max(windows)).unwrap_or(i64::MAX);
    let after = slices.saturating_mul(settings.slices.slice_secs.secs());
    (at.saturating_sub(since) >= after).then_some(Change::Settled { id: event.id, at })
}
