//! What the regression detector (docs/regressions.md, `regressions::detector`) reads and says: its
//! settings, the events it is told about and the changes it asks for. Domain types, so that
//! the watcher's store can write the changes as they are.

use pf_model::{SliceSecs, Slices};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cost::{cost_ratio, process_cost_percent, ratio_at_least, share_at_ratio};
use crate::leaks::model::Leak;

/// The fewest reference slices a short history is tested with, and the before window of a step.
pub const SHORTEST_REFERENCE: usize = 24;

/// A day, in seconds: the period of the daily swing the detector learns from yesterday.
pub const DAY_SECS: i64 = 86_400;

/// How far past a day before the newest summary yesterday's curve is fitted: two hours (the
/// end of a cubic's fit is its least sure part, and a swing's cubic still fits 8 + 2 hours;
/// on the daily model it took a third of the false confirmations left).
pub const DAY_AFTER_SECS: i64 = 7_200;

/// The detector's settings (`watch.*` of docs/regressions.md).
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorSettings {
    /// Slices the level, noise and correlation of each share are estimated from, before the
    /// watched slices.
    pub reference_slices: usize,
    /// Slices a step must hold, with `confirm_slices`, before it is confirmed.
    pub recent_slices: usize,
    /// Slices the CUSUM runs over, the newest included: the longest a step can build up.
    pub watched_slices: usize,
    /// Slices after a suspicion before it is decided; slices back to normal before resolution.
    pub confirm_slices: usize,
    /// h: the CUSUM's threshold, in standard deviations of a slice's innovation; confirmed at
    /// h, suspected at h/2.
    pub cusum_threshold: f64,
    /// k: the CUSUM's drift, in the same units: half the step it is quickest for.
    pub cusum_drift: f64,
    /// Smallest delta suspected, in percentage points.
    pub min_delta_points: f64,
    /// Smallest growth of the function's cost ratio suspected (docs/regressions.md): r ≥ 1 + this.
    pub min_relative: f64,
    /// Most functions a summary keeps: a slice that kept fewer kept every function it saw.
    pub top_functions: usize,
    /// The watcher's slice grid.
    pub slices: Slices,
    /// Slices after its confirmation a regression that has not resolved is settled
    /// (docs/regressions.md): its function is watched again against its new level.
    pub settle_slices: usize,
}

impl Default for DetectorSettings {
    fn default() -> Self {
        DetectorSettings {
            reference_slices: 240,
            recent_slices: 5,
            watched_slices: 16,
            confirm_slices: 3,
            cusum_threshold: 7.5,
            cusum_drift: 1.0,
            min_delta_points: 1.0,
            min_relative: 0.2,
            top_functions: 100,
            slices: Slices {
                slice_secs: SliceSecs::FIVE_MINUTES,
                lag_secs: 0,
            },
            settle_slices: 288,
        }
    }
}

impl DetectorSettings {
    /// The CUSUM's level of suspicion: half its threshold.
    pub fn suspicion(&self) -> f64 {
        self.cusum_threshold / 2.0
    }

    /// Summaries the caller must pass (newest included), counted in slices of time: the
    /// slices a call tests (`tested_slices()`) and a day before them, whose same hours show the
    /// shape of the series' day (docs/regressions.md, "The same hours of yesterday").
    pub fn history_slices(&self) -> usize {
        self.tested_slices().saturating_add(self.day_slices())
    }

    /// The newest summaries a call tests, counted in slices of time: reference + watched +
    /// recent.
    pub fn tested_slices(&self) -> usize {
        // The reference window before the watched slices; another `recent_slices` of margin
        // keeps a full reference window when slices hold no profile (windows that drifted past
        // a slice, a restart's gap) and shows the version values of more slices, so that an old
        // value is less often taken for a new one.
        self.reference_slices
            .saturating_add(self.watched_slices)
            .saturating_add(self.recent_slices)
    }

    /// Slices in a day (24 h, rounded up to whole slices): how far back yesterday's same hours
    /// are.
    pub fn day_slices(&self) -> usize {
        let secs = self.slices.slice_secs.secs().max(1);
        usize::try_from((DAY_SECS + secs - 1) / secs).unwrap_or(0)
    }

