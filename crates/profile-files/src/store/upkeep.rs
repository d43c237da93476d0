//! The store's upkeep under the supervisor: at start and every minute, compaction of the
//! closed slices, then a sweep (retention, the size bound), its figures in `/metrics` and `/health` (`profileStore`).

use std::sync::Arc;
use std::time::Duration;

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts};

use super::profile_store::ProfileStore;
use super::sweep::Swept;
use pf_infra::tasks::{RoundStatus, Shutdown, TaskDetails};
use pf_infra::telemetry::Metrics;
use pf_model::saturate;

const EVERY: Duration = Duration::from_secs(60);

/// The store's upkeep as `/health` shows it under `profileStore`; a round is one sweep.
pub type StoreStatus = RoundStatus<StoreFigures>;

/// The last sweep's figures, and the metrics they go to.
pub struct StoreFigures {
    swept: Swept,
    bytes: IntGauge,
    removed: IntCounterVec,
    compacted: IntCounter,
    uncompacted: IntGauge,
}

/// The store's status, registering `profile_store_bytes` and
/// `profile_store_removed_total{reason}`.
pub fn store_status(metrics: &Metrics) -> Result<Arc<StoreStatus>, prometheus::Error> {
    let bytes = IntGauge::new(
        "profile_store_bytes",
        "Bytes of the pushed profiles the store keeps, at the last sweep",
    )?;
    let removed = IntCounterVec::new(
        Opts::new(
            "profile_store_removed_total",
            "Stored profiles removed: past the retention (expired) or the size bound (evicted)",
        ),
        &["reason"],
    )?;
    let compacted = IntCounter::new(
        "profile_store_compacted_total",
        "Pushed profiles merged into one file per slice by compaction",
    )?;
    let uncompacted = IntGauge::new(
        "profile_store_uncompacted_files",
        "Files of closed slices the last compaction left as pushed: too big to merge within \
         ingest.compaction_memory_bytes",
    )?;
    metrics.register(Box::new(compacted.clone()))?;
    metrics.register(Box::new(uncompacted.clone()))?;
    metrics.register(Box::new(bytes.clone()))?;
    metrics.register(Box::new(removed.clone()))?;
    Ok(Arc::new(RoundStatus::showing(StoreFigures {
        swept: Swept::default(),
        bytes,
        removed,
        compacted,
        uncompacted,
    })))
}

fn record(status: &StoreStatus, outcome: Result<Swept, String>) {
    match outcome {
        Ok(swept) => {
            status.update(|figures| {
                figures.bytes.set(saturate(swept.bytes));
                figures
                    .removed
                    .with_label_values(&["expired"])
                    .inc_by(swept.expired);
                figures
                    .removed
                    .with_label_values(&["evicted"])
                    .inc_by(swept.evicted);
                figures.swept = swept;
            });
            status.succeeded();
        }
        Err(why) => status.failed(why),
    }
}

impl TaskDetails for StoreFigures {
    const NAME: &'static str = "profileStore";

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "files": self.swept.files,
            "bytes": self.swept.bytes,
        })
    }
}

/// Sweeps `store` at once and every minute until shutdown.
pub async fn keep_tidy(store: Arc<ProfileStore>, status: Arc<StoreStatus>, mut shutdown: Shutdown) {
    loop {
        let now = chrono::Utc::now().timestamp();
        match store.compact(now).await {
            Ok(done) => {
                if done.left > 0 {
                    tracing::warn!(
                        files = done.left,
                        "compaction left pushes as they are: too big to merge within \
                         ingest.compaction_memory_bytes"
                    );
                }
                status.update(|figures| {
                    figures.compacted.inc_by(done.replaced);
                    figures.uncompacted.set(saturate(done.left));
                });
            }
            Err(e) => tracing::warn!(error = %e, "compacting the profile store failed"),
        }
        let outcome = store.sweep(now).await;
        if let Err(e) = &outcome {
            tracing::warn!(error = %e, "sweeping the profile store failed");
        }
        record(&status, outcome.map_err(|e| e.to_string()));
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.requested() => return,
        }
    }
}
