//! `ProfileDataSor` over HTTP: a Profile Data SOR process's `/profiles` routes.
//!
//! JSON rounds `selfPercent` to 2 decimals; BORs rank and sum these percentages, so they are
//! recomputed here from the exact integer sample counts, exactly as the in-process SOR computes
//! them. A split deployment then answers byte for byte like the all-in-one process.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::model::{
    AppList, AppTypes, DiffTrees, FunctionSites, Holding, LabelQuery, LabelValues, PgoQuery,
    Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery,
};
use crate::{endpoints, ProfileDataSor};
use pf_formats::formats::flamegraph::parse_connect;
use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_model::{
    percent_of, CallTree, FunctionSite, FunctionStat, LabelSelector, ProfileType, TimeWindow,
};

/// Profiles read through a Profile Data SOR at another address.
#[derive(Clone)]
pub struct RemoteProfileData {
    remote: RemoteSor,
}

impl RemoteProfileData {
    /// A Profile Data SOR answering through `remote`.
    pub fn new(remote: RemoteSor) -> Self {
        RemoteProfileData { remote }
    }
}

/// `selfSamples / total × 100` at full precision, as `FlameGraphStats::self_percent` has it.
fn exact_percents(functions: &mut [FunctionStat], total: u64) {
    for f in functions {
        f.self_percent = percent_of(f.self_samples, total);
    }
}

/// Both windows' trees, each a Connect flame graph, as `/profiles/{appName}/diff/tree` answers.
#[derive(Deserialize)]
struct TreePair {
    baseline: Box<RawValue>,
    current: Box<RawValue>,
}

/// A tree sent as a Connect flame graph, checked as any flame graph is.
fn read_tree(json: &RawValue) -> Result<Arc<CallTree>, SorError> {
    parse_connect(json.get().as_bytes())
        .map(|stats| stats.tree)
        .map_err(|e| SorError::Upstream(format!("Profile Data SOR sent an unreadable tree: {e}")))
}

fn diff_params(query: &ProfileDiffQuery) -> Vec<(&'static str, String)> {
    let mut params = vec![
        ("type", query.profile_type.as_str().to_owned()),
        ("limit", query.limit.to_string()),
        ("baselineFrom", query.baseline.from.to_string()),
        ("baselineTo", query.baseline.to.to_string()),
    ];
    params.extend(window(query.current));
    labelled(&mut params, "baselineLabels", &query.baseline_labels);
    labelled(&mut params, "currentLabels", &query.current_labels);
    params
}

