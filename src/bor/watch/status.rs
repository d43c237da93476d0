//! What `/health` shows of the watcher: series held by this replica, the lag of the oldest
//! slice not summarized yet, and the last failure.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::tasks::TaskStatus;

/// Failed rounds in a row before `/health` shows the watcher down: a process starting before
/// its schema is migrated fails a round or two, and is not broken for that.
const FAILURES_SHOWN_FROM: u32 = 3;

/// The watcher's state, as `/health` shows it under `profileWatch`.
#[derive(Default)]
pub struct WatchStatus {
    pub held: AtomicUsize,
    pub lag_secs: AtomicI64,
    failure: Mutex<(Option<String>, u32)>,
}

impl WatchStatus {
    /// A round of the watcher succeeded.
    pub fn succeeded(&self) {
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = (None, 0);
    }

    /// A round failed, for `why`.
    pub fn failed(&self, why: String) {
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        let in_a_row = failure.1.saturating_add(1);
        *failure = (Some(why), in_a_row);
    }
}

impl TaskStatus for WatchStatus {
    fn name(&self) -> &'static str {
        "profileWatch"
    }

    fn state(&self) -> Result<Option<serde_json::Value>, String> {
        let failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Some(why), in_a_row) = &*failure {
            if *in_a_row >= FAILURES_SHOWN_FROM {
                return Err(why.clone());
            }
        }
        Ok(Some(serde_json::json!({
            "seriesHeld": self.held.load(Ordering::Relaxed),
            "lagSeconds": self.lag_secs.load(Ordering::Relaxed),
        })))
    }
}
