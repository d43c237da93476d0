//! What `/health` shows of the watcher beside how its rounds go: series held by this replica
//! and the lag of the oldest slice not summarized yet.

use pf_infra::tasks::{RoundStatus, TaskDetails};

/// The watcher's state, as `/health` shows it under `profileWatch`.
pub type WatchStatus = RoundStatus<Watching>;

/// The watcher's own details.
#[derive(Default)]
pub struct Watching {
    /// Series this replica works on.
    pub held: usize,
    /// Seconds from the end of the oldest slice not summarized yet to now.
    pub lag_secs: i64,
}

impl TaskDetails for Watching {
    const NAME: &'static str = "profileWatch";

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "seriesHeld": self.held,
            "lagSeconds": self.lag_secs,
        })
    }
}
