//! What the stand-in keeps: each pushed pprof, decoded, with its series labels and its time,
//! and the series a query sees in it, labelled as Pyroscope labels them.
//!
//! As Pyroscope's distributor: a push without `service_name` gets `unknown_service`; label
//! names with dots have them made underscores, other bad names are refused, `__name__` is
//! required; a sample's own string labels (but `span_id`, `trace_id`, `profile_id`) join its
//! series' labels where the series has no label of that name, so one pprof may make several
//! series. As `CreateProfileLabels`: each sample type is a series of its own, labelled
//! `__type__`, `__unit__`, `__period_type__`, `__period_unit__`, `__profile_type__`
//! (`<__name__>:<type>:<unit>:<period type>:<period unit>`) and `__service_name__`.
//! A profile's time is its pprof's `time_nanos`, else its arrival (the ingestion window that
//! refuses profiles older than an hour is not applied: tests push profiles of any time).

use std::collections::BTreeMap;
use std::sync::Arc;

use pf_formats::formats::pyroscope_api::profile::Profile;
use pf_pprof::{decompress, parse_file, Limits};
use prost::Message;

/// The bounds pushed profiles are read within.
const LIMITS: Limits = Limits {
    max_decoded_bytes: 256 << 20,
    max_stack_depth: 8192,
};

/// Sample labels that stay on samples rather than making series.
const SAMPLE_ONLY: [&str; 3] = ["span_id", "trace_id", "profile_id"];

/// Some samples of a pushed profile: those of one label set.
pub struct Kept {
    /// The series labels, before the per-sample-type ones.
    pub labels: BTreeMap<String, String>,
    pub profile: Arc<Profile>,
    pub samples: Vec<usize>,
    /// Epoch milliseconds.
    pub time_ms: i64,
}

/// One series a query sees: a kept profile's samples in one sample type.
pub struct Series<'a> {
    pub labels: BTreeMap<String, String>,
    pub kept: &'a Kept,
    pub value: usize,
}

/// Everything pushed or kept so far.
#[derive(Default)]
pub struct Store {
    kept: Vec<Kept>,
}

impl Store {
    /// Keeps a raw pprof (gzip or not) pushed with `labels` at `arrival_ms`.
    ///
    /// # Errors
    /// Why Pyroscope would refuse the push (the project's pprof reader judges the profile).
    pub fn keep(
        &mut self,
        labels: &[(String, String)],
        raw: &[u8],
        arrival_ms: i64,
    ) -> Result<(), String> {
        let bytes = decompress(raw, LIMITS).map_err(|e| format!("failed to parse pprof: {e}"))?;
        let parsed =
            parse_file(&bytes, LIMITS).map_err(|e| format!("failed to parse pprof: {e}"))?;
        let profile =
            Profile::decode(bytes.as_ref()).map_err(|e| format!("failed to parse pprof: {e}"))?;
        let time_ms = match parsed.time_nanos {
            t if t > 0 => t / 1_000_000,
            _ => arrival_ms,
        };
        let mut base: Vec<(String, String)> = labels.to_vec();
        if !base
            .iter()
            .any(|(n, v)| n == "service_name" && !v.is_empty())
        {
            base.push(("service_name".into(), "unknown_service".into()));
        }
        let text = |i: i64| string(&profile, i);
        let mut groups: BTreeMap<BTreeMap<String, String>, Vec<usize>> = BTreeMap::new();
        for (i, sample) in profile.sample.iter().enumerate() {
            let mut pairs = base.clone();
            for label in sample.label.iter().filter(|l| l.str > 0) {
                let name = text(label.key);
                let known = pairs.iter().any(|(n, _)| *n == name);
                if !known && !SAMPLE_ONLY.contains(&name.as_str()) {
                    pairs.push((name, text(label.str)));
                }
            }
            groups.entry(series_labels(&pairs)?).or_default().push(i);
        }
        let profile = Arc::new(profile);
        for (labels, samples) in groups {
            self.kept.push(Kept {
                labels,
                profile: Arc::clone(&profile),
                samples,
                time_ms,
            });
        }
        Ok(())
    }

    /// Takes over what `other` kept (a push checked whole before any of it is kept).
    pub fn absorb(&mut self, other: Store) {
        self.kept.extend(other.kept);
    }

    /// Everything kept, in the order it came.
    pub fn kept(&self) -> &[Kept] {
        &self.kept
    }

    /// The series of the profiles timed in `[start, end)` (epoch ms).
    pub fn series(&self, start: i64, end: i64) -> Vec<Series<'_>> {
        let mut all = Vec::new();
        for kept in self
            .kept
            .iter()
            .filter(|k| (start..end).contains(&k.time_ms))
        {
            for value in 0..kept.profile.sample_type.len() {
                all.push(Series {
                    labels: type_labels(kept, value),
                    kept,
                    value,
                });
            }
        }
        all
    }
}

/// String `i` of `profile`'s table; empty when out of range.
fn string(profile: &Profile, i: i64) -> String {
    usize::try_from(i)
        .ok()
        .and_then(|i| profile.string_table.get(i))
        .cloned()
        .unwrap_or_default()
}

/// The labels of the series of sample type `value` of `kept` (`CreateProfileLabels`).
fn type_labels(kept: &Kept, value: usize) -> BTreeMap<String, String> {
    let profile = &kept.profile;
    let text = |i: i64| string(profile, i);
    let mut labels = kept.labels.clone();
    if let Some(service) = labels.get("service_name").cloned() {
        labels.insert("__service_name__".into(), service);
    }
    let (period_type, period_unit) = match &profile.period_type {
        Some(t) => (text(t.r#type), text(t.unit)),
        None => (String::new(), String::new()),
    };
    if profile.period_type.is_some() {
        labels.insert("__period_type__".into(), period_type.clone());
        labels.insert("__period_unit__".into(), period_unit.clone());
    }
    let sample = &profile.sample_type[value];
    let (kind, unit) = (text(sample.r#type), text(sample.unit));
    let name = labels.get("__name__").cloned().unwrap_or_default();
    let id = format!("{name}:{kind}:{unit}:{period_type}:{period_unit}");
    labels.insert("__type__".into(), kind);
    labels.insert("__unit__".into(), unit);
    labels.insert("__profile_type__".into(), id);
    labels
}

/// A push's labels checked and sanitized as Pyroscope's `ValidateLabels` does.
fn series_labels(pairs: &[(String, String)]) -> Result<BTreeMap<String, String>, String> {
    let shown = || {
        let list: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
        format!("{{{}}}", list.join(", "))
    };
    if pairs.is_empty() {
        return Err("error at least one label pair is required per profile".into());
    }
    let mut labels = BTreeMap::new();
    for (name, value) in pairs {
        let valid = name.char_indices().all(|(i, c)| {
            c.is_ascii_alphabetic() || c == '_' || c == '.' || (i > 0 && c.is_ascii_digit())
        });
        if name.is_empty() || !valid {
            let why = format!("invalid label name '{name}'");
            return Err(format!("invalid labels '{}' with error: {why}", shown()));
        }
        let name = name.replace('.', "_");
        if let Some(before) = labels.insert(name.clone(), value.clone()) {
            if before != *value {
                return Err(format!(
                    "profile with labels '{}' has duplicate label name: '{name}'",
                    shown()
                ));
            }
        }
    }
    if labels.get("__name__").is_none_or(String::is_empty) {
        let why = "invalid metric name";
        return Err(format!("invalid labels '{}' with error: {why}", shown()));
    }
    Ok(labels)
}
