//! Regression events as stored (docs/regressions.md): what `/regressions` answers, what the
//! detector is told about a series, and what a detector's change writes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use pf_commits::{CommitRange, Suspect, SuspectsAnswer, SuspectsReason};
use pf_delivery::NewNotification;
use pf_detection::leaks::Leak;
use pf_detection::model::{Change, Confirmation, EventKind, EventState, OpenEvent, VersionChange};
use pf_model::{round_percent, AppName, ProfileType, TimeWindow};

/// The numbers (docs/api.md#how-sure-is-a-diff) of an event's before-vs-after test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventSignificance {
    /// 95 % interval of `deltaPercent`, rounded to 2 decimals.
    pub low: f64,
    pub high: f64,
    /// Welch's two-sided p-value, not rounded.
    pub p_value: f64,
}

/// One regression event: a function of one series whose share rose at a change point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 7, "appName": "ledger", "profileType": "cpu",
    "function": "java/util/regex/Pattern.compile", "state": "confirmed", "kind": "regression",
    "changedAt": 1_795_541_100, "beforePercent": 0.41, "afterPercent": 5.02, "deltaPercent": 4.61,
    "costRatio": 12.838, "processCostPercent": 4.85,
    "significance": {"low": 4.39, "high": 4.83, "pValue": 1.2e-19},
    "version": {"before": "1.4.1", "after": "1.4.2"}, "shiftedFrom": null,
    "suspectedAt": 1_795_542_600, "confirmedAt": 1_795_543_500, "wentAwayAt": null,
    "resolvedAt": null, "settledAt": null, "announced": true,
    "suspects": [{"commit": "3f2c1a9be0d4c6f1a2b3c4d5e6f708192a3b4c5d", "shortCommit": "3f2c1a9",
        "title": "Compile the pattern per call", "author": "Dana", "time": 1_795_530_000,
        "score": 0.9, "evidence": [{"function": "java/util/regex/Pattern.compile",
        "file": "src/main/java/ledger/Router.java", "lines": [{"start": 41, "end": 44}],
        "why": "changes_related_function"}]}],
    "range": {"from": "v1.4.1", "to": "v1.4.2", "commits": 12}, "suspectsReason": null}))]
pub struct Regression {
    pub id: i64,
    pub app_name: String,
    pub profile_type: ProfileType,
    pub function: String,
    pub state: EventState,
    /// `regression`, or `cost_shift` when the cost moved from `shiftedFrom`.
    pub kind: EventKind,
    /// The change point: start of the first slice after the change, epoch seconds.
    pub changed_at: i64,
    /// Shares before and after the change point, percent (2 decimals).
    pub before_percent: f64,
    pub after_percent: f64,
    pub delta_percent: f64,
    /// The factor by which the function's cost grew against the rest of the profile
    /// (docs/regressions.md): r = (a/(1−a)) / (b/(1−b)) of the shares b before and a after, 3
    /// decimals; about after/before for small shares. Null when unbounded: a function new in the
    /// profile (before 0 %) or one that became all of it (after 100 %).
    pub cost_ratio: Option<f64>,
    /// How much more the whole process spends if nothing else changed: 100·b·(r − 1), percent
    /// (2 decimals); for a new function 100·a/(1−a). Null only when after is 100 %.
    pub process_cost_percent: Option<f64>,
    pub significance: EventSignificance,
    /// A deploy at the change point, when a new value of the version label appeared there.
    pub version: Option<VersionChange>,
    pub shifted_from: Option<String>,
    /// Start of the newest slice at each transition, epoch seconds.
    pub suspected_at: i64,
    pub confirmed_at: Option<i64>,
    pub went_away_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// When a confirmed regression that never resolved was settled (docs/regressions.md): its
    /// function is watched again against its new level from then on.
    pub settled_at: Option<i64>,
    /// Whether it is delivered (Alertmanager, webhooks): a live or `notify` backfill's
    /// confirmation, and for a cost shift only with `watch.notify_cost_shifts`.
    pub announced: bool,
    /// The commits most likely behind it, best first
    /// (docs/regressions.md#the-change-that-caused-it): empty before its confirmation, and with
    /// `suspectsReason` when none is named.
    pub suspects: Vec<Suspect>,
    /// The commits the suspects were chosen from.
    pub range: Option<CommitRange>,
    /// Why no commit is named.
    pub suspects_reason: Option<SuspectsReason>,
    /// A leak's fitted line (docs/regressions.md#memory-that-only-grows): its rate with the
    /// interval, since when, the levels, and when the process reaches its memory limit; null for
    /// other kinds.
    pub leak: Option<Leak>,
    /// Start of the first recent slice at suspicion (what the detector searches from).
    #[serde(skip)]
    pub first_recent: i64,
}

