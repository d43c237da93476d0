//! `ProfileStore`: keeps a push's profiles durably or none of them, and sweeps what is past
//! its retention or its size bound.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::compact::{self, Compacted, CompactionBudget};
use super::dir_sync::DirSyncs;
use super::normalize::stored_profiles;
use super::push_pool::{PushPool, Unfinished};
use super::pushed::{IngestError, Pushed};
use super::sweep::{self, Swept};
use super::write;
use crate::ProfileDir;
use pf_model::SliceSecs;
use pf_pprof::Limits;

/// Why the store did not keep a push.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The push itself is refused (4xx).
    #[error(transparent)]
    Refused(#[from] IngestError),
    /// Too many pushes are being written, or they hold the memory pushes may take: try again
    /// shortly (429).
    #[error("{0}")]
    Busy(String),
    /// The disk did not take it (503): nothing was acknowledged.
    #[error("the profile store cannot write: {0}")]
    Unwritable(String),
    /// The volume is nearly full (507 with `Retry-After`): refused before anything is read.
    #[error("{0}")]
    Full(String),
}

/// How much the store takes: at once, and in all.
#[derive(Debug, Clone, Copy)]
pub struct StoreBounds {
    /// Pushes decoded and written at once; one more is refused with 429 rather than queued.
    pub max_in_flight: usize,
    /// Files older than this many seconds are removed.
    pub retention_secs: i64,
    /// Past this many bytes the oldest files are removed.
    pub max_bytes: u64,
    /// Pushes are compacted into one file per slice of the watcher (`watch.slice_secs`).
    pub slice_secs: SliceSecs,
    /// The share of the volume that stays free (`ingest.min_free_percent`): below it, pushes
    /// are refused, so the embedded PostgreSQL beside the store keeps room to write.
    pub min_free_percent: f64,
    /// The memory one compaction merge may take (`ingest.compaction_memory_bytes`).
    pub compaction_memory_bytes: u64,
    /// The memory the pushes being read and decoded may hold together
    /// (`ingest.max_push_memory_bytes`).
    pub push_memory_bytes: u64,
}

/// How long after a piece ends its pushes may still arrive: it is compacted only then.
const LATE_PUSHES_SECS: i64 = 120;

/// The profile store of one process.
pub struct ProfileStore {
    dir: Arc<ProfileDir>,
    limits: Limits,
    bounds: StoreBounds,
    /// The in-use sample types (`type/unit`), averaged rather than added by compaction.
    snapshot_types: Arc<[String]>,
    in_flight: Arc<Semaphore>,
    /// The pushes' memory, in KiB ([`StoreBounds::push_memory_bytes`]).
    memory: Arc<Semaphore>,
    /// Directory syncs shared by the pushes that land in one directory at once.
    syncs: Arc<DirSyncs>,
    /// Where pushes are decoded and kept: below the HTTP workers' priority.
    pool: PushPool,
}

impl ProfileStore {
    /// Keeps pushes in `dir`'s first directory, read back through `dir`; compaction averages
    /// the sample types `snapshot_types` names (`type/unit`) as the reader does.
    pub fn new(
        dir: Arc<ProfileDir>,
        limits: Limits,
        bounds: StoreBounds,
        snapshot_types: Vec<String>,
    ) -> std::io::Result<Self> {
        Ok(ProfileStore {
            dir,
            limits,
            bounds,
            snapshot_types: snapshot_types.into(),
            in_flight: Arc::new(Semaphore::new(bounds.max_in_flight)),
            memory: Arc::new(Semaphore::new(kib(bounds.push_memory_bytes) as usize)),
            syncs: Arc::default(),
            pool: PushPool::new(push_threads(bounds.max_in_flight))?,
        })
    }

    /// `work`'s outcome, computed on a push thread (a push's CPU never on an HTTP worker, and
    /// below the workers' priority:
    /// docs/performance.md#push-threads-below-the-http-workers-on-a-quiet-machine-issue-46).
    pub async fn on_push_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Unfinished> {
        self.pool.run(work).await
    }

