//! The detector run on a series right after a new summary (docs/regressions.md): the series' recent
//! summaries and open events read, the pure detector's changes decided, and each confirmation
//! or resolution given what it delivers. The watcher calls it by its contract
//! (`SliceExaminer`) and stores what it decided with the summary, in one transaction fenced by
//! the series' lease.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use sqlx::PgConnection;

use super::metrics::RegressionMetrics;
use super::notice::RegressionNotices;
use crate::commits::{RegressionCommits, SuspectsAsked};
use crate::store::{write_events, EventWrite, Regression, RegressionSor};
use pf_commits::{SuspectsAnswer, SuspectsReason};
use pf_delivery::webhook;
use pf_detection::leaks::LeakSettings;
use pf_detection::model::{Change, Confirmation, DetectorSettings, EventKind, EventState};
use pf_detection::share;
use pf_infra::sor::SorError;
use pf_model::trend::SliceSummary;
use pf_model::{ProfileType, TimeWindow};
use pf_registry::{RegistrySor, Service};
use pf_watch::{Series, SliceExaminer, SliceFindings, SliceWork, SummarySor, WorkSource};

/// What the detector needs around it.
pub struct Examiner {
    pub summaries: Arc<dyn SummarySor>,
    pub regressions: Arc<dyn RegressionSor>,
    /// Where an app's `notificationChannel` is; absent: no webhooks.
    pub registry: Option<Arc<dyn RegistrySor>>,
    pub settings: DetectorSettings,
    /// Whether confirmed cost shifts are delivered.
    pub notify_cost_shifts: bool,
    pub notices: Arc<RegressionNotices>,
    pub metrics: Arc<RegressionMetrics>,
    /// Names the commits behind each confirmation (docs/regressions.md#the-change-that-caused-it).
    pub namer: Arc<RegressionCommits>,
    /// The leak detector's settings (docs/regressions.md#memory-that-only-grows), for in-use
    /// series.
    pub leaks: LeakSettings,
    /// `leaks.memory_limit_bytes`: the limit of an app whose registry metadata names none.
    pub memory_limit_bytes: Option<u64>,
}

impl Examiner {
    /// What an examination of `series`' slice at `start` reads (`DetectorSettings::spans`):
    /// the slices tested, more for an in-use series' leaks, and yesterday's same hours.
    fn spans(&self, series: &Series, start: i64) -> Vec<std::ops::Range<i64>> {
        let mut tested = self.settings.tested_slices();
        if series.profile_type == ProfileType::Inuse {
            tested = tested.max(self.leaks.history_slices());
        }
        self.settings.spans(start, tested)
    }

    /// The changes after the newest summary of `series` (the last of `history`), made by
    /// `work`.
    pub async fn decide(
        &self,
        series: &Series,
        work: &SliceWork,
        history: &[SliceSummary],
    ) -> Result<Vec<EventWrite>, SorError> {
        let open = self.regressions.open(series).await?;
        let mut context = Context::default();
        let mut changes = self
            .leak_changes(series, history, &open, &mut context)
            .await?;
        // An in-use series is watched for leaks (docs/regressions.md#memory-that-only-grows), not
        // for changes of share: memory held is a state, and a leak's rising share would be found
        // again and again. Its share events from before (`inuse` watched by an older version) are
        // still decided.
        let unwatched: HashSet<&str> = match (series.profile_type, history.last()) {
            (ProfileType::Inuse, Some(newest)) => {
                newest.functions.iter().map(|f| f.name.as_str()).collect()
            }
            _ => HashSet::new(),
        };
        let events: Vec<_> = open
            .iter()
            .filter(|e| e.kind != EventKind::Leak)
            .map(Regression::open_event)
            .collect();
        let shares = share::examine_beside(history, &events, &unwatched, &self.settings);
        changes.extend(shares.into_iter().map(|c| (c, EventKind::Regression)));
        // Live slices deliver; a backfill only when asked to.
        let notify = match work.source {
            WorkSource::Live => true,
            WorkSource::Backfill { notify, .. } => notify,
        };
        let mut writes = Vec::with_capacity(changes.len());
        for (change, found_as) in changes {
            let suspects = match &change {
                Change::Confirmed(c) if c.kind != EventKind::Leak => {
                    Some(self.suspects(series, c, history).await)
                }
                _ => None,
            };
            let event = decided(&open, &change).map(|e| e.with_suspects(suspects.as_ref()));
            let announce = match (&change, &event) {
                (Change::Confirmed(c), _) => {
                    notify && (c.kind != EventKind::CostShift || self.notify_cost_shifts)
                }
                (Change::Resolved { .. } | Change::Settled { .. }, Some(event)) => event.announced,
                _ => false,
            };
            let webhook = match event {
                Some(event) if announce => self
                    .channel(series, &mut context)
                    .await?
                    .and_then(|url| self.notices.webhook(&event, &url)),
                _ => None,
            };
            let kind = match &change {
                Change::Confirmed(c) => c.kind,
                Change::Resolved { id, .. }
                | Change::Settled { id, .. }
                | Change::Remeasured { id, .. } => kind_of(&open, *id),
                _ => found_as,
            };
            writes.push(EventWrite {
                change,
                announce,
                webhook,
                kind,
                suspects,
            });
        }
        Ok(writes)
    }

