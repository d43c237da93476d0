//! The leak detector (docs/regressions.md#memory-that-only-grows) run by the examiner on an in-use
//! series: its open leak events decided, new leaks suspected, and each confirmation given when the
//! process reaches its memory limit (the app's registry metadata `memoryLimitBytes`, else
//! `leaks.memory_limit_bytes`).

use std::collections::HashSet;

use super::examiner::{Context, Examiner};
use crate::store::Regression;
use pf_detection::leaks;
use pf_detection::model::{Change, EventKind};
use pf_infra::sor::SorError;
use pf_model::trend::SliceSummary;
use pf_model::ProfileType;
use pf_watch::Series;

impl Examiner {
    /// The leak detector's changes on `series` (none unless it is an in-use series), each with
    /// the kind it is found as.
    pub(super) async fn leak_changes(
        &self,
        series: &Series,
        history: &[SliceSummary],
        open: &[Regression],
        context: &mut Context,
    ) -> Result<Vec<(Change, EventKind)>, SorError> {
        if series.profile_type != ProfileType::Inuse {
            return Ok(Vec::new());
        }
        let events: Vec<_> = open
            .iter()
            .filter(|e| e.kind == EventKind::Leak)
            .map(Regression::open_event)
            .collect();
        let examined = leaks::examine(history, &events, &HashSet::new(), &self.leaks);
        let mut changes = examined.changes;
        let measured = |c: &Change| matches!(c, Change::Confirmed(_) | Change::Remeasured { .. });
        if changes.iter().any(measured) {
            if let Some(limit) = self.memory_limit(series, context).await? {
                for change in &mut changes {
                    let finding = match change {
                        Change::Confirmed(c) => &mut c.finding,
                        Change::Remeasured { finding, .. } => finding,
                        _ => continue,
                    };
                    finding.leak = finding.leak.take().map(|leak| {
                        leak.with_limit(limit, examined.growth_per_sec, self.leaks.slices)
                    });
                }
            }
        }
        Ok(changes.into_iter().map(|c| (c, EventKind::Leak)).collect())
    }

    /// The app's memory limit: its registry metadata's `memoryLimitBytes` (a positive whole
    /// number), else `leaks.memory_limit_bytes`.
    async fn memory_limit(
        &self,
        series: &Series,
        context: &mut Context,
    ) -> Result<Option<u64>, SorError> {
        let registered = self
            .registered(series, context)
            .await?
            .and_then(|s| serde_json::from_str::<Limit>(s.metadata.text().get()).ok())
            .and_then(|l| l.bytes)
            .filter(|&n| n > 0);
        Ok(registered.or(self.memory_limit_bytes))
    }
}

/// The one metadata key read; a value that is no whole number of bytes is no limit.
#[derive(serde::Deserialize)]
struct Limit {
    #[serde(rename = "memoryLimitBytes")]
    bytes: Option<u64>,
}

#[cfg(test)]
#[path = "examiner_leaks_tests.rs"]
mod tests;