    /// Compacts each app's pushes of every piece closed as of `now` into one file.
    pub async fn compact(&self, now: i64) -> Result<Compacted, StoreError> {
        let (root, slice_secs) = (self.path(), self.bounds.slice_secs);
        let budget = CompactionBudget {
            limits: self.limits,
            memory_bytes: self.bounds.compaction_memory_bytes,
        };
        let closed_before = now.saturating_sub(LATE_PUSHES_SECS);
        let snapshot_types = self.snapshot_types.clone();
        let done = self
            .on_disk("compaction", move || {
                compact::compact(&root, slice_secs, closed_before, budget, &snapshot_types)
            })
            .await?;
        self.changed_if(done.merged > 0);
        Ok(done)
    }

    /// Drops the files past the retention, then the oldest past the size bound, as of `now`.
    pub async fn sweep(&self, now: i64) -> Result<Swept, StoreError> {
        let (root, bounds) = (self.path(), self.bounds);
        let keep_from = now.saturating_sub(bounds.retention_secs);
        let swept = self
            .on_disk("sweep", move || {
                sweep::sweep(&root, keep_from, bounds.max_bytes)
            })
            .await?;
        self.changed_if(swept.expired + swept.evicted > 0);
        Ok(swept)
    }

    /// Runs file-system `work` on a push thread (compaction merges profiles: CPU that must not
    /// compete with requests either); its failure is the store's.
    async fn on_disk<T: Send + 'static>(
        &self,
        what: &str,
        work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.pool
            .run(work)
            .await
            .map_err(|e| StoreError::Unwritable(format!("the {what} failed: {e}")))?
            .map_err(|e| StoreError::Unwritable(e.to_string()))
    }

    /// Tells the reader to list the files again when `changed`.
    fn changed_if(&self, changed: bool) {
        if changed {
            self.dir.changed();
        }
    }

    /// The directories the files are read back through (the querier reads them too).
    pub fn dir(&self) -> Arc<ProfileDir> {
        self.dir.clone()
    }

    /// Where the files go.
    pub fn path(&self) -> PathBuf {
        self.dir.dir().to_path_buf()
    }

    /// A place among the pushes decoded and written at once, with the memory of a body of
    /// `body_bytes`, or [`StoreError::Busy`] (429) when all `max_in_flight` places or the
    /// pushes' memory are taken: taken before a byte of the body is read, so neither the
    /// pushes waiting nor their bodies grow without bound (SPEC §34).
    pub fn admit(&self, body_bytes: u64) -> Result<Admission, StoreError> {
        self.room()?;
        let place = self.in_flight.clone().try_acquire_owned().map_err(|_| {
            StoreError::Busy(format!(
                "the profile store is busy with {} pushes (ingest.max_in_flight); retry shortly",
                self.bounds.max_in_flight
            ))
        })?;
        let mut admission = Admission {
            _place: place,
            memory: self.memory.clone(),
            total: self.bounds.push_memory_bytes,
            held: None,
        };
        admission.reserve(body_bytes)?;
        Ok(admission)
    }

    /// Keeps every profile of one push, durably, or none of them: each decoded once, relabelled
    /// and written, synced and renamed into place, its directory synced. Returns the bytes
    /// written. Blocks on the disk: called on the blocking pool, holding the push's admission.
    pub fn keep(
        &self,
        mut admission: Admission,
        pushed: Vec<Pushed>,
        arrived: i64,
    ) -> Result<u64, StoreError> {
        let accepted = self.accepted(arrived);
        let mut reserve = |bytes: u64| admission.reserve(bytes);
        let files = stored_profiles(&pushed, arrived, self.limits, &mut reserve, |p, file| {
            accepted.check(file.time_secs)?;
            Ok((p.app.clone(), file))
        })?;
        let written = write::write_all(&self.path(), &files, &self.syncs)
            .map_err(|e| StoreError::Unwritable(e.to_string()))?;
        self.dir.changed();
        Ok(written)
    }
}

/// The times a pushed profile may have (SPEC §34), as Pyroscope's `reject-newer-than` and
/// `reject-older-than` keep them: not later than [`MAX_AHEAD_SECS`] past its arrival, not
/// older than the store's retention (it would be swept at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedTimes {
    pub earliest: i64,
    pub latest: i64,
}

