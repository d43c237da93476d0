//! The bodies of Pyroscope's `/ingest`: a pprof (gzip or raw), `multipart/form-data` with the
//! pprof in the part `profile` (or a JFR in the part `jfr`), a JFR recording (`format=jfr`), or
//! folded text (`frame;frame value` per line, or `lines`: one stack per line). Folded stacks
//! and recordings become pprofs of their own, so everything stored is pprof.

use bytes::Bytes;
use serde::Deserialize;
use utoipa::IntoParams;

use super::jfr_push::jfr_pushed;
use super::name::parse_name;
use pf_pprof::encode::{parse_folded, profile, to_bytes, Header, Stack};
use pf_profile_files::{IngestError, Pushed};

/// The query of `POST /ingest`, as Pyroscope's agents send it: read once, by the route and by
/// the intake alike.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct IngestQuery {
    /// `app{key=value,…}`: the application, then its labels (e.g. `version`).
    #[param(
        example = "checkout{version=1.4.2,region=eu}",
        min_length = 1,
        max_length = 4096
    )]
    pub name: String,
    /// Start of the profile, epoch seconds (default: the profile's own time); milliseconds,
    /// microseconds and nanoseconds are read as such by their size, as Pyroscope reads them
    /// (the Go SDK sends nanoseconds).
    #[param(minimum = 0, example = 1_700_000_000)]
    pub from: Option<i64>,
    /// End of the profile, epoch seconds (or milli-, micro-, nanoseconds, as `from`).
    #[param(minimum = 0, example = 1_700_000_010)]
    pub until: Option<i64>,
    /// `pprof`, `jfr` (Java Flight Recorder), `folded` (also `groups`) or `lines`; unset: pprof for
    /// a binary body, folded for text.
    #[param(example = "pprof")]
    pub format: Option<String>,
    /// Samples per second of a folded body (default 100; 0 is unset, as the Go SDK sends it
    /// with its mutex and block profiles); pprof carries its own period.
    #[param(minimum = 0, maximum = 1_000_000)]
    pub sample_rate: Option<u32>,
    /// The agent (`pyspy`, `nodespy`, …); kept for information.
    pub spy_name: Option<String>,
    /// What a folded value counts: samples (default), objects, bytes, lock_samples, lock_nanoseconds.
    pub units: Option<String>,
    /// `sum` or `average`; profiles are kept as sent.
    pub aggregation_type: Option<String>,
}

/// How the body of an `/ingest` is to be read, from its `format` and `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyForm {
    Pprof,
    /// A Java Flight Recorder recording (gzip or raw).
    Jfr,
    /// `multipart/form-data` with this boundary.
    Multipart(String),
    Folded,
    Lines,
}

impl BodyForm {
    /// The form of a body with `format` and `content_type`; an unsupported format is a 415
    /// naming the ones served.
    pub fn of(format: Option<&str>, content_type: &str, body: &[u8]) -> Result<Self, IngestError> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        if media.eq_ignore_ascii_case("multipart/form-data") {
            let boundary = multer::parse_boundary(content_type).map_err(|e| {
                IngestError::Malformed(format!("multipart/form-data without a boundary: {e}"))
            })?;
            return Ok(BodyForm::Multipart(boundary));
        }
        match format.map(str::to_ascii_lowercase).as_deref() {
            Some("pprof") => Ok(BodyForm::Pprof),
            Some("jfr") => Ok(BodyForm::Jfr),
            Some("folded" | "groups") => Ok(BodyForm::Folded),
            Some("lines") => Ok(BodyForm::Lines),
            Some("") | None if is_binary(body) => Ok(BodyForm::Pprof),
            Some("") | None => Ok(BodyForm::Folded),
            Some(other) => Err(IngestError::Unsupported(format!(
                "format `{other}` is not read here; send pprof (gzip or raw, or multipart with \
                 the part `profile`), jfr, folded or lines"
            ))),
        }
    }
}

/// Whether `body` looks like gzip or protobuf rather than text.
fn is_binary(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b]) || std::str::from_utf8(body).is_err()
}

