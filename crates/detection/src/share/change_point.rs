//! Deciding open events: a suspicion confirmed or gone by the sequential test, a confirmed
//! regression resolved or settled.

use super::explain::{cost_shift, version_change};
use super::index::SeriesIndex;
use super::sequential::{Layout, SeriesReference, Step};
use crate::model::{Change, Confirmation, DetectorSettings, EventKind, Finding, OpenEvent};

/// Decides a suspected `event` at each slice after it (docs/regressions.md,
/// "A sequential test"): confirmed when its CUSUM reached the threshold, its step has held
/// `recent_slices + confirm_slices` rows, is big enough and holds now; gone when it is too
/// small or it waited `watched_slices` slices.
pub(super) fn decide(
    index: &SeriesIndex<'_>,
    event: &OpenEvent,
    series: &SeriesReference<'_>,
    settings: &DetectorSettings,
) -> Option<Change> {
    let history = index.history();
    let at = history.last()?.start;
    let later = history
        .iter()
        .filter(|s| s.start > event.suspected_at)
        .count();
    // The step must have held `recent + confirm` slices (below); waiting `confirm` slices after
    // the suspicion as well would confirm a step suspected late later than that.
    if later < 1 {
        return None;
    }
    let rows = index.rows();
    let column = index.column(&event.function);
    let selfs = index.selfs(column);
    let tested = Layout::of(rows, settings)
        .and_then(|layout| series.watch(index, &event.function, selfs, &layout, settings))
        .and_then(|watched| {
            let change = watched.change?;
            let step = Step::at(index, &event.function, selfs, change, settings)?;
            Some((watched, change, step))
        });
    let Some((watched, change, step)) = tested else {
        let from = index.first_row_from(event.first_recent);
        let finding = untested(index, selfs, from, event);
        return Some(Change::WentAway {
            id: event.id,
            at,
            finding,
        });
    };
    let big = step.big_enough(index, selfs, settings, watched.baseline(&step))
        && watched.beyond_trend(step.finding.before_percent, settings);
    let now = step.holds_now(index, selfs, settings, watched.baseline(&step));
    let held = rows - change >= settings.recent_slices + settings.confirm_slices;
    if big && now && held && watched.statistic >= settings.cusum_threshold {
        let finding = step.finding;
        let shifted_from = cost_shift(index, column, step.windows, finding.delta_percent);
        let kind = match shifted_from {
            Some(_) => EventKind::CostShift,
            None => EventKind::Regression,
        };
        let version = version_change(history, finding.changed_at, settings.slices.slice_secs);
        return Some(Change::Confirmed(Confirmation {
            id: event.id,
            at,
            finding,
            kind,
            shifted_from,
            version,
        }));
    }
    // A step that dips under the resolution's bar for a slice or two (`now`) is not confirmed
    // then, but stays suspected: only one too small, or one that waited too long, went away.
    let waited = later > settings.watched_slices;
    if !big || waited {
        return Some(Change::WentAway {
            id: event.id,
            at,
            finding: step.finding,
        });
    }
    None
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
/// against the level it has had since (docs/regressions.md). Never before `settle_floor()`
/// slices: until then the reference window would still reach back over the change point and
/// find the same regression again against a mix of the old and the new level.
pub(super) fn settlement(
    index: &SeriesIndex<'_>,
    event: &OpenEvent,
    settings: &DetectorSettings,
) -> Option<Change> {
    let at = index.history().last()?.start;
    let since = event.confirmed_at?;
    let floor = settings.settle_floor();
    let slices = i64::try_from(settings.settle_slices.max(floor)).unwrap_or(i64::MAX);
    let after = slices.saturating_mul(settings.slices.slice_secs.secs());
    (at.saturating_sub(since) >= after).then_some(Change::Settled { id: event.id, at })
}
