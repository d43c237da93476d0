//! A background task that ends before shutdown, by returning or by panicking, is a fault: it
//! is logged with its reason, shown `down` in `/health` with the restart count, and started
//! again after a backoff (1 s, doubled each time it ends again within a minute, at most 60 s).
//! A replica whose watcher panicked summarizes again a moment later instead of staying
//! `ready` with trends that no longer move.

use std::any::Any;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::shutdown::Shutdown;

/// The wait before the first restart, and its ceiling.
pub(super) const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A run at least this long counts as healthy: the next restart waits [`FIRST_BACKOFF`] again.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// What `/health` shows of a restarted task.
#[derive(Default)]
pub(super) struct Supervision(Mutex<Restarts>);

#[derive(Default)]
struct Restarts {
    count: u32,
    /// Why it is not running now (it ended and waits for its restart).
    down: Option<String>,
}

impl Supervision {
    /// How many times the task was restarted, and why it is not running now, if it is not.
    pub(super) fn state(&self) -> (u32, Option<String>) {
        let r = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        (r.count, r.down.clone())
    }

    fn set(&self, change: impl FnOnce(&mut Restarts)) {
        change(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Aborts the run it holds when dropped, so aborting the supervisor aborts the run too.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `work` run until shutdown, started again whenever it ends before (after `first_backoff`,
/// doubling); the first time once `gate` resolves, when there is one.
pub(super) async fn restarting<W, F>(
    name: &'static str,
    mut work: W,
    gate: Option<BoxFuture<'static, ()>>,
    shutdown: Shutdown,
    supervision: Arc<Supervision>,
    first_backoff: Duration,
) where
    W: FnMut(Shutdown) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    if let Some(gate) = gate {
        let mut waiting = shutdown.clone();
        tokio::select! {
            () = gate => {}
            _ = waiting.requested() => return,
        }
    }
    let mut backoff = first_backoff;
    loop {
        let started = Instant::now();
        let mut run = AbortOnDrop(tokio::spawn(work(shutdown.clone())));
        let outcome = (&mut run.0).await;
        if shutdown.deadline().is_some() {
            return;
        }
        let reason = match outcome {
            Ok(()) => "it returned before shutdown".to_owned(),
            Err(e) if e.is_panic() => format!("it panicked: {}", message(e.into_panic())),
            Err(e) => format!("it was cancelled: {e}"),
        };
        if started.elapsed() >= HEALTHY_RUN {
            backoff = first_backoff;
        }
        tracing::error!(
            task = name,
            reason = %reason,
            restart_in_ms = backoff.as_millis() as u64,
            "background task ended; restarting it"
        );
        supervision.set(|r| r.down = Some(reason));
        let mut waiting = shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = waiting.requested() => return,
        }
        supervision.set(|r| {
            r.count += 1;
            r.down = None;
        });
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// A panic's message, when it has one.
fn message(panic: Box<dyn Any + Send>) -> String {
    match panic.downcast::<String>() {
        Ok(text) => *text,
        Err(panic) => panic
            .downcast_ref::<&str>()
            .map_or_else(|| "(no message)".to_owned(), |s| (*s).to_owned()),
    }
}
