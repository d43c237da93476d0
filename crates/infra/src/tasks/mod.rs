//! One supervisor for the process's background work: starts each task under a name, shows it
//! in `/health`, and on shutdown stops the tasks one by one, newest first, each within a bound.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::future::BoxFuture;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::probe::HealthCheck;

mod restart;
mod shutdown;
mod status;

use restart::{restarting, Supervision};
pub use shutdown::{shutdown_signal, Shutdown, Stopper};
pub use status::{RoundStatus, TaskDetails, TaskStatus};

/// Time a task gets past its own deadline to count and log what it gives up, before it is
/// aborted.
const GRACE: Duration = Duration::from_secs(1);

/// A started task, as the supervisor keeps it.
struct Running {
    name: &'static str,
    stopper: Stopper,
    stop_within: Duration,
    handle: JoinHandle<()>,
}

/// Why a capability could not start: the setting it names, and the reason.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: `{key}` {reason}")]
pub struct StartError {
    pub key: &'static str,
    pub reason: String,
}

/// What a restarting task waits for before its first run (the database's schema).
pub type FirstRunGate = Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// The background tasks of the process, in the order they were started.
pub struct Tasks {
    running: Vec<Running>,
    checks: Vec<Arc<dyn HealthCheck>>,
    /// The wait before a task that ended is started again (then doubled).
    first_backoff: Duration,
    /// Awaited by each restarting task started after it is set, before its first run.
    gate: Option<FirstRunGate>,
}

impl Default for Tasks {
    fn default() -> Self {
        Tasks {
            running: Vec::new(),
            checks: Vec::new(),
            first_backoff: restart::FIRST_BACKOFF,
            gate: None,
        }
    }
}

impl Tasks {
    /// Starts `work` once on the runtime under `status.name()`, for work that cannot be started
    /// twice (it owns a queue's receiving end); if it ends before shutdown it stays ended, and
    /// `/health` says so. At shutdown it is asked to finish within `stop_within`, and aborted if
    /// it has not returned shortly after.
    pub fn spawn<W, F>(&mut self, status: Arc<dyn TaskStatus>, stop_within: Duration, work: W)
    where
        W: FnOnce(Shutdown) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let (stopper, shutdown) = shutdown_signal();
        self.start(status, None, stopper, stop_within, work(shutdown));
    }

    /// Restarting tasks started from now on run their work the first time once `gate`'s
    /// future resolves (or never, if shutdown comes first): rounds against the database then
    /// begin when its schema is migrated, instead of failing until it is.
    pub fn first_waiting_for(&mut self, gate: FirstRunGate) {
        self.gate = Some(gate);
    }

    /// As [`Tasks::spawn`], but work that ends before shutdown (returns or panics) is started
    /// again by calling `work` anew, after a backoff; `/health` shows it down meanwhile, and
    /// how many times it was restarted.
    pub fn spawn_restarting<W, F>(
        &mut self,
        status: Arc<dyn TaskStatus>,
        stop_within: Duration,
        work: W,
    ) where
        W: FnMut(Shutdown) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let (stopper, shutdown) = shutdown_signal();
        let supervision = Arc::new(Supervision::default());
        let name = status.name();
        let gate = self.gate.as_ref().map(|gate| gate());
        let run = restarting(
            name,
            work,
            gate,
            shutdown,
            supervision.clone(),
            self.first_backoff,
        );
        self.start(status, Some(supervision), stopper, stop_within, run);
    }

    /// Tasks whose restarts wait `first_backoff` first (tests wait less than a second).
    #[cfg(test)]
    fn with_first_backoff(first_backoff: Duration) -> Self {
        Tasks {
            first_backoff,
            ..Tasks::default()
        }
    }

    fn start(
        &mut self,
        status: Arc<dyn TaskStatus>,
        supervision: Option<Arc<Supervision>>,
        stopper: Stopper,
        stop_within: Duration,
        work: impl Future<Output = ()> + Send + 'static,
    ) {
        let ended = Arc::new(AtomicBool::new(false));
        // Set however the work ends: returned, panicked or aborted.
        let guard = EndGuard(ended.clone());
        let handle = tokio::spawn(async move {
            let _guard = guard;
            work.await;
        });
        let name = status.name();
        tracing::info!(task = name, "background task started");
        self.checks.push(Arc::new(TaskCheck {
            status,
            ended,
            supervision,
        }));
        self.running.push(Running {
            name,
            stopper,
            stop_within,
            handle,
        });
    }

    /// One `/health` check per task; none is required, so readiness does not depend on them.
    pub fn health_checks(&self) -> Vec<Arc<dyn HealthCheck>> {
        self.checks.clone()
    }

    /// Stops the tasks newest first, since a task may need those started before it (the
    /// history writer needs the database). Each gets its own bound; one that overruns it is
    /// aborted, and the next is stopped all the same.
    pub async fn stop(self) {
        for task in self.running.into_iter().rev() {
            let deadline = Instant::now() + task.stop_within;
            task.stopper.stop_by(deadline);
            let mut handle = task.handle;
            match tokio::time::timeout_at(deadline + GRACE, &mut handle).await {
                Ok(Ok(())) => tracing::info!(task = task.name, "background task stopped"),
                Ok(Err(e)) => {
                    tracing::error!(task = task.name, error = %e, "background task failed")
                }
                Err(_) => {
                    handle.abort();
                    // Cancelled at its next await; a task stuck outside one is left behind.
                    let _ = tokio::time::timeout(GRACE, handle).await;
                    tracing::error!(
                        task = task.name,
                        bound_secs = task.stop_within.as_secs(),
                        "background task did not stop in time; aborted"
                    );
                }
            }
        }
    }
}

/// Marks its task ended when dropped.
struct EndGuard(Arc<AtomicBool>);

impl Drop for EndGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// A task as `/health` shows it.
struct TaskCheck {
    status: Arc<dyn TaskStatus>,
    ended: Arc<AtomicBool>,
    /// The restarts of a task started with [`Tasks::spawn_restarting`].
    supervision: Option<Arc<Supervision>>,
}

#[async_trait]
impl HealthCheck for TaskCheck {
    fn name(&self) -> &'static str {
        self.status.name()
    }

    /// Background work going wrong does not stop the process from answering requests.
    fn required(&self) -> bool {
        false
    }

    async fn check(&self) -> Result<Option<serde_json::Value>, String> {
        if self.ended.load(Ordering::Acquire) {
            return Err("the task has ended; see the logs".to_owned());
        }
        let Some((restarts, down)) = self.supervision.as_ref().map(|s| s.state()) else {
            return self.status.state();
        };
        if let Some(reason) = down {
            return Err(format!(
                "the task ended ({reason}); restart {} follows",
                restarts + 1
            ));
        }
        let state = self.status.state()?;
        if restarts == 0 {
            return Ok(state);
        }
        match state {
            Some(serde_json::Value::Object(mut details)) => {
                details.insert("restarts".into(), restarts.into());
                Ok(Some(serde_json::Value::Object(details)))
            }
            _ => Ok(Some(serde_json::json!({ "restarts": restarts }))),
        }
    }
}

#[cfg(test)]
mod tests;