/// How far ahead of its arrival a pushed profile may be dated: a clock a little fast.
pub const MAX_AHEAD_SECS: i64 = 600;

impl AcceptedTimes {
    /// `time_secs` when it lies in the range, else the refusal naming the range.
    pub fn check(&self, time_secs: i64) -> Result<(), IngestError> {
        if (self.earliest..=self.latest).contains(&time_secs) {
            return Ok(());
        }
        let utc = |secs| pf_model::utc::utc_text(secs, pf_model::utc::SECOND);
        Err(IngestError::OutOfRange(format!(
            "the profile is dated {} ({time_secs}); pushes are kept from {} ({}, the store's \
             retention) to {} ({}, 10 minutes past now): nothing was stored",
            utc(time_secs),
            utc(self.earliest),
            self.earliest,
            utc(self.latest),
            self.latest,
        )))
    }
}

impl ProfileStore {
    /// The times a push arriving at `arrived` may carry.
    pub fn accepted(&self, arrived: i64) -> AcceptedTimes {
        AcceptedTimes {
            earliest: arrived.saturating_sub(self.bounds.retention_secs),
            latest: arrived.saturating_add(MAX_AHEAD_SECS),
        }
    }
}

impl ProfileStore {
    /// `Full` when the store's volume has less than `min_free_percent` free (SPEC §34); a
    /// volume that cannot be asked is not refused for it.
    fn room(&self) -> Result<(), StoreError> {
        let Ok(volume) = rustix::fs::statvfs(self.path()) else {
            return Ok(());
        };
        let total = volume.f_blocks.saturating_mul(volume.f_frsize);
        let free = volume.f_bavail.saturating_mul(volume.f_frsize);
        let free_percent = if total == 0 {
            100.0
        } else {
            free as f64 * 100.0 / total as f64
        };
        if free_percent < self.bounds.min_free_percent {
            return Err(StoreError::Full(format!(
                "the profile store's volume has {free_percent:.1} % free, under \
                 ingest.min_free_percent ({} %): pushes are refused until space is freed",
                self.bounds.min_free_percent
            )));
        }
        Ok(())
    }
}

/// A push's place among those decoded and written at once ([`ProfileStore::admit`]), and the
/// memory it holds; both given back when it is dropped.
pub struct Admission {
    _place: OwnedSemaphorePermit,
    memory: Arc<Semaphore>,
    /// The pushes' memory in all, for a refusal's message.
    total: u64,
    held: Option<OwnedSemaphorePermit>,
}

impl Admission {
    /// Takes `bytes` more of the pushes' memory, at once or not at all: [`StoreError::Busy`]
    /// when the other pushes hold it (429, try again), a refusal (413) when this push alone
    /// needs more than there is.
    pub fn reserve(&mut self, bytes: u64) -> Result<(), StoreError> {
        let held = self.held.as_ref().map_or(0, |p| p.num_permits() as u64);
        if (held + kib(bytes)) > kib(self.total) {
            return Err(StoreError::Refused(IngestError::TooLarge(format!(
                "the push needs more memory to decode than the pushes may take together \
                 ({} bytes, ingest.max_push_memory_bytes)",
                self.total
            ))));
        }
        let more = u32::try_from(kib(bytes)).unwrap_or(u32::MAX);
        let permit = self
            .memory
            .clone()
            .try_acquire_many_owned(more)
            .map_err(|_| {
                StoreError::Busy(format!(
                    "the pushes being decoded hold the memory pushes may take ({} bytes, \
                 ingest.max_push_memory_bytes); retry shortly",
                    self.total
                ))
            })?;
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        Ok(())
    }
}

/// `bytes` in whole KiB, rounded up: the pushes' memory is counted in KiB.
fn kib(bytes: u64) -> u64 {
    bytes.div_ceil(1024)
}

/// Push threads: two per core (a push waits on the disk about as long as it works, so two keep
/// a core busy), never more than the pushes admitted at once. More threads at low priority
/// still outweigh the HTTP workers together: with 64, `/health/live` waited 35 ms at p99 under
/// 16 pushes of 16 MiB, with two per core 6 ms (docs/performance.md).
fn push_threads(max_in_flight: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    cores.saturating_mul(2).min(max_in_flight).max(1)
}