    /// What a call on the slice starting at `start` reads, as spans of slice starts [from, to),
    /// oldest first and apart: the newest `tested` slices (`tested_slices()`, or more for a
    /// caller that needs more; `start`'s own is the caller's), and before them yesterday's same
    /// hours, from a day before the first slice tested to `DAY_AFTER_SECS` past a day before
    /// `start` (docs/regressions.md, "The same hours of yesterday"). The summaries between are
    /// not read (546 slices rather than the 549 of `history_slices()` at the defaults; more
    /// with a shorter reference: 258 of 405 at 96).
    pub fn spans(&self, start: i64, tested: usize) -> Vec<Range<i64>> {
        let slice = self.slices.slice_secs.secs();
        let back = i64::try_from(tested.saturating_sub(1)).unwrap_or(i64::MAX);
        let first = start.saturating_sub(back.saturating_mul(slice));
        let yesterday = first.saturating_sub(DAY_SECS)
            ..start
                .saturating_sub(DAY_SECS)
                .saturating_add(DAY_AFTER_SECS)
                .saturating_add(1);
        match yesterday.end < first {
            true => vec![yesterday, first..start],
            // Slices so long that the hours tested reach back to yesterday's: one span.
            false => std::iter::once(yesterday.start..start).collect(),
        }
    }

    /// The slices a step is measured against, before its change point: the reference's last
    /// two hours of five-minute slices (24; all of it when it is shorter). A finding's before
    /// window, the page's baseline and the commit range's start.
    pub fn before_slices(&self) -> usize {
        self.reference_slices.min(SHORTEST_REFERENCE)
    }

    /// Whether a history of `slices` summaries (newest included) is long enough for a
    /// suspicion: `before_slices()` (a short history's reference) and one watched slice.
    pub fn can_suspect(&self, slices: usize) -> bool {
        slices > self.before_slices().max(4)
    }

    /// The fewest `settle_slices` that keep a settled function's reference window wholly after
    /// its change point: reference + watched − (recent + confirm), as a regression is confirmed
    /// at least `recent + confirm` slices after its change point.
    pub fn settle_floor(&self) -> usize {
        self.reference_slices
            .saturating_add(self.watched_slices)
            .saturating_sub(self.recent_slices.saturating_add(self.confirm_slices))
    }

    /// The smallest delta worth an event, in points: `max(min_delta_points, the rise to the
    /// share whose cost ratio is 1 + min_relative)` (docs/regressions.md; ≈ min_relative × before%
    /// for small shares). A confirmed regression is back within half of it when it resolves.
    pub fn threshold(&self, before_percent: f64) -> f64 {
        let before = before_percent / 100.0;
        let rise = 100.0 * (share_at_ratio(before, 1.0 + self.min_relative) - before);
        self.min_delta_points.max(rise)
    }

    /// The rule of suspicion besides significance (docs/regressions.md): Δ ≥ `min_delta_points` and
    /// the cost ratio r ≥ 1 + `min_relative` (an unbounded r, a new function's, is).
    pub fn big_enough(&self, before_percent: f64, after_percent: f64) -> bool {
        after_percent - before_percent >= self.min_delta_points
            && ratio_at_least(
                before_percent / 100.0,
                after_percent / 100.0,
                1.0 + self.min_relative,
            )
    }
}

/// A stored name (of a state or a kind) that is not one of the known ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName(pub String);

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown name {:?}", self.0)
    }
}

impl std::error::Error for UnknownName {}

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventState {
    Suspected,
    Confirmed,
    WentAway,
    Resolved,
    /// Confirmed and not resolved after `settle_slices`: the new level is the normal one now.
    Settled,
}

impl EventState {
    /// The state's stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Suspected => "suspected",
            EventState::Confirmed => "confirmed",
            EventState::WentAway => "went_away",
            EventState::Resolved => "resolved",
            EventState::Settled => "settled",
        }
    }
}

impl FromStr for EventState {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            EventState::Suspected,
            EventState::Confirmed,
            EventState::WentAway,
            EventState::Resolved,
            EventState::Settled,
        ]
        .into_iter()
        .find(|state| state.as_str() == s)
        .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// What a confirmed event is: a new cost, or a cost moved from another function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Regression,
    CostShift,
    /// In-use memory that only grows (docs/regressions.md#memory-that-only-grows).
    Leak,
}

impl EventKind {
    /// The kind's stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Regression => "regression",
            EventKind::CostShift => "cost_shift",
            EventKind::Leak => "leak",
        }
    }
}

