//! The detector run on a series right after a new summary (SPEC §15): the series' recent
//! summaries and open events read, the pure detector's changes decided, and each confirmation
//! or resolution given what it delivers. The watcher calls it by its contract
//! (`SliceExaminer`) and stores what it decided with the summary, in one transaction fenced by
//! the series' lease.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use sqlx::PgConnection;

use super::detector;
use super::metrics::RegressionMetrics;
use super::notice::RegressionNotices;
use crate::commits::{SuspectsAnswer, SuspectsReason};
use crate::delivery::webhook;
use crate::infra::sor::SorError;
use crate::model::trend::SliceSummary;
use crate::model::TimeWindow;
use crate::registry::RegistrySor;
use crate::regressions::commits::{RegressionCommits, SuspectsAsked};
use crate::regressions::model::{Change, Confirmation, DetectorSettings, EventKind, EventState};
use crate::regressions::store::{write_events, EventWrite, Regression, RegressionSor};
use crate::watch::{Series, SliceExaminer, SliceFindings, SliceWork, SummarySor, WorkSource};

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
    /// Names the commits behind each confirmation (SPEC §21).
    pub namer: Arc<RegressionCommits>,
}

impl Examiner {
    /// The changes after the newest summary of `series` (the last of `history`), made by
    /// `work`.
    pub async fn decide(
        &self,
        series: &Series,
        work: &SliceWork,
        history: &[SliceSummary],
    ) -> Result<Vec<EventWrite>, SorError> {
        let open = self.regressions.open(series).await?;
        let events: Vec<_> = open.iter().map(Regression::open_event).collect();
        let changes = detector::examine(history, &events, &self.settings);
        // Live slices deliver; a backfill only when asked to.
        let notify = match work.source {
            WorkSource::Live => true,
            WorkSource::Backfill { notify, .. } => notify,
        };
        let mut channel = None;
        let mut writes = Vec::with_capacity(changes.len());
        for change in changes {
            let suspects = match &change {
                Change::Confirmed(c) => Some(self.suspects(series, c, history).await),
                _ => None,
            };
            let event = decided(&open, &change).map(|e| e.with_suspects(suspects.as_ref()));
            let announce = match (&change, &event) {
                (Change::Confirmed(c), _) => {
                    notify && (c.kind == EventKind::Regression || self.notify_cost_shifts)
                }
                (Change::Resolved { .. } | Change::Settled { .. }, Some(event)) => event.announced,
                _ => false,
            };
            let webhook = match event {
                Some(event) if announce => {
                    if channel.is_none() {
                        channel = Some(self.channel(series).await?);
                    }
                    channel
                        .as_ref()
                        .and_then(Option::as_ref)
                        .and_then(|url| self.notices.webhook(&event, url))
                }
                _ => None,
            };
            let kind = match &change {
                Change::Confirmed(c) => c.kind,
                Change::Resolved { id, .. } | Change::Settled { id, .. } => kind_of(&open, *id),
                _ => EventKind::Regression,
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
            through: c.at.saturating_add(self.settings.slices.secs),
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
    async fn channel(&self, series: &Series) -> Result<Option<url::Url>, SorError> {
        let Some(registry) = &self.registry else {
            return Ok(None);
        };
        match registry.get(series.app.clone()).await {
            Ok(service) => Ok(service.notification_channel.as_deref().and_then(webhook)),
            Err(SorError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl SliceExaminer for Examiner {
    fn history_from(&self, start: i64) -> i64 {
        let slices = i64::try_from(self.settings.history_slices()).unwrap_or(i64::MAX);
        let back = slices
            .saturating_sub(1)
            .saturating_mul(self.settings.slices.secs);
        start.saturating_sub(back)
    }

    fn can_suspect(&self, slices: usize) -> bool {
        self.settings.can_suspect(slices)
    }

    async fn history(&self, series: &Series, start: i64) -> Result<Vec<SliceSummary>, SorError> {
        let window = TimeWindow {
            from: self.history_from(start),
            to: start.max(1),
        };
        self.summaries
            .summaries(series.app.clone(), series.profile_type, window)
            .await
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
        self.metrics
            .active
            .set(i64::try_from(counts.active).unwrap_or(i64::MAX));
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
        Change::Suspected { .. } | Change::WentAway { .. } => None,
    }
}

fn kind_of(open: &[Regression], id: i64) -> EventKind {
    open.iter()
        .find(|e| e.id == id)
        .map_or(EventKind::Regression, |e| e.kind)
}

#[cfg(test)]
#[path = "examiner_tests.rs"]
mod tests;
