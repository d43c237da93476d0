//! `Intake`: what the push routes call (SPEC §16). Decodes a push into profiles, hands them to
//! the store, and counts the outcome; without a store (the service reads Pyroscope) every push
//! is a conflict that sends agents to Pyroscope.

use std::sync::Arc;

use prometheus::{IntCounter, IntCounterVec, Opts};

use super::ingest::{
    decode_otlp, decode_push, ingest_body, BodyForm, IngestError, IngestQuery, OtlpEncoding,
    PushEncoding,
};
use super::store::{ProfileStore, StoreError};
use crate::telemetry::Metrics;

/// Why a push was not kept, for the route to answer.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The service reads Pyroscope: agents belong there (409).
    #[error(
        "this service reads Grafana Pyroscope at {0}: point the agents at Pyroscope, not here"
    )]
    ReadsPyroscope(String),
}

impl From<IngestError> for IntakeError {
    fn from(e: IngestError) -> Self {
        IntakeError::Store(StoreError::Refused(e))
    }
}

/// What a kept push holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub profiles: usize,
    pub bytes: u64,
}

/// The body of one push as the route read it.
pub struct PushBody<'a> {
    pub content_type: &'a str,
    /// `Content-Encoding: gzip`.
    pub gzipped: bool,
    pub bytes: bytes::Bytes,
}

/// The push routes' service.
pub struct Intake {
    store: Result<Arc<ProfileStore>, String>,
    app_label: String,
    max_decoded: u64,
    requests: IntCounterVec,
    bytes: IntCounter,
}

impl Intake {
    /// Pushes kept by `store`, or refused as [`IntakeError::ReadsPyroscope`] with its URL.
    pub fn new(
        store: Result<Arc<ProfileStore>, String>,
        (app_label, max_decoded): (&str, u64),
        metrics: &Metrics,
    ) -> Result<Self, prometheus::Error> {
        let requests = IntCounterVec::new(
            Opts::new(
                "ingest_requests_total",
                "Pushes by route and outcome (ok, refused, busy, conflict, failed)",
            ),
            &["route", "outcome"],
        )?;
        let bytes = IntCounter::new(
            "ingest_bytes_total",
            "Bytes of pushed bodies received, as sent",
        )?;
        metrics.register(Box::new(requests.clone()))?;
        metrics.register(Box::new(bytes.clone()))?;
        Ok(Intake {
            store,
            app_label: app_label.to_owned(),
            max_decoded,
            requests,
            bytes,
        })
    }

    /// Pyroscope's `/ingest`.
    pub async fn ingest(
        &self,
        query: &IngestQuery,
        body: PushBody<'_>,
        now: i64,
    ) -> Result<Kept, IntakeError> {
        let outcome = async {
            let store = self.store()?;
            let bytes = self.unzipped(&body)?;
            let form = BodyForm::of(query.format.as_deref(), body.content_type, &bytes)?;
            let pushed = ingest_body(query, form, bytes).await?;
            let profiles = pushed.len();
            let written = if profiles == 0 {
                0
            } else {
                store.keep(pushed, now).await?
            };
            Ok(Kept {
                profiles,
                bytes: written,
            })
        }
        .await;
        self.count("ingest", &body, outcome)
    }

    /// Pyroscope's Connect `push.v1.PusherService/Push`.
    pub async fn push(&self, body: PushBody<'_>, now: i64) -> Result<Kept, IntakeError> {
        let outcome = async {
            let store = self.store()?;
            let media = body
                .content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim();
            let encoding = match media {
                "application/proto" | "application/protobuf" | "application/x-protobuf" => {
                    PushEncoding::Proto
                }
                "application/json" => PushEncoding::Json,
                other => {
                    return Err(IngestError::Unsupported(format!(
                        "Content-Type `{other}` is not served: send application/proto or \
                         application/json"
                    ))
                    .into())
                }
            };
            let limits = (self.app_label.as_str(), self.max_decoded);
            let pushed = decode_push(&body.bytes, encoding, body.gzipped, limits)?;
            let profiles = pushed.len();
            let written = store.keep(pushed, now).await?;
            Ok(Kept {
                profiles,
                bytes: written,
            })
        }
        .await;
        self.count("push", &body, outcome)
    }

    /// OTLP/HTTP profiles: what was kept, and why the profiles that were not were rejected.
    pub async fn otlp(
        &self,
        body: PushBody<'_>,
        now: i64,
    ) -> Result<(Kept, Vec<String>), IntakeError> {
        let outcome = async {
            let store = self.store()?;
            let media = body
                .content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim();
            let encoding = match media {
                "application/x-protobuf" | "application/protobuf" => OtlpEncoding::Proto,
                "application/json" => OtlpEncoding::Json,
                other => {
                    return Err(IngestError::Unsupported(format!(
                        "Content-Type `{other}` is not served: send application/x-protobuf or \
                         application/json"
                    ))
                    .into())
                }
            };
            let export = decode_otlp(&body.bytes, encoding, body.gzipped, self.max_decoded)?;
            let profiles = export.pushed.len();
            let written = if profiles == 0 {
                0
            } else {
                store.keep(export.pushed, now).await?
            };
            Ok((
                Kept {
                    profiles,
                    bytes: written,
                },
                export.rejected,
            ))
        }
        .await;
        self.count("otlp", &body, outcome)
    }

    fn store(&self) -> Result<&ProfileStore, IntakeError> {
        self.store
            .as_deref()
            .map_err(|url| IntakeError::ReadsPyroscope(url.clone()))
    }

    /// The body without its `Content-Encoding: gzip`.
    fn unzipped(&self, body: &PushBody<'_>) -> Result<bytes::Bytes, IngestError> {
        if body.gzipped {
            Ok(super::ingest::gunzip(&body.bytes, self.max_decoded)?.into())
        } else {
            Ok(body.bytes.clone())
        }
    }

    /// Counts a push's bytes and its outcome under `route`.
    fn count<T>(
        &self,
        route: &str,
        body: &PushBody<'_>,
        outcome: Result<T, IntakeError>,
    ) -> Result<T, IntakeError> {
        self.bytes.inc_by(body.bytes.len() as u64);
        let label = match &outcome {
            Ok(_) => "ok",
            Err(IntakeError::ReadsPyroscope(_)) => "conflict",
            Err(IntakeError::Store(StoreError::Busy(_))) => "busy",
            Err(IntakeError::Store(StoreError::Refused(_))) => "refused",
            Err(IntakeError::Store(StoreError::Unwritable(_))) => "failed",
        };
        self.requests.with_label_values(&[route, label]).inc();
        outcome
    }
}
