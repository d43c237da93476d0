//! Delivery as one background task under the supervisor: the outbox drain and the
//! Alertmanager sender run side by side until shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use url::Url;

use super::alertmanager::AlertmanagerQueue;
use super::drain::Drain;
use super::status::DeliveryStatus;
use super::{count, describe};
use pf_infra::backoff::Backoff;
use pf_infra::outbound::Outbound;
use pf_infra::tasks::Shutdown;

/// Retries of one Alertmanager request, within the delivery timeout.
const ALERTMANAGER_RETRY: Backoff = Backoff {
    base: Duration::from_millis(200),
    max_delay: Duration::from_secs(2),
    max_retries: 3,
};

/// Where Alertmanager is, and how it is called.
#[derive(Clone)]
pub struct AlertmanagerTarget {
    pub client: Outbound,
    /// Its base URL; alerts go to `api/v2/alerts` under it.
    pub url: Url,
}

/// Everything delivery needs to run on its own.
#[derive(Clone)]
pub struct DeliveryTask {
    pub drain: Arc<Drain>,
    pub alertmanager: Option<AlertmanagerTarget>,
    pub queue: Arc<AlertmanagerQueue>,
    /// Notified when this process enqueued a notification.
    pub wake: Arc<Notify>,
    pub status: Arc<DeliveryStatus>,
}

impl DeliveryTask {
    /// Delivers until shutdown.
    pub async fn run(self, shutdown: Shutdown) {
        let drain = self
            .drain
            .clone()
            .run(&self.wake, &self.status, shutdown.clone());
        let push = self.push_alerts(shutdown);
        tokio::join!(drain, push);
    }

    /// Sends what waits in the queue, one request at a time, each within the delivery timeout.
    async fn push_alerts(&self, mut shutdown: Shutdown) {
        let Some(target) = &self.alertmanager else {
            return;
        };
        let url = target
            .url
            .join("api/v2/alerts")
            .unwrap_or_else(|_| target.url.clone());
        loop {
            tokio::select! {
                () = self.queue.posted() => {}
                _ = shutdown.requested() => return,
            }
            let (body, resolutions) = self.queue.take();
            if body.is_empty() {
                continue;
            }
            let deadline = Instant::now() + self.drain.timeout;
            let sent = target
                .client
                .send(deadline, ALERTMANAGER_RETRY, || {
                    target.client.client().post(url.clone()).json(&body)
                })
                .await;
            match sent {
                Ok(_) => count(&self.drain.metrics, "alertmanager", "ok"),
                Err(failure) => {
                    count(&self.drain.metrics, "alertmanager", "error");
                    tracing::warn!(error = %describe(&failure), alerts = body.len(), "Alertmanager did not take the alerts; firing ones go again with the next evaluation");
                    self.queue.put_back(resolutions);
                }
            }
        }
    }
}
