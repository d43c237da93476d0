//! `Intake`: what the push routes call (docs/agents.md#pushing-from-agents). Decodes a push into
//! profiles and hands them to the store, both on the blocking pool
//! (docs/performance.md#off-the-request-threads-decoded-once-issue-46), and counts the
//! outcome; without a store (the service reads Pyroscope) every push is a conflict that sends
//! agents to Pyroscope.

use std::sync::Arc;

use prometheus::{IntCounter, IntCounterVec, Opts};

use crate::{
    decode_otlp, decode_push, ingest_body, BodyForm, IngestError, IngestQuery, Pushed, WireEncoding,
};
use pf_infra::telemetry::Metrics;
use pf_profile_files::{stated_size, Admission, ProfileStore, StoreError, DECODING_PER_BYTE};

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
    /// The work of the push on the blocking pool ended without an outcome (it panicked, or the
    /// runtime is stopping): nothing was acknowledged (500).
    #[error("the push could not be decoded and kept: {0}")]
    Failed(String),
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

/// The body of one push as the route read it, with the place it was admitted to.
pub struct PushBody {
    pub admission: Admission,
    pub parts: BodyParts,
}

impl std::ops::Deref for PushBody {
    type Target = BodyParts;

    fn deref(&self) -> &BodyParts {
        &self.parts
    }
}

/// What a push's body is made of.
pub struct BodyParts {
    pub content_type: String,
    /// `Content-Encoding: gzip`.
    pub gzipped: bool,
    pub bytes: bytes::Bytes,
}

impl BodyParts {
    /// Sent as JSON (Connect's or OTLP's), so answered in JSON.
    pub fn is_json(&self) -> bool {
        self.content_type.starts_with("application/json")
    }

    /// The body without its `Content-Encoding: gzip`, within `max_decoded` bytes.
    fn unzipped(&self, max_decoded: u64) -> Result<bytes::Bytes, IngestError> {
        if self.gzipped {
            Ok(crate::gunzip(&self.bytes, max_decoded)?.into())
        } else {
            Ok(self.bytes.clone())
        }
    }
}

/// What the intake reads pushes by.
#[derive(Debug, Clone)]
pub struct IntakeLimits {
    /// The Connect push's label naming the app (`pyroscope.app_label`).
    pub app_label: String,
    /// Largest body as sent (`ingest.max_body_bytes`).
    pub max_body_bytes: usize,
    /// Largest body or profile once decompressed (`profiles.max_decoded_bytes`).
    pub max_decoded_bytes: u64,
}

/// The push routes' service. Everything a push costs in CPU (decompressing, decoding,
/// converting, relabelling, compressing) and its writes run on the blocking pool, never on
/// the thread that serves HTTP
/// (docs/performance.md#off-the-request-threads-decoded-once-issue-46).
pub struct Intake {
    store: Result<Arc<ProfileStore>, String>,
    app_label: Arc<str>,
    max_body: usize,
    max_decoded: u64,
    requests: IntCounterVec,
    bytes: IntCounter,
}

