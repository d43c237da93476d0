//! The one status behind the `/health` entry of every task that works in rounds (the watcher,
//! the rule evaluator, delivery, the regression announcer, the push store's upkeep): how its
//! rounds go, with one rule for when failures show, beside what the task shows of its own.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Failed rounds in a row before `/health` shows a task down: a process starting before its
/// schema is migrated fails a round or two, and is not broken for that. Until then the
/// failures show in the details (`failuresInARow`, `lastError`) of a task still up.
const FAILURES_SHOWN_FROM: u32 = 3;

/// How a task is doing, for `/health`: a [`RoundStatus`], or the state of a task that only
/// waits (the schema migrations, the embedded PostgreSQL) or counts (the history writer).
pub trait TaskStatus: Send + Sync {
    /// Its key under `/health`'s `checks`.
    fn name(&self) -> &'static str;
    /// Details while it does its work; otherwise why not (shown `down`, so `degraded`).
    fn state(&self) -> Result<Option<serde_json::Value>, String>;
}

/// What a task shows in `/health` besides how its rounds go.
pub trait TaskDetails: Send + 'static {
    /// Its key under `/health`'s `checks`.
    const NAME: &'static str;
    /// Its own fields of `details`, as a JSON object.
    fn json(&self) -> serde_json::Value;
}

/// A task's rounds and its own details, as `/health` shows them.
#[derive(Default)]
pub struct RoundStatus<D> {
    state: Mutex<State<D>>,
}

#[derive(Default)]
struct State<D> {
    details: D,
    failures_in_a_row: u32,
    /// Why the last round failed; none once one succeeds.
    last_error: Option<String>,
}

impl<D: TaskDetails> RoundStatus<D> {
    /// A status showing `details` until the task changes them.
    pub fn showing(details: D) -> Self {
        RoundStatus {
            state: Mutex::new(State {
                details,
                failures_in_a_row: 0,
                last_error: None,
            }),
        }
    }

    /// A round succeeded: the failures in a row are over.
    pub fn succeeded(&self) {
        let mut state = self.lock();
        state.failures_in_a_row = 0;
        state.last_error = None;
    }

    /// A round failed, for `why`.
    pub fn failed(&self, why: impl Into<String>) {
        let mut state = self.lock();
        state.failures_in_a_row = state.failures_in_a_row.saturating_add(1);
        state.last_error = Some(why.into());
    }

    /// Changes the task's own details.
    pub fn update<T>(&self, change: impl FnOnce(&mut D) -> T) -> T {
        change(&mut self.lock().details)
    }

    /// Reads the task's own details.
    pub fn read<T>(&self, look: impl FnOnce(&D) -> T) -> T {
        look(&self.lock().details)
    }

    /// The state stays usable after a panic elsewhere while the lock was held.
    fn lock(&self) -> MutexGuard<'_, State<D>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<D: TaskDetails> TaskStatus for RoundStatus<D> {
    fn name(&self) -> &'static str {
        D::NAME
    }

    fn state(&self) -> Result<Option<serde_json::Value>, String> {
        let state = self.lock();
        if let Some(why) = &state.last_error {
            if state.failures_in_a_row >= FAILURES_SHOWN_FROM {
                return Err(format!(
                    "{} rounds in a row failed, the last: {why}",
                    state.failures_in_a_row
                ));
            }
        }
        let mut details = state.details.json();
        if let Some(fields) = details.as_object_mut() {
            fields.insert("failuresInARow".into(), state.failures_in_a_row.into());
            if let Some(why) = &state.last_error {
                fields.insert("lastError".into(), why.clone().into());
            }
        }
        Ok(Some(details))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counted(u32);

    impl TaskDetails for Counted {
        const NAME: &'static str = "counted";

        fn json(&self) -> serde_json::Value {
            serde_json::json!({ "count": self.0 })
        }
    }

    #[test]
    fn failures_show_in_the_details_until_enough_in_a_row_show_the_task_down() {
        let status = RoundStatus::<Counted>::default();
        status.update(|d| d.0 = 7);
        assert_eq!(
            status.state(),
            Ok(Some(serde_json::json!({"count": 7, "failuresInARow": 0})))
        );
        for n in 1..FAILURES_SHOWN_FROM {
            status.failed(format!("failure {n}"));
            let details = status.state().unwrap().unwrap();
            assert_eq!(details["failuresInARow"], n);
            assert_eq!(details["lastError"], format!("failure {n}"));
            assert_eq!(details["count"], 7);
        }
        status.failed("the last");
        assert_eq!(
            status.state(),
            Err(format!(
                "{FAILURES_SHOWN_FROM} rounds in a row failed, the last: the last"
            ))
        );
        status.succeeded();
        assert_eq!(
            status.state(),
            Ok(Some(serde_json::json!({"count": 7, "failuresInARow": 0})))
        );
        assert_eq!(status.name(), "counted");
    }
}
