//! A fault the integration tests inject into a running watcher: one round that panics, so the
//! supervisor's restart is seen end to end (`tests/api/task_restart.rs`). Compiled only with
//! the `fault-injection` feature (the integration tests' dev-dependency): a product build has no
//! trace of it (`strings` on the release binary finds no "injected fault").

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// The round that panics (0: none), and the rounds counted so far, across restarts.
#[derive(Debug, Clone, Default)]
pub struct InjectedPanic {
    at_round: u32,
    rounds: Arc<AtomicU32>,
}

impl InjectedPanic {
    /// Round `at_round` (1 = the first; 0 = none) panics, once in the process's life.
    pub fn at_round(at_round: u32) -> Self {
        InjectedPanic {
            at_round,
            rounds: Arc::default(),
        }
    }

    /// Counts a round; panics at the chosen one.
    pub fn round(&self) {
        let round = self
            .rounds
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        assert!(
            self.at_round == 0 || round != self.at_round,
            "injected fault: the watcher's round {round} panics"
        );
    }
}
