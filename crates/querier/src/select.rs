//! The querier's selects (docs/grafana.md#flame-graphs): `SelectMergeStacktraces` (a flame graph
//! or a pprof), `SelectMergeProfile` (a pprof) and `SelectSeries`, merged from the picked files
//! by the same reader and aggregation as `/profiles`, so their numbers are its numbers.

use std::collections::HashMap;
use std::sync::Arc;

use super::flame::flame_graph;
use super::pick::pick;
use super::request::{id_parts, max_nodes, selector, TypeId, WindowMs};
use super::series::{self, step_ms, Sampled};
use super::Querier;
use pf_formats::formats::pyroscope_api::{
    PprofProfile, ProfileFormat, SelectMergeProfileRequest, SelectMergeProfileResponse,
    SelectMergeStacktracesRequest, SelectMergeStacktracesResponse, SelectSeriesRequest,
    SelectSeriesResponse, StackTraceSelector,
};
use pf_http::error::ApiError;
use pf_model::{is_label_name, CallTree, LabelSelector};
use pf_pprof::encode::{profile, to_bytes, Header, Stack};
use pf_pprof::stacks_of_tree;
use pf_profile_files::merge_labelled;

mod grouping;

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("invalid_argument", message)
}

/// What one merge reads.
struct Merge {
    window: WindowMs,
    type_id: TypeId,
    selector: LabelSelector,
}

impl Querier {
    fn merge_of(
        &self,
        (type_id, label_selector): (&str, &str),
        (start, end): (i64, i64),
    ) -> Result<Merge, ApiError> {
        Ok(Merge {
            window: WindowMs::read(start, end)?,
            type_id: TypeId::read(type_id, &self.tables)?,
            selector: selector(label_selector, "labelSelector")?,
        })
    }

    /// The call tree of the merge's samples, as `/profiles` merges them (in-use snapshots
    /// averaged over the window, docs/runtimes.md).
    async fn merged_tree(&self, merge: Merge) -> Result<Arc<CallTree>, ApiError> {
        self.off_thread(move |snapshot, tables| {
            let picked = pick(
                snapshot,
                tables,
                &merge.type_id,
                &merge.selector,
                merge.window,
            );
            let files = picked.files.iter().map(|(f, _)| *f);
            let snapshots = merge.type_id.profile_type.is_snapshot();
            let stats = merge_labelled(
                files,
                tables.limits,
                &picked.sample_type,
                &picked.samples,
                snapshots,
            )?;
            Ok(stats.tree)
        })
        .await
    }

    /// `SelectMergeStacktraces`: a flame graph (default) or a pprof.
    pub async fn merge_stacktraces(
        &self,
        request: SelectMergeStacktracesRequest,
    ) -> Result<SelectMergeStacktracesResponse, ApiError> {
        let ids = (
            request.profile_type_id.as_str(),
            request.label_selector.as_str(),
        );
        let merge = self.merge_of(ids, (request.start, request.end))?;
        let nodes = max_nodes(request.max_nodes)?;
        let format = request.format();
        let shape = Shape::of(request.stack_trace_selector.as_ref());
        let id = merge.type_id.id.clone();
        match format {
            ProfileFormat::Unspecified | ProfileFormat::Flamegraph => {
                let tree = self.merged_tree(merge).await?;
                Ok(SelectMergeStacktracesResponse {
                    flamegraph: Some(flame_graph(&tree, nodes, &shape.call_site)),
                    ..Default::default()
                })
            }
            ProfileFormat::Pprof => {
                let tree = self.merged_tree(merge).await?;
                Ok(SelectMergeStacktracesResponse {
                    pprof: Some(PprofProfile {
                        profile: Some(pprof_of(&tree, &id, &shape).into()),
                    }),
                    ..Default::default()
                })
            }
            other => Err(invalid(format!(
                "format {} is not served: ask for PROFILE_FORMAT_FLAMEGRAPH or PROFILE_FORMAT_PPROF",
                other.as_str_name()
            ))),
        }
    }

