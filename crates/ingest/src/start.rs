//! How the push routes start (docs/agents.md#pushing-from-agents): a store among Profile Data's
//! files (none when it reads Pyroscope: pushes go there), the intake in front of it, and the
//! task that keeps the store within its bounds.

use std::sync::Arc;
use std::time::Duration;

use super::intake::{Intake, IntakeLimits};
use super::settings::IngestSettings;
use pf_infra::tasks::{StartError, Tasks};
use pf_infra::telemetry::Metrics;
use pf_model::SliceSecs;
use pf_pprof::Limits;
use pf_profile_files::ProfileDir;
use pf_profile_files::{keep_tidy, store_status, ProfileStore, StoreBounds};

/// The `[ingest]` section and the keys of others that pushes are read and kept by.
pub struct IntakeSettings<'a> {
    pub ingest: &'a IngestSettings,
    /// The Connect push's label naming the app (`pyroscope.app_label`).
    pub app_label: &'a str,
    /// What one profile may hold (`profiles.max_decoded_bytes`, `max_stack_depth`).
    pub limits: Limits,
    /// The sample types compaction averages (docs/runtimes.md).
    pub snapshot_types: Vec<String>,
    /// Pushes are compacted into one file per slice of the watcher.
    pub slice_secs: SliceSecs,
}

/// The push routes' service, and the store when pushes are kept here.
pub struct Ingest {
    pub intake: Arc<Intake>,
    pub store: Option<Arc<ProfileStore>>,
}

/// Starts the store among `files` (or, with `Err(url)`, an intake that sends pushes to that
/// Pyroscope) and its upkeep under `tasks`.
///
/// # Errors
/// When the store's threads or the intake's metrics cannot be made.
pub fn start(
    settings: IntakeSettings<'_>,
    files: Result<Arc<ProfileDir>, String>,
    metrics: &Arc<Metrics>,
    tasks: &mut Tasks,
) -> Result<Ingest, StartError> {
    let ingest = settings.ingest;
    let store = match files {
        Ok(dir) => {
            let bounds = StoreBounds {
                max_in_flight: ingest.max_in_flight.get(),
                retention_secs: i64::try_from(ingest.retention().as_secs()).unwrap_or(i64::MAX),
                max_bytes: ingest.max_store_bytes.get(),
                slice_secs: settings.slice_secs,
                min_free_percent: ingest.min_free_percent,
                compaction_memory_bytes: ingest.compaction_memory_bytes.get(),
                push_memory_bytes: ingest.max_push_memory_bytes.get(),
            };
            let store = ProfileStore::new(dir, settings.limits, bounds, settings.snapshot_types)
                .map_err(|e| failed("ingest.max_in_flight", &e))?;
            Ok(Arc::new(store))
        }
        Err(pyroscope) => Err(pyroscope),
    };
    if let Ok(store) = &store {
        let status = store_status(metrics).map_err(|e| failed("metrics", &e))?;
        let (store, task) = (store.clone(), status.clone());
        tasks.spawn_restarting(status, Duration::from_secs(1), move |shutdown| {
            keep_tidy(store.clone(), task.clone(), shutdown)
        });
    }
    let limits = IntakeLimits {
        app_label: settings.app_label.to_owned(),
        max_body_bytes: ingest.max_body_bytes.get(),
        max_decoded_bytes: settings.limits.max_decoded_bytes,
    };
    let kept = store.as_ref().ok().cloned();
    let intake = Intake::new(store, limits, metrics).map_err(|e| failed("metrics", &e))?;
    Ok(Ingest {
        intake: Arc::new(intake),
        store: kept,
    })
}

fn failed(key: &'static str, error: &dyn std::fmt::Display) -> StartError {
    StartError {
        key,
        reason: format!("cannot start the push store: {error}"),
    }
}
