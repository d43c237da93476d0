//! One supervisor for the process's background work: starts each task under a name, shows it
//! in `/health`, and on shutdown stops the tasks one by one, newest first, each within a bound.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::probe::HealthCheck;

/// Time a task gets past its own deadline to count and log what it gives up, before it is
/// aborted.
const GRACE: Duration = Duration::from_secs(1);

/// How a task is doing, for `/health`.
pub trait TaskStatus: Send + Sync {
    /// Its key under `/health`'s `checks`.
    fn name(&self) -> &'static str;
    /// Details while it does its work; otherwise why not (shown `down`, so `degraded`).
    fn state(&self) -> Result<Option<serde_json::Value>, String>;
}

/// A task's side of shutdown: whether to finish, and by when.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<Option<Instant>>);

/// The supervisor's side: asks one task to finish by a deadline.
pub struct Stopper(watch::Sender<Option<Instant>>);

/// A connected pair; the supervisor makes one per task (tests make their own).
pub fn shutdown_signal() -> (Stopper, Shutdown) {
    let (tx, rx) = watch::channel(None);
    (Stopper(tx), Shutdown(rx))
}

impl Stopper {
    /// Asks the task to finish its work by `deadline` and return.
    pub fn stop_by(&self, deadline: Instant) {
        self.0.send_replace(Some(deadline));
    }
}

impl Shutdown {
    /// Resolves once shutdown has begun (at once if it has), with the deadline.
    pub async fn requested(&mut self) -> Instant {
        match self.0.wait_for(Option::is_some).await {
            Ok(deadline) => deadline.unwrap_or_else(Instant::now),
            // The supervisor is gone without a word: nobody waits for this task any more.
            Err(_) => Instant::now(),
        }
    }

    /// The deadline, once shutdown has begun.
    pub fn deadline(&self) -> Option<Instant> {
        let deadline = *self.0.borrow();
        // A supervisor gone without a word waits for nobody: the deadline is now.
        if deadline.is_none() && self.0.has_changed().is_err() {
            return Some(Instant::now());
        }
        deadline
    }
}

/// A started task, as the supervisor keeps it.
struct Running {
    name: &'static str,
    stopper: Stopper,
    stop_within: Duration,
    handle: JoinHandle<()>,
}

/// The background tasks of the process, in the order they were started.
#[derive(Default)]
pub struct Tasks {
    running: Vec<Running>,
    checks: Vec<Arc<dyn HealthCheck>>,
}

impl Tasks {
    /// Starts `work` on the runtime under `status.name()`. At shutdown it is asked to finish
    /// within `stop_within`, and aborted if it has not returned shortly after.
    pub fn spawn<W, F>(&mut self, status: Arc<dyn TaskStatus>, stop_within: Duration, work: W)
    where
        W: FnOnce(Shutdown) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let (stopper, shutdown) = shutdown_signal();
        let ended = Arc::new(AtomicBool::new(false));
        // Set however the work ends: returned, panicked or aborted.
        let guard = EndGuard(ended.clone());
        let work = work(shutdown);
        let handle = tokio::spawn(async move {
            let _guard = guard;
            work.await;
        });
        let name = status.name();
        tracing::info!(task = name, "background task started");
        self.checks.push(Arc::new(TaskCheck { status, ended }));
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
        self.status.state()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    struct Named(&'static str);

    impl TaskStatus for Named {
        fn name(&self) -> &'static str {
            self.0
        }

        fn state(&self) -> Result<Option<serde_json::Value>, String> {
            Ok(None)
        }
    }

    #[tokio::test]
    async fn tasks_stop_newest_first_each_seeing_its_deadline() {
        let stopped = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Tasks::default();
        for name in ["database", "writer"] {
            let stopped = stopped.clone();
            tasks.spawn(
                Arc::new(Named(name)),
                Duration::from_secs(5),
                move |mut shutdown| async move {
                    let deadline = shutdown.requested().await;
                    assert!(deadline > Instant::now() + Duration::from_secs(4));
                    stopped.lock().unwrap().push(name);
                },
            );
        }
        tasks.stop().await;
        assert_eq!(*stopped.lock().unwrap(), ["writer", "database"]);
    }

    #[tokio::test]
    async fn a_task_that_overruns_its_bound_is_aborted_and_the_next_still_stops() {
        let stopped = Arc::new(AtomicBool::new(false));
        let mut tasks = Tasks::default();
        let flag = stopped.clone();
        tasks.spawn(
            Arc::new(Named("first")),
            Duration::ZERO,
            |mut s| async move {
                s.requested().await;
                flag.store(true, Ordering::SeqCst);
            },
        );
        tasks.spawn(Arc::new(Named("stuck")), Duration::ZERO, |_| {
            std::future::pending::<()>()
        });
        let checks = tasks.health_checks();
        tasks.stop().await;
        assert!(stopped.load(Ordering::SeqCst));
        // Both ended: the stuck one by being aborted.
        for check in checks {
            assert!(check.check().await.is_err(), "{}", check.name());
        }
    }

    #[tokio::test]
    async fn a_task_that_ended_on_its_own_shows_down_but_not_required() {
        let mut tasks = Tasks::default();
        tasks.spawn(Arc::new(Named("short")), Duration::ZERO, |_| async {});
        let check = tasks.health_checks().remove(0);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(check.name(), "short");
        assert!(!check.required());
        assert!(check.check().await.is_err());
    }
}
