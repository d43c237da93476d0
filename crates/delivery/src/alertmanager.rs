//! Alerts for Prometheus Alertmanager (`POST /api/v2/alerts`). Producers (the rule evaluator)
//! post what fires and what resolved into a queue and go on; the delivery task sends the queue
//! in one request at a time, so a slow or unreachable Alertmanager never holds up an
//! evaluation, and the alerts arrive in the order they were produced.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Notify;

/// Resolutions kept for a later request while Alertmanager cannot be reached; past this the
/// oldest are dropped (Alertmanager resolves those by their `endsAt` anyway).
const MAX_RESOLUTIONS_KEPT: usize = 10_000;

/// One alert as Alertmanager's API takes it; `L` and `A` are the labels and annotations.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerAlert<L, A> {
    pub labels: L,
    pub annotations: A,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// In the future while firing; the resolution time once resolved.
    pub ends_at: DateTime<Utc>,
    #[serde(rename = "generatorURL", skip_serializing_if = "Option::is_none")]
    pub generator_url: Option<String>,
}

/// The labels of an alert as it goes out: Alertmanager tells alerts apart by them.
fn labels_of(alert: &Value) -> &Value {
    &alert["labels"]
}

#[derive(Default)]
struct Waiting {
    /// What each producer has firing now: replaced at each post.
    firing: BTreeMap<&'static str, Vec<Value>>,
    /// Resolutions not sent yet, oldest first.
    resolved: Vec<Value>,
}

/// Alerts waiting for the next request to Alertmanager.
#[derive(Default)]
pub struct AlertmanagerQueue {
    waiting: Mutex<Waiting>,
    posted: Notify,
}

impl AlertmanagerQueue {
    /// Replaces what `producer` has firing with `firing` and adds its `resolved` alerts.
    pub fn post<L: Serialize, A: Serialize>(
        &self,
        producer: &'static str,
        firing: &[AlertmanagerAlert<L, A>],
        resolved: &[AlertmanagerAlert<L, A>],
    ) {
        let as_json = |a: &AlertmanagerAlert<L, A>| serde_json::to_value(a).ok();
        let firing: Vec<Value> = firing.iter().filter_map(as_json).collect();
        let resolved = resolved.iter().filter_map(as_json);
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.firing.insert(producer, firing);
        waiting.resolved.extend(resolved);
        let excess = waiting.resolved.len().saturating_sub(MAX_RESOLUTIONS_KEPT);
        waiting.resolved.drain(..excess);
        drop(waiting);
        self.posted.notify_one();
    }

    /// Waits until something was posted since the last [`AlertmanagerQueue::take`].
    pub async fn posted(&self) {
        self.posted.notified().await;
    }

    /// Everything waiting, as one request's body, and the resolutions in it (to put back if the
    /// request fails). A resolution of an alert that fires again is dropped.
    pub fn take(&self) -> (Vec<Value>, Vec<Value>) {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        let firing: Vec<Value> = std::mem::take(&mut waiting.firing)
            .into_values()
            .flatten()
            .collect();
        let resolved = std::mem::take(&mut waiting.resolved);
        drop(waiting);
        let live: HashSet<&Value> = firing.iter().map(labels_of).collect();
        let resolved: Vec<Value> = resolved
            .into_iter()
            .filter(|alert| !live.contains(labels_of(alert)))
            .collect();
        let body = firing.iter().chain(&resolved).cloned().collect();
        (body, resolved)
    }

    /// Puts back resolutions whose request failed, before any posted since.
    pub fn put_back(&self, mut resolutions: Vec<Value>) {
        if resolutions.is_empty() {
            return;
        }
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        resolutions.append(&mut waiting.resolved);
        let excess = resolutions.len().saturating_sub(MAX_RESOLUTIONS_KEPT);
        resolutions.drain(..excess);
        waiting.resolved = resolutions;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(app: &str, ends: i64) -> AlertmanagerAlert<BTreeMap<&'static str, String>, ()> {
        AlertmanagerAlert {
            labels: BTreeMap::from([("app", app.to_owned())]),
            annotations: (),
            starts_at: None,
            ends_at: DateTime::from_timestamp(ends, 0).unwrap(),
            generator_url: None,
        }
    }

    #[test]
    fn the_api_names_its_fields_in_camel_case_and_the_generator_url_in_capitals() {
        let mut a = alert("checkout", 0);
        a.generator_url = Some("http://x/".into());
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["endsAt"], "1970-01-01T00:00:00Z");
        assert_eq!(json["generatorURL"], "http://x/");
        assert!(json.get("startsAt").is_none());
    }

    #[test]
    fn a_new_post_replaces_what_its_producer_had_firing_and_keeps_resolutions() {
        let queue = AlertmanagerQueue::default();
        queue.post("rules", &[alert("a", 10), alert("b", 10)], &[]);
        queue.post("rules", &[alert("a", 20)], &[alert("b", 15)]);
        queue.post("other", &[alert("c", 20)], &[]);
        let (body, resolved) = queue.take();
        let apps: Vec<&str> = body
            .iter()
            .map(|a| a["labels"]["app"].as_str().unwrap())
            .collect();
        assert_eq!(apps, ["c", "a", "b"]);
        assert_eq!(resolved.len(), 1);
        assert!(queue.take().0.is_empty(), "taken once");
    }

    #[test]
    fn a_resolution_put_back_goes_out_again_unless_the_alert_fires_again() {
        let queue = AlertmanagerQueue::default();
        queue.post("rules", &[], &[alert("a", 15), alert("b", 15)]);
        let (_, resolved) = queue.take();
        queue.put_back(resolved);
        queue.post("rules", &[alert("a", 30)], &[]);
        let (body, resolved) = queue.take();
        assert_eq!(body.len(), 2);
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0]["labels"]["app"], "b");
    }
}
