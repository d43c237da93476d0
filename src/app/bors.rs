//! BOR wiring: which SOR implementation each business function gets (rule 1 of
//! docs/split-deployment.md#the-dependency-rule), and the BOR services themselves.

use std::sync::Arc;

use actix_web::web;

use super::profile_source::demo_repositories;
use super::remote_sors::{
    baseline_spec, history_spec, profile_data_spec, registry_spec, trend_spec, RemoteChecks,
    RemoteSors,
};
use super::watcher_stores::WatcherStores;
use super::StartupError;
use crate::alerts::rules::AlertRuleSor;
use crate::alerts::AlertEvaluationService;
use crate::app::settings::{Bor, BorVersion, Settings};
use crate::baselines::{BaselineSor, CoalescedBaselines};
use crate::commits::CommitNamer;
use crate::diff_report::compute::Judgement;
use crate::diff_report::DiffReportService;
use crate::fleet_search::FleetSearchService;
use crate::history::recorder::{history_queue, HistoryWriter};
use crate::history::HistorySor;
use crate::infra::backoff::Backoff;
use crate::infra::telemetry::Metrics;
use crate::profiles::ProfileDataSor;
use crate::registry::RegistrySor;
use crate::regressions::service::RegressionService;
use crate::triage::{RuleSet, TriageService};
use crate::watch::{FleetSummarySor, TrendSor};

/// The SOR implementations this process serves routes for.
#[derive(Clone, Default)]
pub(super) struct Hosted {
    pub(super) baseline: Option<Arc<dyn BaselineSor>>,
    pub(super) history: Option<Arc<dyn HistorySor>>,
    pub(super) registry: Option<Arc<dyn RegistrySor>>,
    pub(super) alert_rules: Option<Arc<dyn AlertRuleSor>>,
    pub(super) profile_data: Option<Arc<dyn ProfileDataSor>>,
    /// The push routes' service, beside the hosted Profile Data.
    pub(super) intake: Option<Arc<crate::ingest::intake::Intake>>,
    /// The Pyroscope query API over the same files (docs/grafana.md).
    pub(super) querier: Option<Arc<crate::querier::Querier>>,
    /// Where pushes are kept, when they are kept here.
    pub(super) profile_store: Option<Arc<crate::ingest::store::ProfileStore>>,
    /// The profile watcher's stores, when this process runs the watcher.
    pub(super) watcher: Option<WatcherStores>,
}

/// The BOR services this process hosts, shared by every worker.
#[derive(Clone, Default)]
pub(super) struct Bors {
    pub(super) triage: Option<web::Data<TriageService>>,
    pub(super) diff: Option<web::Data<DiffReportService>>,
    pub(super) fleet: Option<web::Data<FleetSearchService>>,
    /// The rule evaluator's dry run; hosted by `all`, where the rules and profiles are local.
    pub(super) alerts: Option<web::Data<AlertEvaluationService>>,
    /// The profile watcher's `/trends`.
    pub(super) trends: Option<web::Data<crate::watch::TrendService>>,
    /// The regression detector's `/regressions`.
    pub(super) regressions: Option<web::Data<RegressionService>>,
    /// `GET /`, beside the watcher whose summaries and events it shows.
    pub(super) front_door: Option<web::Data<crate::front_door::FrontDoorService>>,
    /// The Profile Data the watcher reads: the front door lists what arrived from it.
    pub(super) watched_profiles: Option<Arc<dyn ProfileDataSor>>,
    /// `/health` checks of the remote SORs the BORs use.
    pub(super) checks: RemoteChecks,
}

/// The SORs a BOR of this process can use (rule 1 of docs/split-deployment.md#the-dependency-rule).
#[derive(Clone)]
struct BorDeps {
    profile_data: Arc<dyn ProfileDataSor>,
    baseline: Option<Arc<dyn BaselineSor>>,
    history: Option<Arc<dyn HistorySor>>,
    registry: Option<Arc<dyn RegistrySor>>,
    /// The watcher's trends, for the triage page.
    trends: Option<Arc<dyn TrendSor>>,
    /// The watcher's summaries, for fleet answers
    /// (docs/profiles-over-time.md#the-fleet-from-the-summaries-spec-18).
    fleet_summaries: Option<Arc<dyn FleetSummarySor>>,
}

impl BorDeps {
    /// What a BOR of `version` may use: a v1 BOR never uses baselines, history or the registry.
    fn for_version(&self, version: BorVersion) -> BorDeps {
        match version {
            BorVersion::V2 => self.clone(),
            BorVersion::V1 => BorDeps {
                profile_data: self.profile_data.clone(),
                baseline: None,
                history: None,
                registry: None,
                trends: self.trends.clone(),
                fleet_summaries: self.fleet_summaries.clone(),
            },
        }
    }
}

