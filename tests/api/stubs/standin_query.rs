//! The stand-in's answers to the querier methods, message in, message out, with the checks
//! and errors of Pyroscope's query frontend (`pkg/frontend/readpath/queryfrontend`).

use std::collections::{BTreeMap, BTreeSet};

use pf_formats::formats::pyroscope_api::profile::Profile;
use pf_formats::formats::pyroscope_api::{
    GetProfileStatsResponse, LabelNamesRequest, LabelNamesResponse, LabelPair, LabelValuesRequest,
    LabelValuesResponse, Labels, PprofProfile, ProfileFormat, ProfileType, ProfileTypesRequest,
    ProfileTypesResponse, SelectMergeProfileRequest, SelectMergeStacktracesRequest,
    SelectMergeStacktracesResponse, SeriesRequest, SeriesResponse, StackTraceSelector,
};
use prost::Message;

use super::standin::Mode;
use super::standin_connect::Fault;
use super::standin_flame::{flame_graph, tree, tree_bytes, truncate};
use super::standin_merge::{Merger, Part};
use super::standin_select::{ProfileTypeId, Selector};
use super::standin_shape::{set_metadata, Shape};
use super::standin_store::{Series, Store};

/// `querier.max-flamegraph-nodes-default` and `-max`.
const MAX_NODES_DEFAULT: i64 = 8 << 10;
const MAX_NODES_MAX: i64 = 1 << 20;

/// `ValidateRangeRequest`: both ends set, in order.
fn check_range(start: i64, end: i64) -> Result<(), Fault> {
    if start == 0 || end == 0 {
        return Err(Fault::invalid("missing time range in the query"));
    }
    if start > end {
        return Err(Fault::invalid("query start time is after end time"));
    }
    Ok(())
}

/// `ValidateMaxNodes`: 0 is the default, more than the maximum or less than 0 is refused.
fn max_nodes(asked: i64) -> Result<i64, Fault> {
    match asked {
        0 => Ok(MAX_NODES_DEFAULT),
        n if n > MAX_NODES_MAX => Err(Fault::invalid(format!(
            "max flamegraph nodes limit {n} is greater than allowed {MAX_NODES_MAX}"
        ))),
        n if n < 0 => Err(Fault::invalid(format!(
            "max flamegraph nodes limit must be set (max allowed {MAX_NODES_MAX})"
        ))),
        n => Ok(n),
    }
}

/// The AND of the matchers' selectors (`buildLabelSelectorFromMatchers`).
fn selector_of(matchers: &[String]) -> Result<Selector, Fault> {
    matchers.iter().try_fold(Selector::default(), |all, m| {
        let one = Selector::parse(m).map_err(|e| {
            Fault::invalid(format!(
                "parsing label selector: failed to parse label selector {m:?}: {e}"
            ))
        })?;
        Ok(all.and(one))
    })
}

/// The merged profile of a select: the series of `type_id` that `selector` picks in the
/// window, their stacks shaped by `stacks`; an empty profile when no sample is picked.
fn merged(
    store: &Store,
    (type_id, selector): (&str, &str),
    (start, end): (i64, i64),
    stacks: Option<&StackTraceSelector>,
    pgo: bool,
) -> Result<Profile, Fault> {
    let ty = ProfileTypeId::parse(type_id).map_err(Fault::invalid)?;
    let picked = Selector::parse(selector)
        .map_err(|e| Fault::invalid(format!("parsing label selector {selector:?}: {e}")))?
        .and(ty.selector());
    let shape = Shape::of(stacks, pgo);
    let mut merger = Merger::new();
    for series in store.series(start, end) {
        if picked.matches(&series.labels) {
            let part = Part {
                profile: &series.kept.profile,
                samples: &series.kept.samples,
                value: series.value,
            };
            merger.add(&part, &shape);
        }
    }
    let mut profile = merger.finish(&shape);
    if profile.sample.is_empty() {
        return Ok(Profile::default());
    }
    set_metadata(&mut profile, &ty, end);
    Ok(profile)
}

/// `SelectMergeStacktraces`: a flame graph, Pyroscope's tree bytes or (from 2.2) a pprof.
pub fn select_merge_stacktraces(
    store: &Store,
    mode: Mode,
    request: SelectMergeStacktracesRequest,
) -> Result<SelectMergeStacktracesResponse, Fault> {
    if mode == Mode::NoMergeStacktraces {
        return Err(Fault::unimplemented(
            "querier.v1.QuerierService.SelectMergeStacktraces is not implemented",
        ));
    }
    if !request.span_selector.is_empty() && !request.trace_id_selector.is_empty() {
        return Err(Fault::invalid(
            "span_selector and trace_id_selector cannot be combined",
        ));
    }
    let names = (
        request.profile_type_id.as_str(),
        request.label_selector.as_str(),
    );
    let window = (request.start, request.end);
    let stacks = request.stack_trace_selector.as_ref();
    check_range(request.start, request.end)?;
    let format = match request.format() {
        ProfileFormat::Pprof if mode == Mode::Before2_2 => ProfileFormat::Unspecified,
        format => format,
    };
    match format {
        ProfileFormat::Pprof => {
            let profile = merged(store, names, window, stacks, true)?;
            let pprof = PprofProfile {
                profile: Some(profile.encode_to_vec().into()),
            };
            Ok(SelectMergeStacktracesResponse {
                pprof: Some(pprof),
                ..Default::default()
            })
        }
        ProfileFormat::Dot => Err(Fault::unimplemented(
            "the Pyroscope stand-in draws no DOT graphs",
        )),
        ProfileFormat::Tree | ProfileFormat::Flamegraph | ProfileFormat::Unspecified => {
            let asked = request.max_nodes.unwrap_or(0);
            let limit = max_nodes(asked)?;
            let mut roots = tree(&merged(store, names, window, stacks, false)?);
            truncate(&mut roots, limit);
            let mut answer = SelectMergeStacktracesResponse::default();
            if format == ProfileFormat::Tree {
                answer.tree = tree_bytes(&roots).into();
            } else {
                answer.flamegraph = Some(flame_graph(&roots, asked));
            }
            Ok(answer)
        }
    }
}

