//! The open events the detectors' simulations keep.

use std::fmt;
use std::ops::Deref;

use crate::model::{Confirmation, EventState, Finding, OpenEvent};

/// The open events a simulation keeps, as the watcher's caller keeps them: numbered from 1 in
/// the order suspected, confirmed in place, removed once closed. Reads as the list of them.
#[derive(Default)]
pub(crate) struct OpenEvents {
    events: Vec<OpenEvent>,
    last_id: i64,
}

impl OpenEvents {
    /// Opens the next event, of a suspicion; its id.
    pub(crate) fn suspect(
        &mut self,
        suspected_at: i64,
        first_recent: i64,
        finding: &Finding,
    ) -> i64 {
        self.last_id += 1;
        let event = OpenEvent::suspected(self.last_id, suspected_at, first_recent, finding);
        self.events.push(event);
        self.last_id
    }

    /// Marks suspected event `c.id` confirmed at `c.at`; the event, for what else a caller
    /// keeps of the confirmation.
    pub(crate) fn confirm(&mut self, c: &Confirmation) -> &mut OpenEvent {
        let event = self.events.iter_mut().find(|e| e.id == c.id).expect("open");
        assert_eq!(event.state, EventState::Suspected, "confirmed twice");
        event.state = EventState::Confirmed;
        event.confirmed_at = Some(c.at);
        event
    }

    /// Open event `id`.
    pub(crate) fn get(&self, id: i64) -> &OpenEvent {
        self.events.iter().find(|e| e.id == id).expect("open")
    }

    /// Removes open event `id`; its function.
    pub(crate) fn close(&mut self, id: i64) -> String {
        let at = self.events.iter().position(|e| e.id == id).expect("open");
        self.events.remove(at).function
    }
}

impl Deref for OpenEvents {
    type Target = [OpenEvent];

    fn deref(&self) -> &[OpenEvent] {
        &self.events
    }
}

/// As the list of events, which is what a failed assertion needs to show.
impl fmt::Debug for OpenEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.events.fmt(f)
    }
}
