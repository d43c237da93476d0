//! How the supervisor asks a task to finish, and by when.

use tokio::sync::watch;
use tokio::time::Instant;

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