    /// The commits named on confirmation `c`; when what they are read from cannot be read,
    /// none, with the reason (`GET /regressions/{id}/suspects` reads again).
    async fn suspects(
        &self,
        series: &Series,
        c: &Confirmation,
        history: &[SliceSummary],
    ) -> SuspectsAnswer {
        let asked = SuspectsAsked {
            app: series.app.clone(),
            profile_type: series.profile_type,
            function: c.finding.function.clone(),
            changed_at: c.finding.changed_at,
            through: c.at.saturating_add(self.settings.slices.slice_secs.secs()),
        };
        match self.namer.name_in(&asked, history).await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::warn!(app = %series.app, function = %asked.function, error = %e,
                    "the commits behind a regression could not be read");
                SuspectsAnswer::none(SuspectsReason::ProfileUnreadable, None)
            }
        }
    }

    /// The app's webhook: its registry `notificationChannel`, when that is an http(s) URL.
    async fn channel(
        &self,
        series: &Series,
        context: &mut Context,
    ) -> Result<Option<url::Url>, SorError> {
        let service = self.registered(series, context).await?;
        Ok(service
            .and_then(|s| s.notification_channel.as_deref())
            .and_then(webhook))
    }

    /// The app's registry entry, read at most once per examination; None when the app is not
    /// registered or there is no registry.
    pub(super) async fn registered<'c>(
        &self,
        series: &Series,
        context: &'c mut Context,
    ) -> Result<Option<&'c Service>, SorError> {
        if context.service.is_none() {
            let read = match &self.registry {
                None => None,
                Some(registry) => match registry.get(series.app.clone()).await {
                    Ok(service) => Some(service),
                    Err(SorError::NotFound(_)) => None,
                    Err(e) => return Err(e),
                },
            };
            context.service = Some(read);
        }
        Ok(context.service.as_ref().and_then(Option::as_ref))
    }
}

/// What one examination read once for all its changes.
#[derive(Default)]
pub(super) struct Context {
    /// The app's registry entry: None before it is read, then whether it is registered.
    service: Option<Option<Service>>,
}

#[async_trait]
impl SliceExaminer for Examiner {
    fn can_suspect(&self, slices: usize) -> bool {
        self.settings.can_suspect(slices)
    }

    async fn history(
        &self,
        series: &Series,
        start: i64,
        mut kept: Vec<SliceSummary>,
    ) -> Result<Vec<SliceSummary>, SorError> {
        let spans = self.spans(series, start);
        // What is kept was read for the slice examined before (the newest kept), and nothing was
        // stored between it and this one: of each span only what that slice's did not reach is
        // read, none of the newest (the slices tested).
        let before = kept.last().map(|s| self.spans(series, s.start));
        kept.retain(|s| spans.iter().any(|span| span.contains(&s.start)));
        let mut history = Vec::with_capacity(kept.len() + 1);
        let mut kept = kept.into_iter().peekable();
        let newest = spans.len().saturating_sub(1);
        for (i, span) in spans.into_iter().enumerate() {
            history.extend(std::iter::from_fn(|| kept.next_if(|s| s.start < span.end)));
            let from = match before.as_ref().and_then(|b| b.get(i)) {
                None => span.start,
                Some(_) if i == newest => span.end,
                Some(read) => read.end.max(span.start),
            };
            if from < span.end {
                let window = TimeWindow { from, to: span.end };
                let read = self
                    .summaries
                    .summaries(series.app.clone(), series.profile_type, window)
                    .await?;
                history.extend(read);
            }
        }
        Ok(history)
    }

    async fn examine(
        &self,
        series: &Series,
        work: &SliceWork,
        history: &[SliceSummary],
    ) -> Result<Option<Arc<dyn SliceFindings>>, SorError> {
        let writes = self.decide(series, work, history).await?;
        let decided: Option<Arc<dyn SliceFindings>> = (!writes.is_empty()).then(|| {
            Arc::new(Decided {
                writes,
                metrics: self.metrics.clone(),
            }) as Arc<dyn SliceFindings>
        });
        Ok(decided)
    }

    async fn refresh(&self) -> Result<(), SorError> {
        let counts = self.regressions.counts().await?;
        self.metrics.show(&counts);
        Ok(())
    }
}

/// The event changes one examination decided, as the watcher stores them.
#[derive(Debug)]
struct Decided {
    writes: Vec<EventWrite>,
    metrics: Arc<RegressionMetrics>,
}

impl SliceFindings for Decided {
    fn write<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        series: &'a Series,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        write_events(tx, series, &self.writes).boxed()
    }

    fn stored(&self) {
        self.metrics.count(&self.writes);
    }
}

/// The open event a confirmation or resolution decides, as it stands after the change.
fn decided(open: &[Regression], change: &Change) -> Option<Regression> {
    let find = |id: i64| open.iter().find(|e| e.id == id).cloned();
    match change {
        Change::Confirmed(c) => find(c.id).map(|e| e.confirmed(c)),
        Change::Resolved { id, at, .. } => find(*id).map(|mut e| {
            e.state = EventState::Resolved;
            e.resolved_at = Some(*at);
            e
        }),
        Change::Settled { id, at } => find(*id).map(|mut e| {
            e.state = EventState::Settled;
            e.settled_at = Some(*at);
            e
        }),
        Change::Suspected { .. } | Change::WentAway { .. } | Change::Remeasured { .. } => None,
    }
}

fn kind_of(open: &[Regression], id: i64) -> EventKind {
    open.iter()
        .find(|e| e.id == id)
        .map_or(EventKind::Regression, |e| e.kind)
}

#[cfg(test)]
#[path = "examiner_tests.rs"]
pub(super) mod tests;