impl FromStr for EventKind {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [EventKind::Regression, EventKind::CostShift, EventKind::Leak]
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// A deploy at the change point: the version label's value before and the new one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VersionChange {
    /// The values of the last slice before the change point, joined by ","; None if none.
    pub before: Option<String>,
    pub after: String,
}

/// The numbers of one test of one function: windows, shares and the delta of
/// docs/api.md#how-sure-is-a-diff.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub function: String,
    /// Start of the after window's first slice, epoch seconds.
    pub changed_at: i64,
    pub before_percent: f64,
    pub after_percent: f64,
    /// after% − before%, in percentage points.
    pub delta_percent: f64,
    /// 95 % interval of the delta (docs/api.md#how-sure-is-a-diff), not rounded.
    pub low: f64,
    pub high: f64,
    /// Welch's two-sided p-value (a leak's: Mann–Kendall's), before Benjamini–Hochberg.
    pub p_value: f64,
    /// A leak's growth (docs/regressions.md#memory-that-only-grows); None for a change of share.
    pub leak: Option<Leak>,
}

impl Finding {
    /// The cost ratio r of docs/regressions.md; None when unbounded (see `regressions::cost`).
    pub fn cost_ratio(&self) -> Option<f64> {
        cost_ratio(self.before_percent / 100.0, self.after_percent / 100.0)
    }

    /// 100·b·(r − 1): what the whole process spends more, percent; None when unbounded.
    pub fn process_cost_percent(&self) -> Option<f64> {
        process_cost_percent(self.before_percent / 100.0, self.after_percent / 100.0)
    }
}

/// An event as stored, what the detector needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenEvent {
    pub id: i64,
    pub function: String,
    /// Suspected or Confirmed; events in other states are ignored.
    pub state: EventState,
    /// Start of the newest slice when the event was suspected.
    pub suspected_at: i64,
    /// Start of the step's first slice (its change point) at suspicion.
    pub first_recent: i64,
    pub changed_at: i64,
    pub before_percent: f64,
    /// Start of the newest slice at confirmation.
    pub confirmed_at: Option<i64>,
}

impl fmt::Display for VersionChange {
    /// The deploy in one line, `1.4.1 → 1.4.2` (`none → 1.4.2` when nothing ran before).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let before = self.before.as_deref().unwrap_or("none");
        write!(f, "{before} → {}", self.after)
    }
}

impl OpenEvent {
    /// Event `id` as a suspicion stores it: `finding` at the newest slice `suspected_at`, its
    /// first recent slice (or window) starting at `first_recent`.
    pub fn suspected(id: i64, suspected_at: i64, first_recent: i64, finding: &Finding) -> Self {
        OpenEvent {
            id,
            function: finding.function.clone(),
            state: EventState::Suspected,
            suspected_at,
            first_recent,
            changed_at: finding.changed_at,
            before_percent: finding.before_percent,
            confirmed_at: None,
        }
    }
}

/// Event `id` confirmed at the newest slice `at`: what the detector decided, named once for
/// everyone who stores or delivers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmation {
    pub id: i64,
    pub at: i64,
    pub finding: Finding,
    pub kind: EventKind,
    pub shifted_from: Option<String>,
    pub version: Option<VersionChange>,
}

/// A change the caller must store.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new event; `finding.changed_at` is `first_recent`.
    Suspected {
        suspected_at: i64,
        first_recent: i64,
        finding: Finding,
    },
    /// An event confirmed, with the change-point test's numbers.
    Confirmed(Confirmation),
    /// Event `id` not confirmed at the newest slice `at`.
    WentAway { id: i64, at: i64, finding: Finding },
    /// Event `id` back to normal at the newest slice `at`; the share of the last slices.
    Resolved {
        id: i64,
        at: i64,
        share_percent: f64,
    },
    /// Event `id` settled at the newest slice `at`: `settle_slices` slices after its
    /// confirmation and not resolved (docs/regressions.md).
    Settled { id: i64, at: i64 },
    /// Confirmed leak `id` measured again at the newest slice `at`
    /// (docs/regressions.md#memory-that-only-grows): its line fitted to the window now, so its rate
    /// and when it reaches the limit stay current. Not a transition: nothing is delivered of it.
    Remeasured { id: i64, at: i64, finding: Finding },
}