impl Intake {
    /// Pushes kept by `store`, or refused as [`IntakeError::ReadsPyroscope`] with its URL.
    pub fn new(
        store: Result<Arc<ProfileStore>, String>,
        limits: IntakeLimits,
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
            app_label: limits.app_label.into(),
            max_body: limits.max_body_bytes,
            max_decoded: limits.max_decoded_bytes,
            requests,
            bytes,
        })
    }

    /// A place among the pushes decoded and written at once, with the memory of a body of
    /// `body_bytes` (its `Content-Length`, else the largest body), taken before the push's body
    /// is read (SPEC §34): refused at once when the service reads Pyroscope (409) or every place
    /// or the pushes' memory is taken (429), so no waiting body holds memory beyond them.
    pub fn admit(&self, route: &str, body_bytes: u64) -> Result<Admission, IntakeError> {
        let body_bytes = body_bytes.min(self.max_body as u64);
        let admitted = self
            .store
            .as_ref()
            .map_err(|url| IntakeError::ReadsPyroscope(url.clone()))
            .and_then(|store| Ok(store.admit(body_bytes)?));
        match admitted {
            Ok(admission) => Ok(admission),
            refused => self.count(route, 0, refused),
        }
    }

    /// Pyroscope's `/ingest`.
    pub async fn ingest(
        &self,
        query: IngestQuery,
        body: PushBody,
        now: i64,
    ) -> Result<Kept, IntakeError> {
        let (sent, max_decoded) = (body.bytes.len(), self.max_decoded);
        let admission = body.admission;
        let body = body.parts;
        let outcome = self
            .off_thread(admission, move |store, mut admission| {
                reserve_unzipped(&mut admission, &body)?;
                let bytes = body.unzipped(max_decoded)?;
                let form = BodyForm::of(query.format.as_deref(), &body.content_type, &bytes)?;
                if form == BodyForm::Jfr {
                    // Its events, read into profiles of every type it holds.
                    admission.reserve((bytes.len() as u64).saturating_mul(DECODING_PER_BYTE))?;
                }
                let pushed = ingest_body(&query, form, bytes, max_decoded)?;
                keep(store, admission, pushed, now)
            })
            .await;
        self.count("ingest", sent, outcome)
    }

    /// Pyroscope's Connect `push.v1.PusherService/Push`.
    pub async fn push(&self, body: PushBody, now: i64) -> Result<Kept, IntakeError> {
        let (sent, max_decoded) = (body.bytes.len(), self.max_decoded);
        let app_label = self.app_label.clone();
        let admission = body.admission;
        let body = body.parts;
        let outcome = self
            .off_thread(admission, move |store, mut admission| {
                reserve_unzipped(&mut admission, &body)?;
                let proto = [
                    "application/proto",
                    "application/protobuf",
                    "application/x-protobuf",
                ];
                let encoding = encoding(&body.content_type, &proto)?;
                let limits = (&*app_label, max_decoded);
                let pushed = decode_push(&body.bytes, encoding, body.gzipped, limits)?;
                keep(store, admission, pushed, now)
            })
            .await;
        self.count("push", sent, outcome)
    }

    /// OTLP/HTTP profiles: what was kept, and why the profiles that were not were rejected.
    pub async fn otlp(&self, body: PushBody, now: i64) -> Result<(Kept, Vec<String>), IntakeError> {
        let (sent, max_decoded) = (body.bytes.len(), self.max_decoded);
        let admission = body.admission;
        let body = body.parts;
        let outcome = self
            .off_thread(admission, move |store, mut admission| {
                reserve_unzipped(&mut admission, &body)?;
                let proto = ["application/x-protobuf", "application/protobuf"];
                let encoding = encoding(&body.content_type, &proto)?;
                let export = decode_otlp(&body.bytes, encoding, body.gzipped, max_decoded)?;
                Ok((keep(store, admission, export.pushed, now)?, export.rejected))
            })
            .await;
        self.count("otlp", sent, outcome)
    }

    /// The largest body a push may send, as sent.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body
    }

    /// Runs `work` on a push thread with the store and the push's admission (taken before its
    /// body was read: [`Intake::admit`]).
    async fn off_thread<T: Send + 'static>(
        &self,
        admission: Admission,
        work: impl FnOnce(&ProfileStore, Admission) -> Result<T, IntakeError> + Send + 'static,
    ) -> Result<T, IntakeError> {
        let store = self
            .store
            .as_ref()
            .map_err(|url| IntakeError::ReadsPyroscope(url.clone()))?
            .clone();
        let keeper = store.clone();
        store
            .on_push_thread(move || work(&keeper, admission))
            .await
            .map_err(|e| IntakeError::Failed(e.to_string()))?
    }

    /// Counts a push's `sent` bytes and its outcome under `route`.
    fn count<T>(
        &self,
        route: &str,
        sent: usize,
        outcome: Result<T, IntakeError>,
    ) -> Result<T, IntakeError> {
        self.bytes.inc_by(sent as u64);
        let label = match &outcome {
            Ok(_) => "ok",
            Err(IntakeError::ReadsPyroscope(_)) => "conflict",
            Err(IntakeError::Store(StoreError::Busy(_) | StoreError::Full(_))) => "busy",
            Err(IntakeError::Store(StoreError::Refused(_))) => "refused",
            Err(IntakeError::Store(StoreError::Unwritable(_)) | IntakeError::Failed(_)) => "failed",
        };
        self.requests.with_label_values(&[route, label]).inc();
        outcome
    }
}

/// Takes the memory of a `Content-Encoding: gzip` body once decompressed, by the size its
/// trailer states (a longer stream is cut at the decode budget, which bounds it too).
fn reserve_unzipped(admission: &mut Admission, body: &BodyParts) -> Result<(), StoreError> {
    if body.gzipped {
        admission.reserve(stated_size(&body.bytes))?;
    }
    Ok(())
}

/// Keeps `pushed` (nothing to keep is kept at once).
fn keep(
    store: &ProfileStore,
    admission: Admission,
    pushed: Vec<Pushed>,
    now: i64,
) -> Result<Kept, IntakeError> {
    let profiles = pushed.len();
    let bytes = if profiles == 0 {
        0
    } else {
        store.keep(admission, pushed, now)?
    };
    Ok(Kept { profiles, bytes })
}

/// The encoding `content_type` names: one of the `proto` media types, or JSON; else 415.
fn encoding(content_type: &str, proto: &[&str]) -> Result<WireEncoding, IngestError> {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if proto.iter().any(|p| media.eq_ignore_ascii_case(p)) {
        Ok(WireEncoding::Proto)
    } else if media.eq_ignore_ascii_case("application/json") {
        Ok(WireEncoding::Json)
    } else {
        Err(IngestError::Unsupported(format!(
            "Content-Type `{media}` is not served: send {} or application/json",
            proto.first().copied().unwrap_or("protobuf")
        )))
    }
}
