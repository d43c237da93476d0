//! A budget of calls to a shared server (docs/at-scale.md, "Within Pyroscope's limits"): at most
//! `max_in_flight` at once in this process, people's reads served before the watcher's, and a
//! pause that every caller keeps while the server asks for one (a 429 with its `Retry-After`),
//! widening while it keeps refusing. One per peer, held by its client.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::backoff::Backoff;

/// Who a call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Someone waiting for an answer: a route.
    Person,
    /// Work that runs by itself: the watcher.
    Background,
}

tokio::task_local! {
    static BACKGROUND: Cell<bool>;
}

/// Runs `work` with every budgeted call it makes counted as background work.
pub async fn in_background<F: Future>(work: F) -> F::Output {
    BACKGROUND.scope(Cell::new(true), work).await
}

/// The priority of calls made from the current task.
pub fn current_priority() -> Priority {
    match BACKGROUND.try_with(Cell::get) {
        Ok(true) => Priority::Background,
        _ => Priority::Person,
    }
}

/// What a budget saw, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BudgetCounts {
    pub in_flight: usize,
    pub peak_in_flight: usize,
    pub waiting: usize,
}

struct State {
    in_flight: usize,
    peak: usize,
    people: VecDeque<oneshot::Sender<()>>,
    background: VecDeque<oneshot::Sender<()>>,
    /// No call starts before this, while the server asks for a pause.
    paused_until: Option<Instant>,
    /// Refusals in a row, for the widening pause.
    refusals: u32,
}

/// The budget of one peer.
#[derive(Clone)]
pub struct Budget {
    max_in_flight: usize,
    pause: Backoff,
    /// The longest pause a peer's `Retry-After` is believed for (`pyroscope.max_retry_after_secs`).
    max_pause: Duration,
    state: Arc<Mutex<State>>,
}

/// A call's place in the budget; the place is given back when it is dropped.
pub struct Permit {
    state: Arc<Mutex<State>>,
}

impl Budget {
    /// At most `max_in_flight` calls at once (at least one); a refusal without `Retry-After`
    /// pauses every caller by `pause`'s delay for the refusals so far, one with it for what it
    /// says up to `max_pause`.
    pub fn new(max_in_flight: usize, pause: Backoff, max_pause: Duration) -> Self {
        Budget {
            max_in_flight: max_in_flight.max(1),
            pause,
            max_pause,
            state: Arc::new(Mutex::new(State {
                in_flight: 0,
                peak: 0,
                people: VecDeque::new(),
                background: VecDeque::new(),
                paused_until: None,
                refusals: 0,
            })),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for one call at `priority`, once one is free and no pause holds; `None` when
    /// `deadline` comes first.
    pub async fn acquire(&self, priority: Priority, deadline: Instant) -> Option<Permit> {
        loop {
            let paused = self.state().paused_until.filter(|&u| u > Instant::now());
            if let Some(until) = paused {
                if until >= deadline {
                    return None;
                }
                tokio::time::sleep_until(until).await;
                continue;
            }
            let mut waiter = {
                let mut state = self.state();
                if state.in_flight < self.max_in_flight
                    && (priority == Priority::Person || state.people.is_empty())
                {
                    state.in_flight += 1;
                    state.peak = state.peak.max(state.in_flight);
                    return Some(self.permit());
                }
                let (tx, rx) = oneshot::channel();
                match priority {
                    Priority::Person => state.people.push_back(tx),
                    Priority::Background => state.background.push_back(tx),
                }
                Waiter {
                    rx: Some(rx),
                    state: Arc::clone(&self.state),
                }
            };
            // A released place is handed over: the caller woken holds it already.
            let Some(rx) = waiter.rx.as_mut() else {
                continue;
            };
            match tokio::time::timeout_at(deadline, rx).await {
                Ok(Ok(())) => {
                    waiter.rx = None;
                    return Some(self.permit());
                }
                Ok(Err(_)) => continue,
                // The waiter gives back a place handed over as the deadline came.
                Err(_) => return None,
            }
        }
    }

    fn permit(&self) -> Permit {
        Permit {
            state: Arc::clone(&self.state),
        }
    }

    /// The server refused a call: every caller pauses for `retry_after` (the server's word),
    /// else for a delay that widens with each refusal in a row. Answers the pause.
    pub fn refused(&self, retry_after: Option<Duration>) -> Duration {
        let mut state = self.state();
        let pause = self.capped(retry_after.unwrap_or_else(|| self.pause.delay(state.refusals)));
        state.refusals = state.refusals.saturating_add(1);
        // Capped, the sum cannot overflow; a peer's number never ends the process.
        let until = Instant::now()
            .checked_add(pause)
            .unwrap_or_else(Instant::now);
        if state.paused_until.is_none_or(|u| u < until) {
            state.paused_until = Some(until);
        }
        pause
    }

    /// `pause` as long as this budget believes a peer: at most `max_pause`.
    pub fn capped(&self, pause: Duration) -> Duration {
        pause.min(self.max_pause)
    }

    /// The server answered: the widening starts again from its first step.
    pub fn answered(&self) {
        self.state().refusals = 0;
    }

    pub fn counts(&self) -> BudgetCounts {
        let state = self.state();
        BudgetCounts {
            in_flight: state.in_flight,
            peak_in_flight: state.peak,
            waiting: state.people.len() + state.background.len(),
        }
    }
}

/// A caller waiting for a place. Dropped before it took one (its deadline came, or its
/// request went away), it gives back a place handed to it meanwhile.
struct Waiter {
    rx: Option<oneshot::Receiver<()>>,
    state: Arc<Mutex<State>>,
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if rx.try_recv().is_ok() {
                release(&self.state);
            }
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        release(&self.state);
    }
}

/// Gives a place back: to the next waiter, people first (a waiter that gave up is skipped),
/// else to the budget.
fn release(state: &Mutex<State>) {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let next = match state.people.pop_front() {
            Some(tx) => tx,
            None => match state.background.pop_front() {
                Some(tx) => tx,
                None => break,
            },
        };
        if next.send(()).is_ok() {
            return;
        }
    }
    state.in_flight = state.in_flight.saturating_sub(1);
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
