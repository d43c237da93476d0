//! Settings of the push routes and the local profile store (docs/agents.md#pushing-from-agents).
//! Counts that cannot be zero are typed so: a zero fails at start-up naming its key.

use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// `[ingest]`.
#[derive(Debug, Clone, Deserialize)]
pub struct IngestSettings {
    /// Where pushed profiles are kept when `profiles.dir` is unset (the demo is read beside
    /// them); with `profiles.dir` set, pushes go there.
    pub store_dir: PathBuf,
    /// Largest push body, as sent.
    pub max_body_bytes: NonZeroUsize,
    /// Pushes decoded and written at once; one more is answered 429 with `Retry-After`.
    pub max_in_flight: NonZeroUsize,
    /// Stored profiles older than this are dropped.
    pub retention_days: NonZeroU32,
    /// The store's bound: past it the oldest profiles go first.
    pub max_store_bytes: NonZeroU64,
    /// Pushes are refused (507) while the store's volume has less than this share free.
    pub min_free_percent: f64,
    /// The memory one compaction merge may take: a closed slice's pushes merged in runs
    /// within it, a push too big for it left as it is.
    pub compaction_memory_bytes: NonZeroU64,
    /// The memory the pushes being read and decoded may hold together: bodies as they arrive,
    /// then each profile's decoding; a push that finds it taken is answered 429.
    pub max_push_memory_bytes: NonZeroU64,
}

impl IngestSettings {
    /// How long stored profiles are kept (`retention_days`).
    pub fn retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.retention_days.get()) * 86_400)
    }
}