    /// `SelectMergeProfile`: the merged pprof (`max_nodes` is not applied to a pprof).
    pub async fn merge_profile(
        &self,
        request: SelectMergeProfileRequest,
    ) -> Result<SelectMergeProfileResponse, ApiError> {
        let ids = (
            request.profile_type_id.as_str(),
            request.label_selector.as_str(),
        );
        let merge = self.merge_of(ids, (request.start, request.end))?;
        max_nodes(request.max_nodes)?;
        let shape = Shape::of(request.stack_trace_selector.as_ref());
        let id = merge.type_id.id.clone();
        let tree = self.merged_tree(merge).await?;
        let bytes = pprof_of(&tree, &id, &shape);
        prost::Message::decode(bytes.as_slice())
            .map_err(|e| ApiError::Internal(format!("a merged pprof does not read back: {e}")))
    }

    /// `SelectSeries`: the picked samples' values per step and group.
    pub async fn select_series(
        &self,
        request: SelectSeriesRequest,
    ) -> Result<SelectSeriesResponse, ApiError> {
        let ids = (
            request.profile_type_id.as_str(),
            request.label_selector.as_str(),
        );
        let merge = self.merge_of(ids, (request.start, request.end))?;
        let step = step_ms(request.step, merge.window)?;
        if let Some(bad) = request.group_by.iter().find(|g| !is_label_name(g)) {
            return Err(invalid(format!("group_by: {bad:?} is not a label name")));
        }
        let limit = match request.limit {
            Some(n) if n < 0 => return Err(invalid(format!("limit {n} is negative"))),
            Some(n) if n > 0 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => None,
        };
        let aggregation = request.aggregation();
        let group_by = request.group_by;
        let window = merge.window;
        let sampled: Vec<Sampled> = self
            .off_thread(move |snapshot, tables| {
                let picked = pick(snapshot, tables, &merge.type_id, &merge.selector, window);
                grouping::sampled(&picked, &group_by, tables.limits, window)
            })
            .await?;
        Ok(SelectSeriesResponse {
            series: series::series(sampled, window, step, aggregation, limit),
        })
    }
}

/// How a select shapes its stacks (`stack_trace_selector`).
struct Shape {
    /// Only the stacks under these frames, root first.
    call_site: Vec<String>,
    /// Go PGO: each stack cut to this many innermost frames (then `call_site` is ignored).
    keep_locations: Option<usize>,
}

impl Shape {
    fn of(selector: Option<&StackTraceSelector>) -> Self {
        let pgo = selector.and_then(|s| s.go_pgo.as_ref());
        Shape {
            call_site: match pgo {
                Some(_) => Vec::new(),
                None => selector
                    .map(|s| s.call_site.iter().map(|l| l.name.clone()).collect())
                    .unwrap_or_default(),
            },
            keep_locations: pgo.map(|p| p.keep_locations as usize).filter(|n| *n > 0),
        }
    }
}

/// The tree as an uncompressed pprof of the type `id` names: one sample per stack with self
/// value, shaped as `shape` says (stacks equal once cut are one sample).
fn pprof_of(tree: &CallTree, id: &str, shape: &Shape) -> Vec<u8> {
    let [_, kind, unit, period_kind, period_unit] = id_parts(id).map(str::to_owned);
    let header = Header {
        sample_types: vec![(kind, unit)],
        period_type: Some((period_kind, period_unit)),
        ..Header::default()
    };
    let mut stacks: Vec<Stack> = Vec::new();
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    for mut stack in stacks_of_tree(tree) {
        if !stack.frames.starts_with(&shape.call_site) {
            continue;
        }
        if let Some(keep) = shape.keep_locations {
            stack.frames = stack
                .frames
                .split_off(stack.frames.len().saturating_sub(keep));
        }
        match index.get(&stack.frames) {
            Some(&at) => {
                stacks[at].values[0] = stacks[at].values[0].saturating_add(stack.values[0])
            }
            None => {
                index.insert(stack.frames.clone(), stacks.len());
                stacks.push(stack);
            }
        }
    }
    to_bytes(&profile(&header, &stacks), false)
}
