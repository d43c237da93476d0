//! Regressions to Alertmanager (docs/regressions.md), from one replica at a time (a PostgreSQL
//! advisory lock): every confirmed, announced event is posted as firing at once and again every
//! slice (`endsAt` = now + 4 slices, so Alertmanager resolves it by itself if every replica dies),
//! and each resolution once, recorded in the store so that no other leader sends it again.
//! Webhooks do not go this way: they are enqueued in the outbox with the transition.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::notice::RegressionNotices;
use crate::store::RegressionSor;
use pf_delivery::AlertmanagerQueue;
use pf_infra::leader::Leadership;
use pf_infra::sor::SorError;
use pf_infra::tasks::{RoundStatus, Shutdown, TaskDetails};
use pf_registry::{owners, RegistrySor};

/// How often the leader looks for new confirmations and resolutions.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// How often a standby tries to take the lead (each try opens a connection of its own).
const STANDBY_EVERY: Duration = Duration::from_secs(5);

/// What the announcer needs.
#[derive(Clone)]
pub struct Announcer {
    pub regressions: Arc<dyn RegressionSor>,
    pub leadership: Arc<dyn Leadership>,
    pub queue: Arc<AlertmanagerQueue>,
    /// Team and tier labels, and the `critical` tier; absent: none.
    pub registry: Option<Arc<dyn RegistrySor>>,
    pub notices: Arc<RegressionNotices>,
    /// How often a firing alert is re-sent: one slice.
    pub resend: Duration,
    pub status: Arc<AnnouncerStatus>,
}

/// What `/health` shows of the announcer, under `regressionAlerts`; a round is one look.
pub type AnnouncerStatus = RoundStatus<Announcing>;

/// The announcer's own details.
#[derive(Default)]
pub struct Announcing {
    leader: bool,
    firing: usize,
    last_sent: Option<DateTime<Utc>>,
}

impl TaskDetails for Announcing {
    const NAME: &'static str = "regressionAlerts";

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "role": if self.leader { "leader" } else { "standby" },
            "firing": self.firing,
            "lastSent": self.last_sent,
        })
    }
}

/// What the leader sent last.
struct Sent {
    firing: Vec<i64>,
    at: Option<Instant>,
}

impl Announcer {
    /// Announces until shutdown.
    pub async fn run(self, mut shutdown: Shutdown) {
        let mut sent = Sent {
            firing: Vec::new(),
            at: None,
        };
        loop {
            let wait = if self.status.read(|s| s.leader) {
                LOOK_EVERY
            } else {
                STANDBY_EVERY
            };
            tokio::select! {
                _ = shutdown.requested() => return,
                () = tokio::time::sleep(wait) => {}
            }
            match self.once(&mut sent).await {
                Ok(()) => self.status.succeeded(),
                Err(e) => self.status.failed(e.to_string()),
            }
        }
    }

    /// One look: lead or stand by; as the leader, post what changed or is due again.
    async fn once(&self, sent: &mut Sent) -> Result<(), SorError> {
        let leader = self.leadership.lead().await?;
        self.status.update(|s| s.leader = leader);
        if !leader {
            sent.at = None;
            return Ok(());
        }
        let (firing, resolved) = self.regressions.announcements().await?;
        let ids: Vec<i64> = firing.iter().map(|e| e.id).collect();
        let due = sent.at.is_none_or(|at| at.elapsed() >= self.resend);
        if ids == sent.firing && resolved.is_empty() && !due {
            return Ok(());
        }
        let owners = owners(self.registry.as_deref()).await;
        let now = Utc::now();
        let alert = |e| self.notices.alert(e, owners.get(&e.app_name), now);
        let firing_alerts: Vec<_> = firing.iter().map(alert).collect();
        let resolved_alerts: Vec<_> = resolved.iter().map(alert).collect();
        self.queue
            .post("regressions", &firing_alerts, &resolved_alerts);
        if !resolved.is_empty() {
            let done: Vec<i64> = resolved.iter().map(|e| e.id).collect();
            self.regressions.resolutions_sent(&done).await?;
        }
        *sent = Sent {
            firing: ids,
            at: Some(Instant::now()),
        };
        self.status.update(|s| {
            s.firing = firing.len();
            s.last_sent = Some(now);
        });
        Ok(())
    }
}

#[cfg(test)]
#[path = "announcer_tests.rs"]
mod tests;