impl Regression {
    /// What the detector needs of an open event.
    pub fn open_event(&self) -> OpenEvent {
        OpenEvent {
            id: self.id,
            function: self.function.clone(),
            state: self.state,
            suspected_at: self.suspected_at,
            first_recent: self.first_recent,
            changed_at: self.changed_at,
            before_percent: self.before_percent,
            confirmed_at: self.confirmed_at,
        }
    }

    /// The event as it stands once `c` confirmed it.
    /// The event with the commits named on it.
    pub fn with_suspects(mut self, answer: Option<&SuspectsAnswer>) -> Self {
        if let Some(answer) = answer {
            self.suspects.clone_from(&answer.suspects);
            self.range.clone_from(&answer.range);
            self.suspects_reason = answer.suspects_reason;
        }
        self
    }

    pub fn confirmed(mut self, c: &Confirmation) -> Self {
        let f = &c.finding;
        self.state = EventState::Confirmed;
        self.kind = c.kind;
        self.shifted_from.clone_from(&c.shifted_from);
        self.version.clone_from(&c.version);
        self.confirmed_at = Some(c.at);
        self.changed_at = f.changed_at;
        self.before_percent = f.before_percent;
        self.after_percent = f.after_percent;
        self.delta_percent = f.delta_percent;
        self.cost_ratio = f.cost_ratio();
        self.process_cost_percent = f.process_cost_percent();
        self.significance = EventSignificance {
            low: f.low,
            high: f.high,
            p_value: f.p_value,
        };
        self.leak.clone_from(&f.leak);
        self
    }

    /// The numbers as shown, rounded as `/regressions` shows them (docs/regressions.md; p-values
    /// are not); the store keeps them whole, which is what the detector decides on.
    pub fn rounded(mut self) -> Self {
        self.before_percent = round_percent(self.before_percent);
        self.after_percent = round_percent(self.after_percent);
        self.delta_percent = round_percent(self.delta_percent);
        self.cost_ratio = self.cost_ratio.map(|r| (r * 1000.0).round() / 1000.0);
        self.process_cost_percent = self.process_cost_percent.map(round_percent);
        self.significance.low = round_percent(self.significance.low);
        self.significance.high = round_percent(self.significance.high);
        self
    }
}

/// Which events `GET /regressions` lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegressionFilter {
    pub app: Option<AppName>,
    pub state: Option<EventState>,
    pub kind: Option<EventKind>,
    /// Events whose change point lies in this window.
    pub window: Option<TimeWindow>,
    pub limit: u32,
}

/// One detector change as the store writes it, with what it delivers.
#[derive(Debug, Clone, PartialEq)]
pub struct EventWrite {
    pub change: Change,
    /// For a confirmation: whether the event is delivered from now on.
    pub announce: bool,
    /// The webhook POST of this transition, enqueued in the same transaction.
    pub webhook: Option<NewNotification>,
    /// The event's kind after the change (for `regressions_total{kind, state}`).
    pub kind: EventKind,
    /// At a confirmation: the commits named on it, or why none is.
    pub suspects: Option<SuspectsAnswer>,
}

/// Events by kind and state, and how many are confirmed now: `/metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegressionCounts {
    pub by_kind_and_state: Vec<(EventKind, EventState, u64)>,
    pub active: u64,
}
