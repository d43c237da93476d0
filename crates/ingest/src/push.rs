//! Pyroscope's Connect `push.v1.PusherService/Push`: a `PushRequest` of series, each with its
//! labels and raw pprof samples, as protobuf (`application/proto`, gzip or not) or as Connect's
//! JSON. The message types and their JSON are generated in pf-formats from its `push.proto`.

use std::borrow::Cow;

use pf_formats::formats::pyroscope_api::push::PushRequest;

use super::model::WireEncoding;
use pf_pprof::gzip::GzipError;
use pf_profile_files::{label_name, pushed_app, IngestError, LabelSet, Pushed};

/// The profiles of a `Push` body (already un-gzipped by its `Content-Encoding`, within
/// `max_decoded` bytes): one per sample, the app from the label `app_label`, the other labels
/// kept (`__name__` too, as `__name__`).
pub fn decode_push(
    body: &[u8],
    encoding: WireEncoding,
    gzipped: bool,
    (app_label, max_decoded): (&str, u64),
) -> Result<Vec<Pushed>, IngestError> {
    let body = ungzipped(body, gzipped, max_decoded)?;
    let series = match encoding {
        WireEncoding::Proto => {
            let request: PushRequest = prost::Message::decode(&*body).map_err(|e| {
                IngestError::Malformed(format!("the body is not a push.v1.PushRequest: {e}"))
            })?;
            request.series
        }
        WireEncoding::Json => {
            let request: PushRequest = serde_json::from_slice(&body).map_err(|e| {
                IngestError::Malformed(format!("the body is not a PushRequest's JSON: {e}"))
            })?;
            request.series
        }
    };
    let mut pushed = Vec::new();
    for (n, one) in series.into_iter().enumerate() {
        let (mut labels, mut app) = (LabelSet::default(), None);
        for pair in &one.labels {
            if label_name(&pair.name) == app_label {
                app = Some(pushed_app(&pair.value)?);
            } else {
                labels.insert(&pair.name, &pair.value);
            }
        }
        let app = app.ok_or_else(|| {
            IngestError::Malformed(format!(
                "series {n} has no `{app_label}` label, which names its application"
            ))
        })?;
        for sample in one.samples {
            pushed.push(Pushed {
                app: app.clone(),
                labels: labels.clone(),
                window: None,
                pprof: sample.raw_profile,
            });
        }
    }
    if pushed.is_empty() {
        return Err(IngestError::Malformed("the push holds no profile".into()));
    }
    Ok(pushed)
}

/// `body`, decompressed first when `gzipped`, within `limit` bytes.
pub(super) fn ungzipped(
    body: &[u8],
    gzipped: bool,
    limit: u64,
) -> Result<Cow<'_, [u8]>, IngestError> {
    if gzipped {
        Ok(Cow::Owned(gunzip(body, limit)?))
    } else {
        Ok(Cow::Borrowed(body))
    }
}

/// A gzip body, within `limit` bytes once decompressed.
pub fn gunzip(body: &[u8], limit: u64) -> Result<Vec<u8>, IngestError> {
    pf_pprof::gzip::gunzip(body, limit).map_err(|e| match e {
        GzipError::TooLarge { limit } => IngestError::TooLarge(format!(
            "the body is larger than {limit} bytes once decompressed"
        )),
        GzipError::Truncated(e) | GzipError::Invalid(e) => {
            IngestError::Malformed(format!("the body is not valid gzip: {e}"))
        }
    })
}

#[cfg(test)]
#[path = "push_tests.rs"]
pub(crate) mod tests;
