//! The merged pprof of a window from Grafana Pyroscope, where an answer needs files and lines
//! (a function's site, a profile for Go's compiler): `SelectMergeStacktraces` with
//! `format: PROFILE_FORMAT_PPROF` (Pyroscope 2.2 and later), else `SelectMergeProfile` (1.x
//! and 2.x), in binary protobuf. Which of the two a server answers is learned from its answer
//! — a flame graph where pprof was asked for, or `unimplemented` — and remembered
//! (docs/regressions.md#the-change-that-caused-it).

use std::sync::atomic::{AtomicU8, Ordering};

use bytes::Bytes;
use prost::Message;
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use tokio::time::Instant;

use super::{modern, PyroscopeClient};
use pf_formats::formats::pyroscope_api::{
    GoPgo, ProfileFormat, SelectMergeProfileRequest, SelectMergeStacktracesRequest,
    SelectMergeStacktracesResponse, StackTraceSelector,
};
use pf_infra::outbound::Failure;
use pf_infra::sor::SorError;
use pf_model::{AppName, LabelSelector, TimeWindow};
use pf_profiles::PyroscopeApi;

/// Binary protobuf, as Connect names it.
const PROTO: &str = "application/proto";
const SELECT_MERGE_PROFILE: &str = "SelectMergeProfile";

/// Which call a server answers with pprof, as learned from its answers (0: not yet learned).
#[derive(Debug, Default)]
pub struct PprofCall(AtomicU8);

impl PprofCall {
    const STACKTRACES: u8 = 1;
    const MERGE_PROFILE: u8 = 2;

    fn merge_profile(&self) -> bool {
        self.0.load(Ordering::Relaxed) == Self::MERGE_PROFILE
    }

    fn learned(&self, call: u8) {
        self.0.store(call, Ordering::Relaxed);
    }
}

/// What a merged pprof is asked for.
#[derive(Debug, Clone)]
pub struct PprofAsked<'a> {
    pub app: &'a AppName,
    pub labels: &'a LabelSelector,
    /// The profile-type ID (`process_cpu:cpu:nanoseconds:cpu:nanoseconds`).
    pub type_id: &'a str,
    pub window: TimeWindow,
    /// For Go's compiler: each stack cut to its `keep_locations` innermost locations by the
    /// server, callees kept apart (`profilecli query go-pgo`).
    pub go_pgo: Option<u32>,
}

impl PyroscopeClient {
    /// The merged profile of `asked` as Pyroscope encodes it (a `google.v1.Profile`, not
    /// compressed): functions with their files and start lines, each location's lines, one
    /// value column, no labels; one per piece of a window longer than Pyroscope answers (none
    /// before its lookback). The legacy API has no lines: `NotImplemented`.
    ///
    /// # Errors
    /// `NotImplemented` on the legacy API; what the call fails with, as the flame-graph reads.
    pub async fn merged_pprof(
        &self,
        asked: &PprofAsked<'_>,
        deadline: Instant,
    ) -> Result<Vec<Bytes>, SorError> {
        let mut parts = Vec::new();
        for window in self.pieces(asked.window).windows {
            let piece = PprofAsked {
                window,
                ..asked.clone()
            };
            parts.push(self.merged_pprof_of(&piece, deadline).await?);
        }
        Ok(parts)
    }

    /// [`PyroscopeClient::merged_pprof`] of a window within Pyroscope's limits: one call.
    async fn merged_pprof_of(
        &self,
        asked: &PprofAsked<'_>,
        deadline: Instant,
    ) -> Result<Bytes, SorError> {
        if self.api == PyroscopeApi::Legacy {
            return Err(SorError::NotImplemented(
                "the legacy Pyroscope API answers flame graphs only, which hold no files or \
                 lines: read pushes, profile files or Grafana Pyroscope 1.x and later"
                    .into(),
            ));
        }
        let selector = modern::labelled_selector(&self.app_label, asked.app.as_str(), asked.labels);
        let stack_trace_selector = asked.go_pgo.map(|keep_locations| StackTraceSelector {
            call_site: Vec::new(),
            go_pgo: Some(GoPgo {
                keep_locations,
                aggregate_callees: false,
            }),
        });
        if !self.pprof_call.merge_profile() {
            let request = SelectMergeStacktracesRequest {
                profile_type_id: asked.type_id.to_owned(),
                label_selector: selector.clone(),
                start: asked.window.from.saturating_mul(1000),
                end: asked.window.to.saturating_mul(1000),
                format: ProfileFormat::Pprof as i32,
                stack_trace_selector: stack_trace_selector.clone(),
                ..SelectMergeStacktracesRequest::default()
            };
            let path = modern::SELECT_MERGE_STACKTRACES;
            match self
                .proto_call(path, request.encode_to_vec(), deadline)
                .await
            {
                Ok(body) => {
                    let answer = SelectMergeStacktracesResponse::decode(body).map_err(|e| {
                        SorError::Upstream(format!("Pyroscope's {path} answer is unreadable: {e}"))
                    })?;
                    if let Some(profile) = answer.pprof.and_then(|p| p.profile) {
                        self.pprof_call.learned(PprofCall::STACKTRACES);
                        return Ok(profile);
                    }
                    // A server before 2.2 answers a flame graph whatever the format asked.
                    tracing::info!(
                        "Pyroscope answers no pprof to {path}: {SELECT_MERGE_PROFILE} from now on"
                    );
                }
                Err(failure) if unimplemented(&failure) => {
                    tracing::info!(
                        "Pyroscope does not implement {path}: {SELECT_MERGE_PROFILE} from now on"
                    );
                }
                Err(failure) => return Err(self.error(path, failure)),
            }
            self.pprof_call.learned(PprofCall::MERGE_PROFILE);
        }
        let request = SelectMergeProfileRequest {
            profile_type_id: asked.type_id.to_owned(),
            label_selector: selector,
            start: asked.window.from.saturating_mul(1000),
            end: asked.window.to.saturating_mul(1000),
            stack_trace_selector,
            ..SelectMergeProfileRequest::default()
        };
        self.proto_call(SELECT_MERGE_PROFILE, request.encode_to_vec(), deadline)
            .await
            .map_err(|failure| self.error(SELECT_MERGE_PROFILE, failure))
    }

    /// One Connect call of the querier in binary protobuf, retried as every call is.
    async fn proto_call(
        &self,
        method: &str,
        body: Vec<u8>,
        deadline: Instant,
    ) -> Result<Bytes, Failure> {
        let url = self.endpoint(&[modern::SERVICE, method]);
        let body = Bytes::from(body);
        self.send(deadline, self.max_retries, || {
            self.connect_post(url.clone())
                .header(CONTENT_TYPE, PROTO)
                .body(body.clone())
        })
        .await
    }
}

/// Whether `failure` says the server does not have the method: HTTP 404 or 501, or Connect's
/// `unimplemented`.
pub(super) fn unimplemented(failure: &Failure) -> bool {
    let Failure::Status { status, body, .. } = failure else {
        return false;
    };
    if matches!(*status, StatusCode::NOT_FOUND | StatusCode::NOT_IMPLEMENTED) {
        return true;
    }
    serde_json::from_slice::<modern::ConnectError>(body).is_ok_and(|e| e.code == "unimplemented")
}