/// The SORs for this process's BORs and the health checks of the remote ones; `None` when it
/// serves no BOR.
fn bor_dependencies(
    settings: &Settings,
    hosted: &Hosted,
    metrics: &Arc<Metrics>,
) -> Result<Option<(BorDeps, RemoteChecks)>, StartupError> {
    let function = settings.function;
    let versions: Vec<BorVersion> = [Bor::Triage, Bor::DiffReport, Bor::FleetSearch]
        .into_iter()
        .filter_map(|bor| function.bor_version(bor))
        .collect();
    if versions.is_empty() {
        return Ok(None);
    }
    let mut remote = RemoteSors::new(settings, metrics);
    let profile_data = remote.resolve(profile_data_spec(), hosted.profile_data.as_ref())?;
    let Some(profile_data) = profile_data else {
        return Err(StartupError::NoProfileData {
            function,
            reason: "set PROFILE_DATA_URL to a Profile Data SOR, or run FUNCTION=all",
        });
    };
    let hosted_watcher = hosted.watcher.as_ref().map(|w| w.reads.clone());
    let watcher = remote.resolve(trend_spec(), hosted_watcher.as_ref())?;
    let mut deps = BorDeps {
        profile_data,
        baseline: None,
        history: None,
        registry: None,
        trends: watcher.clone().map(|w| w as Arc<dyn TrendSor>),
        fleet_summaries: watcher.map(|w| w as Arc<dyn FleetSummarySor>),
    };
    // A v1-only process never uses the optional SORs: neither clients nor health checks, so
    // a stopped Baseline SOR does not show up in a v1 BOR's readiness.
    if versions.contains(&BorVersion::V2) {
        deps.baseline = remote.resolve(baseline_spec(), hosted.baseline.as_ref())?;
        deps.history = remote.resolve(history_spec(), hosted.history.as_ref())?;
        deps.registry = remote.resolve(registry_spec(), hosted.registry.as_ref())?;
    }
    Ok(Some((deps, remote.checks)))
}

/// Builds the BOR services this process hosts, each with the SORs its version may use, and
/// the writer of their history queue, for the caller to run as a background task.
pub(super) fn build_bors(
    settings: &Settings,
    hosted: &Hosted,
    metrics: &Arc<Metrics>,
) -> Result<(Bors, Option<HistoryWriter>), StartupError> {
    let Some((mut deps, checks)) = bor_dependencies(settings, hosted, metrics)? else {
        return Ok((Bors::default(), None));
    };
    // Concurrent assessments of one app read its baselines once.
    deps.baseline = deps.baseline.map(|store| {
        Arc::new(CoalescedBaselines::new(store, metrics.clone())) as Arc<dyn BaselineSor>
    });
    let function = settings.function;
    // One queue and one writer for every BOR of the process.
    // Transient failures are retried until the store answers: the records' keys make that safe.
    let policy = Backoff {
        base: settings.history_writes.base_delay_ms,
        max_delay: settings.history_writes.max_delay_ms,
        max_retries: u32::MAX,
    };
    let (recorder, writer) = match deps.history.clone() {
        Some(store) => {
            let max_pending = settings.history_writes.max_pending.get();
            let (recorder, writer) = history_queue(store, policy, max_pending, metrics.clone());
            (Some(recorder), Some(writer))
        }
        None => (None, None),
    };
    // A v1 BOR's dependencies have no history: it records nothing.
    let recorder = |deps: &BorDeps| deps.history.as_ref().and(recorder.clone());
    let mut bors = Bors {
        checks,
        ..Bors::default()
    };
    if let Some(version) = function.bor_version(Bor::Triage) {
        let deps = deps.for_version(version);
        let rules = load_rules(settings)?;
        log_bor("triage", version, &deps);
        bors.triage = Some(web::Data::new(
            TriageService::new(
                deps.profile_data.clone(),
                deps.baseline.clone(),
                recorder(&deps),
                Arc::new(rules),
                settings.triage.min_score,
            )
            .with_trends(deps.trends.clone()),
        ));
    }
    if let Some(version) = function.bor_version(Bor::DiffReport) {
        let deps = deps.for_version(version);
        log_bor("diff", version, &deps);
        let commits = Arc::new(CommitNamer {
            profiles: deps.profile_data.clone(),
            repositories: demo_repositories(settings, &settings.repositories),
        });
        bors.diff = Some(web::Data::new(
            DiffReportService::new(
                deps.profile_data.clone(),
                deps.baseline.clone(),
                recorder(&deps),
                Judgement {
                    warn_regression_points: settings.diff.warn_regression_points,
                    fdr: settings.diff.fdr,
                },
            )
            .with_commits(commits),
        ));
    }
    if let Some(version) = function.bor_version(Bor::FleetSearch) {
        let deps = deps.for_version(version);
        log_bor("fleet", version, &deps);
        bors.fleet = Some(web::Data::new(
            FleetSearchService::new(
                deps.profile_data.clone(),
                deps.registry.clone(),
                settings.fleet.concurrency.get(),
                settings.fleet.app_timeout_secs,
            )
            .with_summaries(deps.fleet_summaries.clone(), settings.watch.slices())
            .keeping_windows(settings.fleet.summaries_cache_secs, metrics.clone()),
        ));
    }
    Ok((bors, writer))
}

fn log_bor(bor: &str, version: BorVersion, deps: &BorDeps) {
    tracing::info!(
        bor,
        version = ?version,
        baselines = deps.baseline.is_some(),
        history = deps.history.is_some(),
        registry = deps.registry.is_some(),
        "business function ready"
    );
}

/// The shipped triage rules, or the file `triage.rules_file` names.
pub(super) fn load_rules(settings: &Settings) -> Result<RuleSet, StartupError> {
    match &settings.triage.rules_file {
        None => RuleSet::shipped().map_err(|e| StartupError::TriageRules {
            path: "the shipped config/triage-rules.toml".into(),
            reason: e.to_string(),
        }),
        Some(path) => {
            let error = |reason: String| StartupError::TriageRules {
                path: path.display().to_string(),
                reason,
            };
            let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
            RuleSet::parse(&text).map_err(|e| error(e.to_string()))
        }
    }
}

#[cfg(test)]
#[path = "bors_tests.rs"]
mod tests;