/// The profiles of one `/ingest` (one, one per logical type of a JFR, or none for a folded
/// body without a stack); a JFR's gzip parts are decompressed within `max_decoded` bytes.
pub fn ingest_body(
    query: &IngestQuery,
    form: BodyForm,
    body: bytes::Bytes,
    max_decoded: u64,
) -> Result<Vec<Pushed>, IngestError> {
    // The app first: a name refused is refused as at every other door.
    let (app, labels) = parse_name(&query.name)?;
    check_query(query)?;
    let from = query.from.map(|t| epoch_seconds(t, Rounding::Down));
    let until = query.until.map(|t| epoch_seconds(t, Rounding::Up));
    let window = match (from, until) {
        (Some(from), Some(until)) if from < until => Some((from, until)),
        (Some(from), Some(until)) => {
            return Err(IngestError::Malformed(format!(
                "from ({from}) must be before until ({until})"
            )))
        }
        _ => None,
    };
    let mut labels = labels;
    let pprof = match form {
        BodyForm::Pprof => body,
        BodyForm::Jfr => {
            let template = Pushed {
                app,
                labels,
                window,
                pprof: Bytes::new(),
            };
            return jfr_pushed(template, &body, None, max_decoded);
        }
        BodyForm::Multipart(boundary) => match profile_part(body, boundary)? {
            Part::Pprof { pprof, series } => {
                if let Some(series) = series {
                    labels.insert(SERIES_NAME, &series);
                }
                pprof
            }
            Part::Jfr {
                jfr,
                labels: snapshot,
            } => {
                let template = Pushed {
                    app,
                    labels,
                    window,
                    pprof: Bytes::new(),
                };
                return jfr_pushed(template, &jfr, snapshot.as_deref(), max_decoded);
            }
        },
        BodyForm::Folded | BodyForm::Lines => {
            let text = std::str::from_utf8(&body)
                .map_err(|_| IngestError::Malformed("folded stacks must be UTF-8 text".into()))?;
            let stacks = if form == BodyForm::Lines {
                lines(text)
            } else {
                parse_folded(text).map_err(|line| {
                    IngestError::Malformed(format!("line {line} is not `frame;frame;frame count`"))
                })?
            };
            if stacks.is_empty() {
                return Ok(Vec::new());
            }
            to_bytes(&profile(&folded_header(query)?, &stacks), true).into()
        }
    };
    Ok(vec![Pushed {
        app,
        labels,
        window,
        pprof,
    }])
}

/// The label that names a profile's series, as the Connect push sends it (`process_cpu`,
/// `memory`, `mutex`, `block`).
const SERIES_NAME: &str = "__name__";

/// Whether a time is rounded down (a start) or up (an end) to a whole second.
#[derive(Debug, Clone, Copy)]
enum Rounding {
    Down,
    Up,
}

/// `time` in epoch seconds, read as seconds, milliseconds, microseconds or nanoseconds by its
/// size, as Pyroscope reads `from` and `until`: the Go SDK sends nanoseconds, the Java agent
/// seconds. A value past 10¹¹ (the year 5138 in seconds) is milliseconds, past 10¹⁴
/// microseconds, past 10¹⁷ nanoseconds.
fn epoch_seconds(time: i64, rounding: Rounding) -> i64 {
    let per_second = match time {
        t if t >= 100_000_000_000_000_000 => 1_000_000_000,
        t if t >= 100_000_000_000_000 => 1_000_000,
        t if t >= 100_000_000_000 => 1_000,
        _ => 1,
    };
    match rounding {
        Rounding::Down => time.div_euclid(per_second),
        Rounding::Up => time.div_euclid(per_second) + i64::from(time.rem_euclid(per_second) > 0),
    }
}

/// The bounds of the query the document states: a name of at most 4 096 characters without
/// control characters, times not before 1970, a sample rate of 1 to 1 000 000.
fn check_query(query: &IngestQuery) -> Result<(), IngestError> {
    let bad = |m: String| Err(IngestError::Malformed(m));
    if query.name.chars().count() > 4096 || query.name.chars().any(char::is_control) {
        return bad("name must be at most 4096 characters, without control characters".into());
    }
    for (field, time) in [("from", query.from), ("until", query.until)] {
        if time.is_some_and(|t| t < 0) {
            return bad(format!("{field} must be epoch seconds, not negative"));
        }
    }
    if query.sample_rate.is_some_and(|r| r > 1_000_000) {
        return bad("sampleRate must be between 0 (unset) and 1000000".into());
    }
    Ok(())
}

/// One stack per line, each counting 1.
fn lines(text: &str) -> Vec<Stack> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| Stack {
            frames: l.split(';').map(str::to_owned).collect(),
            values: vec![1],
        })
        .collect()
}

/// The sample type a folded body's values count, by `units`, at `sampleRate` (100 Hz).
fn folded_header(query: &IngestQuery) -> Result<Header, IngestError> {
    let (kind, unit, period) = match query.units.as_deref().unwrap_or("samples") {
        "samples" | "" => ("samples", "count", ("cpu", "nanoseconds")),
        "objects" => ("alloc_objects", "count", ("space", "bytes")),
        "bytes" => ("alloc_space", "bytes", ("space", "bytes")),
        "lock_samples" => ("contentions", "count", ("contentions", "count")),
        "lock_nanoseconds" => ("delay", "nanoseconds", ("contentions", "count")),
        other => {
            return Err(IngestError::Malformed(format!(
                "units `{other}` is not one of samples, objects, bytes, lock_samples, \
                 lock_nanoseconds"
            )))
        }
    };
    let rate = i64::from(query.sample_rate.filter(|r| *r > 0).unwrap_or(100));
    Ok(Header {
        sample_types: vec![(kind.into(), unit.into())],
        period_type: Some((period.0.into(), period.1.into())),
        period: if kind == "samples" {
            1_000_000_000 / rate
        } else {
            1
        },
        ..Header::default()
    })
}

