//! Each picked profile's value per group of `group_by` (docs/grafana.md#series). A label of the
//! series (its app, its type, a push's label) groups whole files; a label that varies between a
//! file's samples splits the file by its values, each read with the samples that carry it (and
//! once more for the samples without it).

use pf_http::error::ApiError;
use pf_model::{LabelSelector, MatchOp, Matcher};
use pf_pprof::Limits;
use pf_profile_files::{merge_labelled, ProfileFile};

use super::super::pick::{Picked, SeriesLabels};
use super::super::request::WindowMs;
use super::super::series::Sampled;

/// Most groups one file may be split into.
const MAX_SPLITS: usize = 256;

/// One value of `group_by` per group label: fixed by the series, or one of the file's.
fn choices(
    file: &ProfileFile,
    labels: &SeriesLabels,
    group_by: &[String],
) -> Result<Vec<Vec<Option<String>>>, ApiError> {
    group_by
        .iter()
        .map(|name| {
            if let Some(fixed) = labels.get(name) {
                return Ok(vec![Some(fixed.clone())]);
            }
            let Some(values) = file.profile.labels.values(name) else {
                return Err(ApiError::bad_request(
                    "invalid_argument",
                    format!("group_by: {name:?} has too many values to group by"),
                ));
            };
            // `None`: the samples without the label.
            let mut all: Vec<Option<String>> = values.map(|v| Some(v.to_owned())).collect();
            all.push(None);
            Ok(all)
        })
        .collect()
}

/// Every combination of one choice per label.
fn combinations(choices: &[Vec<Option<String>>]) -> Result<Vec<Vec<Option<String>>>, ApiError> {
    let mut all: Vec<Vec<Option<String>>> = vec![Vec::new()];
    for options in choices {
        all = all
            .into_iter()
            .flat_map(|prefix| {
                options.iter().map(move |o| {
                    let mut next = prefix.clone();
                    next.push(o.clone());
                    next
                })
            })
            .collect();
        if all.len() > MAX_SPLITS {
            return Err(ApiError::bad_request(
                "invalid_argument",
                format!("group_by splits a profile into more than {MAX_SPLITS} groups"),
            ));
        }
    }
    Ok(all)
}

/// The values of the picked files, per group.
pub fn sampled(
    picked: &Picked,
    group_by: &[String],
    limits: Limits,
    window: WindowMs,
) -> Result<Vec<Sampled>, ApiError> {
    let mut out = Vec::new();
    for (file, labels) in &picked.files {
        let time_ms = match file.time_nanos {
            0 => window.start,
            t => t / 1_000_000,
        };
        if group_by.is_empty() {
            let value = total(file, &picked.sample_type, &picked.samples, limits)?;
            let group = labels.iter().map(|(n, v)| (n.clone(), v.clone())).collect();
            out.push(Sampled {
                group,
                time_ms,
                value,
            });
            continue;
        }
        for combination in combinations(&choices(file, labels, group_by)?)? {
            let mut selector = picked.samples.clone();
            let mut group = Vec::new();
            let split = group_by.iter().any(|name| !labels.contains_key(name));
            for (name, value) in group_by.iter().zip(&combination) {
                if !labels.contains_key(name) {
                    let matcher = Matcher {
                        name: name.clone(),
                        op: MatchOp::Equal,
                        value: value.clone().unwrap_or_default(),
                    };
                    let one = LabelSelector::parse(Some(&matcher.to_string()), "group_by")?;
                    selector = selector.and(&one);
                }
                if let Some(v) = value {
                    group.push((name.clone(), v.clone()));
                }
            }
            let value = total(file, &picked.sample_type, &selector, limits)?;
            if value > 0.0 || !split {
                out.push(Sampled {
                    group,
                    time_ms,
                    value,
                });
            }
        }
    }
    Ok(out)
}

/// The file's total of `sample_type` over the samples `selector` keeps.
fn total(
    file: &ProfileFile,
    sample_type: &str,
    selector: &LabelSelector,
    limits: Limits,
) -> Result<f64, ApiError> {
    let stats = merge_labelled(std::iter::once(file), limits, sample_type, selector, false)?;
    Ok(stats.total_samples as f64)
}