/// Adds `labels` as parameter `name`, when there are any (so unlabelled calls are unchanged).
fn labelled(params: &mut Vec<(&'static str, String)>, name: &'static str, labels: &LabelSelector) {
    if !labels.is_empty() {
        params.push((name, labels.to_string()));
    }
}

fn window(window: TimeWindow) -> [(&'static str, String); 2] {
    [
        ("from", window.from.to_string()),
        ("to", window.to.to_string()),
    ]
}

#[async_trait]
impl ProfileDataSor for RemoteProfileData {
    #[tracing::instrument(skip_all, fields(from = w.from, to = w.to))]
    async fn apps(&self, w: TimeWindow) -> Result<Vec<String>, SorError> {
        let list: AppList = self
            .remote
            .fetch(endpoints::APPS.at([]), &window(w))
            .await?;
        Ok(list.apps)
    }

    #[tracing::instrument(skip_all, fields(from = w.from, to = w.to))]
    async fn app_types(&self, w: TimeWindow) -> Result<Vec<AppTypes>, SorError> {
        let list: AppList = self
            .remote
            .fetch(endpoints::APPS.at([]), &window(w))
            .await?;
        if list.types.len() == list.apps.len() {
            return Ok(list.types);
        }
        // An older service lists names only.
        let unknown = |app_name| AppTypes {
            app_name,
            profile_types: Vec::new(),
        };
        Ok(list.apps.into_iter().map(unknown).collect())
    }

    #[tracing::instrument(skip_all, fields(app = %query.app, profile_type = %query.profile_type))]
    async fn profile(&self, query: ProfileQuery) -> Result<Profile, SorError> {
        let mut params = vec![
            ("type", query.profile_type.as_str().to_owned()),
            ("limit", query.limit.to_string()),
        ];
        params.extend(window(query.window));
        labelled(&mut params, "labels", &query.labels);
        let call = endpoints::PROFILE.at([query.app.as_str()]);
        let mut profile: Profile = self.remote.fetch(call, &params).await?;
        exact_percents(&mut profile.functions, profile.total_samples);
        Ok(profile)
    }

    #[tracing::instrument(skip_all, fields(app = %query.app, profile_type = %query.profile_type))]
    async fn diff(&self, query: ProfileDiffQuery) -> Result<ProfileDiff, SorError> {
        let mut params = diff_params(&query);
        // Always sent: the route's default (10) is not the caller's.
        params.push(("slices", query.slices.to_string()));
        let call = endpoints::DIFF.at([query.app.as_str()]);
        let mut diff: ProfileDiff = self.remote.fetch(call, &params).await?;
        exact_percents(&mut diff.baseline.functions, diff.baseline.total_samples);
        exact_percents(&mut diff.current.functions, diff.current.total_samples);
        Ok(diff)
    }

    #[tracing::instrument(skip_all, fields(app = %query.app, profile_type = %query.profile_type))]
    async fn tree(&self, query: ProfileQuery) -> Result<Arc<CallTree>, SorError> {
        let mut params = vec![("type", query.profile_type.as_str().to_owned())];
        params.extend(window(query.window));
        labelled(&mut params, "labels", &query.labels);
        let call = endpoints::TREE.at([query.app.as_str()]);
        let json: Box<RawValue> = self.remote.fetch(call, &params).await?;
        read_tree(&json)
    }

    #[tracing::instrument(skip_all, fields(app = %query.app, profile_type = %query.profile_type))]
    async fn diff_trees(&self, query: ProfileDiffQuery) -> Result<DiffTrees, SorError> {
        let call = endpoints::DIFF_TREE.at([query.app.as_str()]);
        let pair: TreePair = self.remote.fetch(call, &diff_params(&query)).await?;
        Ok(DiffTrees {
            baseline: read_tree(&pair.baseline)?,
            current: read_tree(&pair.current)?,
        })
    }

    #[tracing::instrument(skip_all, fields(app = %q.app, profile_type = %q.profile_type))]
    async fn label_values(&self, q: LabelQuery) -> Result<Vec<String>, SorError> {
        let mut params = vec![("type", q.profile_type.as_str().to_owned())];
        params.extend(window(q.window));
        let call = endpoints::LABEL_VALUES.at([q.app.as_str(), q.name.as_str()]);
        let answer: LabelValues = self.remote.fetch(call, &params).await?;
        Ok(answer.values)
    }

    #[tracing::instrument(skip_all, fields(app = %query.app, profile_type = %query.profile_type))]
    async fn sites(&self, query: ProfileQuery) -> Result<Vec<FunctionSite>, SorError> {
        let mut params = vec![("type", query.profile_type.as_str().to_owned())];
        params.extend(window(query.window));
        labelled(&mut params, "labels", &query.labels);
        let call = endpoints::SITES.at([query.app.as_str()]);
        let answer: FunctionSites = self.remote.fetch(call, &params).await?;
        Ok(answer.sites)
    }

    /// `GET /pgo/{appName}` of the SOR process: the same route, its gzip pprof as it came.
    #[tracing::instrument(skip_all, fields(app = %query.app))]
    async fn pgo(&self, query: PgoQuery) -> Result<Vec<u8>, SorError> {
        let mut params = window(query.window).to_vec();
        labelled(&mut params, "labels", &query.labels);
        if let Some(keep) = query.keep_locations {
            params.push(("keep_locations", keep.to_string()));
        }
        let call = endpoints::PGO.at([query.app.as_str()]);
        let body = self.remote.fetch_bytes(call, &params).await?;
        Ok(body.to_vec())
    }

    /// The remote process asks its source per app: the watcher does too.
    async fn holding(
        &self,
        _: ProfileType,
        _: TimeWindow,
        _: Vec<String>,
    ) -> Result<Option<Arc<Holding>>, SorError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_are_recomputed_from_the_sample_counts() {
        let mut functions = vec![FunctionStat {
            part_self_samples: Vec::new(),
            name: "f".into(),
            self_percent: 33.33,
            self_samples: 1,
            total_samples: 1,
        }];
        exact_percents(&mut functions, 3);
        assert_eq!(functions[0].self_percent, 1.0 / 3.0 * 100.0);
        exact_percents(&mut functions, 0);
        assert_eq!(functions[0].self_percent, 0.0);
    }
}