/// `SelectMergeProfile`: the merged pprof (`max_nodes` not enforced, as by default).
pub fn select_merge_profile(
    store: &Store,
    request: SelectMergeProfileRequest,
) -> Result<Profile, Fault> {
    check_range(request.start, request.end)?;
    let names = (
        request.profile_type_id.as_str(),
        request.label_selector.as_str(),
    );
    let stacks = request.stack_trace_selector.as_ref();
    merged(store, names, (request.start, request.end), stacks, true)
}

/// The series in the window that every matcher picks.
fn picked<'a>(
    store: &'a Store,
    matchers: &[String],
    (start, end): (i64, i64),
) -> Result<Vec<Series<'a>>, Fault> {
    check_range(start, end)?;
    let selector = selector_of(matchers)?;
    let mut series = store.series(start, end);
    series.retain(|s| selector.matches(&s.labels));
    Ok(series)
}

/// Whether Prometheus's legacy rules allow `name` (what LabelNames and Series keep).
fn legacy(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `LabelValues`: the values of `name` in the picked series, sorted.
pub fn label_values(
    store: &Store,
    request: LabelValuesRequest,
) -> Result<LabelValuesResponse, Fault> {
    check_range(request.start, request.end)?;
    if request.name.is_empty() {
        return Err(Fault::invalid("name is required"));
    }
    let series = picked(store, &request.matchers, (request.start, request.end))?;
    let values: BTreeSet<&str> = series
        .iter()
        .filter_map(|s| s.labels.get(&request.name))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .collect();
    let names = values.into_iter().map(str::to_owned).collect();
    Ok(LabelValuesResponse { names })
}

/// `LabelNames`: the label names of the picked series, sorted.
pub fn label_names(store: &Store, request: LabelNamesRequest) -> Result<LabelNamesResponse, Fault> {
    let series = picked(store, &request.matchers, (request.start, request.end))?;
    let names: BTreeSet<&String> = series.iter().flat_map(|s| s.labels.keys()).collect();
    let names = names.into_iter().filter(|n| legacy(n)).cloned().collect();
    Ok(LabelNamesResponse { names })
}

/// `Series`: the distinct label sets of the picked series, cut to `label_names` if given.
pub fn series(store: &Store, request: SeriesRequest) -> Result<SeriesResponse, Fault> {
    let series = picked(store, &request.matchers, (request.start, request.end))?;
    let wanted = |name: &String| {
        legacy(name) && (request.label_names.is_empty() || request.label_names.contains(name))
    };
    let sets: BTreeSet<BTreeMap<&String, &String>> = series
        .iter()
        .map(|s| s.labels.iter().filter(|(n, _)| wanted(n)).collect())
        .collect();
    let labels_set = sets
        .into_iter()
        .filter(|set| !set.is_empty())
        .map(|set| Labels {
            labels: set
                .into_iter()
                .map(|(name, value)| LabelPair {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(SeriesResponse { labels_set })
}

/// `ProfileTypes`: the type IDs present in the window (the last hour when none is given),
/// sorted by ID.
pub fn profile_types(
    store: &Store,
    request: ProfileTypesRequest,
    now_ms: i64,
) -> Result<ProfileTypesResponse, Fault> {
    let (start, end) = match (request.start, request.end) {
        (0, 0) => (now_ms - 3_600_000, now_ms),
        window => window,
    };
    check_range(start, end)?;
    let ids: BTreeSet<String> = store
        .series(start, end)
        .into_iter()
        .filter_map(|s| s.labels.get("__profile_type__").cloned())
        .collect();
    let profile_types = ids
        .iter()
        .filter_map(|id| ProfileTypeId::parse(id).ok())
        .map(|t| ProfileType {
            id: t.id,
            name: t.name,
            sample_type: t.sample_type,
            sample_unit: t.sample_unit,
            period_type: t.period_type,
            period_unit: t.period_unit,
        })
        .collect();
    Ok(ProfileTypesResponse { profile_types })
}

/// `GetProfileStats`: whether anything was kept, and the oldest and newest profile times.
pub fn profile_stats(store: &Store) -> GetProfileStatsResponse {
    let times = store.kept().iter().map(|k| k.time_ms);
    GetProfileStatsResponse {
        data_ingested: !store.kept().is_empty(),
        oldest_profile_time: times.clone().min().unwrap_or(0),
        newest_profile_time: times.max().unwrap_or(0),
    }
}
