//! The stub Pyroscopes of the black-box tests, each with the hours it serves named for what
//! they are:
//! - [`java`]: one Java service with an incident hour (`INCIDENT_FROM..INCIDENT_TO`) and a
//!   calm hour before it; the triage, diff, fleet, alert and gate tests;
//! - [`generated`]: three apps with large generated flame graphs, a `CURRENT_*` hour and the
//!   `BASELINE_*` hour before it; the split, contract and history tests;
//! - [`noisy`]: profiles that move with time, minute by minute; the statistics of
//!   docs/api.md#how-sure-is-a-diff;
//! - [`fleet`]: a fleet of noisy apps, one of them deploying; the watcher
//!   (docs/profiles-over-time.md).
//!
//! [`tls_front`] puts HTTPS with a private CA (and, if asked, a demand for a client
//! certificate) in front of any of them.

pub mod fleet;
pub mod generated;
pub mod java;
pub mod noisy;
pub mod standin;
pub mod standin_client;
mod standin_connect;
mod standin_flame;
pub mod standin_limits;
mod standin_merge;
mod standin_push;
mod standin_query;
mod standin_select;
mod standin_series;
mod standin_shape;
mod standin_store;
pub mod tls_front;

use serde_json::Value;

/// Pyroscope's merged-profile query.
pub const SELECT: &str = "/querier.v1.QuerierService/SelectMergeStacktraces";
/// Pyroscope's label-values query.
pub const LABEL_VALUES: &str = "/querier.v1.QuerierService/LabelValues";

/// Matches a Pyroscope query whose window starts before `self.0` (epoch ms): the baseline
/// hour and every part of it, so a window cut into parts is the same profile throughout.
pub struct StartsBefore(pub i64);

impl wiremock::Match for StartsBefore {
    fn matches(&self, request: &wiremock::Request) -> bool {
        serde_json::from_slice::<Value>(&request.body)
            .ok()
            .and_then(|body| body["start"].as_i64())
            .is_some_and(|start| start < self.0)
    }
}