/// What a multipart body carries: a pprof (with the series its `sample_type_config` names), or
/// the Java agent's recording and labels.
enum Part {
    Pprof {
        pprof: bytes::Bytes,
        series: Option<String>,
    },
    Jfr {
        jfr: bytes::Bytes,
        labels: Option<bytes::Bytes>,
    },
}

/// The part `profile` (or `jfr` with `labels`) of a multipart body; `prev_profile` (a delta's
/// previous profile) is refused, since the service keeps profiles as they are and never
/// subtracts them.
fn profile_part(body: bytes::Bytes, boundary: String) -> Result<Part, IngestError> {
    let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(body)]);
    // The whole body is in memory, so reading its parts never waits: read here, without a
    // runtime (the push is decoded on the blocking pool).
    let parts = parts_of(multer::Multipart::new(stream, boundary));
    futures_util::FutureExt::now_or_never(parts).unwrap_or_else(|| {
        Err(IngestError::Malformed(
            "the multipart body could not be read".into(),
        ))
    })
}

async fn parts_of(mut parts: multer::Multipart<'_>) -> Result<Part, IngestError> {
    let (mut profile, mut jfr, mut labels, mut series) = (None, None, None, None);
    let bad = |e: multer::Error| IngestError::Malformed(format!("multipart body: {e}"));
    while let Some(part) = parts.next_field().await.map_err(bad)? {
        match part.name() {
            Some("profile") => profile = Some(part.bytes().await.map_err(bad)?),
            Some("jfr") => jfr = Some(part.bytes().await.map_err(bad)?),
            Some("labels") => labels = Some(part.bytes().await.map_err(bad)?),
            Some("prev_profile") => {
                return Err(IngestError::Unprocessable(
                    "a `prev_profile` part asks for a delta, which is not computed here: send \
                     whole profiles"
                        .into(),
                ))
            }
            Some("sample_type_config") => {
                let config = part.bytes().await.map_err(bad)?;
                series = series_of(&config)?;
            }
            _ => {}
        }
    }
    match (profile, jfr) {
        (Some(pprof), _) => Ok(Part::Pprof { pprof, series }),
        (None, Some(jfr)) => Ok(Part::Jfr { jfr, labels }),
        (None, None) => Err(IngestError::Malformed(
            "the multipart body has no part named `profile` or `jfr`".into(),
        )),
    }
}

/// One sample type of the Go SDK's `sample_type_config` part (Pyroscope's `SampleType`).
#[derive(Debug, Deserialize)]
struct SampleTypeConfig {
    #[serde(rename = "display-name", default)]
    display_name: String,
    #[serde(default)]
    cumulative: bool,
}

/// The series a `sample_type_config` names: the Go SDK sends mutex and block profiles with the
/// same sample types (`contentions`, `delay`) and tells them apart only here, by display names
/// (`mutex_count`, `mutex_duration`; `block_count`, `block_duration`). Their common prefix is
/// the series, as Pyroscope names it (`mutex`, `block`); none without display names (the heap's
/// config). A cumulative sample type would need the previous profile subtracted, which is not
/// done here (as `prev_profile`): 422.
fn series_of(config: &[u8]) -> Result<Option<String>, IngestError> {
    let config: std::collections::BTreeMap<String, SampleTypeConfig> =
        serde_json::from_slice(config).map_err(|e| {
            IngestError::Malformed(format!(
                "sample_type_config is not a JSON object of sample types: {e}"
            ))
        })?;
    if let Some((name, _)) = config.iter().find(|(_, t)| t.cumulative) {
        return Err(IngestError::Unprocessable(format!(
            "sample_type_config says `{name}` is cumulative, which asks for a delta that is not \
             computed here: send deltas (godeltaprof) or whole profiles"
        )));
    }
    let mut prefixes = config
        .values()
        .map(|t| t.display_name.split_once('_').map(|(prefix, _)| prefix));
    let Some(Some(first)) = prefixes.next() else {
        return Ok(None);
    };
    let one = prefixes.all(|p| p == Some(first)) && !first.is_empty();
    Ok(one.then(|| first.to_owned()))
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
