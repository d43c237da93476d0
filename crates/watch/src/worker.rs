//! One held series, worked slice by slice in time order until nothing is due, the lease is
//! lost, or a slice fails (then the lease is kept until it runs out: the retry waits for it).

use std::sync::Arc;
use std::time::Duration;

use super::metrics::WatchMetrics;
use super::summarizer::Summarizer;
use crate::store::{Lease, SliceOutcome, SliceWork};
use crate::{SliceExaminer, WatchWork};
use pf_infra::sor::SorError;
use pf_model::trend::SliceSummary;

/// Slices one claim works at most before giving the series back, so a long backfill does not
/// keep a worker from the rest of the fleet.
const SLICES_PER_CLAIM: usize = 48;

/// How a worker's turn with a series ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Nothing more is due, or it had its share of slices: the series is given back.
    Released,
    /// Another replica holds the series now.
    LeaseLost,
    /// A slice failed; the series stays leased until the lease ends.
    Failed,
}

/// What a worker needs.
pub struct Worker {
    pub work: Arc<dyn WatchWork>,
    pub summarizer: Arc<Summarizer>,
    pub examiner: Arc<dyn SliceExaminer>,
    pub metrics: Arc<WatchMetrics>,
    pub lease: Duration,
}

impl Worker {
    /// Works `lease`'s series: slices starting at or before `due`, and its backfill items.
    pub async fn run(&self, lease: Lease, due: i64) -> Ended {
        // The series' summaries the detector read last, kept from slice to slice of this
        // claim: nobody else writes the series while it is held.
        let mut history = None;
        for _ in 0..SLICES_PER_CLAIM {
            let next = match self.work.next(&lease, due).await {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, app = %lease.series.app, "cannot read the next slice");
                    return Ended::Failed;
                }
            };
            match self.one(&lease, &next, &mut history).await {
                Ok(true) => {}
                Ok(false) => return Ended::LeaseLost,
                Err(e) => {
                    self.metrics.count("error");
                    tracing::warn!(
                        error = %e, app = %lease.series.app, profile_type = %lease.series.profile_type,
                        slice = next.start, "a slice could not be summarized; retried when the lease ends"
                    );
                    if let Err(e) = self.work.failed(&lease, &next, &e.to_string()).await {
                        tracing::warn!(error = %e, "cannot record a failed slice");
                    }
                    return Ended::Failed;
                }
            }
        }
        if let Err(e) = self.work.release(&lease).await {
            tracing::warn!(error = %e, "cannot give a series back; its lease runs out instead");
        }
        Ended::Released
    }

    /// Summarizes one slice, examines the summary, and records both; `false` when the lease
    /// was lost. `history` holds the series' summaries before this slice when the previous
    /// slice of the claim left them there, and the summaries up to this one afterwards.
    async fn one(
        &self,
        lease: &Lease,
        work: &SliceWork,
        history: &mut Option<Vec<SliceSummary>>,
    ) -> Result<bool, SorError> {
        let kept = history.take();
        if work.summarized {
            self.metrics.count("skipped");
            let nothing = SliceOutcome::default();
            return self.work.done(lease, work, &nothing, self.lease).await;
        }
        let summary = self.summarizer.summarize(&lease.series, work.start).await?;
        let mut examined = None;
        let outcome = match summary {
            Some(summary) if work.examine => {
                let mut past = self
                    .examiner
                    .history(&lease.series, work.start, kept.unwrap_or_default())
                    .await?;
                past.push(summary.clone());
                let findings = self.examiner.examine(&lease.series, work, &past).await?;
                // An examination that decided nothing on a history too short for a suspicion
                // (the first live slices of a new series) does not count: the series' older
                // slices a backfill brings later are then still examined, in time order.
                let decided = findings.is_some() || self.examiner.can_suspect(past.len());
                examined = Some(past);
                SliceOutcome {
                    findings,
                    summary: Some(summary),
                    examined: decided,
                }
            }
            // A slice without a profile stores nothing: what was read stays what is stored.
            None => {
                *history = kept;
                SliceOutcome::default()
            }
            summary => SliceOutcome {
                summary,
                ..SliceOutcome::default()
            },
        };
        let held = self.work.done(lease, work, &outcome, self.lease).await?;
        if held && examined.is_some() {
            *history = examined;
        }
        if held {
            self.metrics.count(if outcome.summary.is_some() {
                "summarized"
            } else {
                "empty"
            });
            if let Some(findings) = &outcome.findings {
                findings.stored();
            }
        }
        Ok(held)
    }
}
