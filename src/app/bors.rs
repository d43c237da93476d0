//! BOR wiring: which SOR implementation each business function gets (rule 1 of
//! docs/split-deployment.md#the-dependency-rule), and the BOR services themselves.

use std::sync::Arc;

use actix_web::web;

use super::remote_sors::{
    RemoteChecks, RemoteSors, BASELINE_SPEC, HISTORY_SPEC, PROFILE_DATA_SPEC, REGISTRY_SPEC,
    TREND_SPEC,
};
use super::watcher_stores::WatcherStores;
use super::StartupError;
use crate::settings::{Bor, BorVersion, Settings};
use pf_alerts::rules::AlertRuleSor;
use pf_baselines::{BaselineSor, CoalescedBaselines};
use pf_diff_report::start::{self as diff_report, DiffNeeds};
use pf_diff_report::DiffReportService;
use pf_fleet_search::start::{self as fleet_search, FleetNeeds};
use pf_fleet_search::FleetSearchService;
use pf_history::recorder::{self, HistoryWriter};
use pf_history::HistorySor;
use pf_infra::telemetry::Metrics;
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_triage::start::{self as triage, TriageNeeds};
use pf_triage::TriageService;
use pf_watch::{FleetSummarySor, TrendSor};

/// The SOR implementations this process serves routes for.
#[derive(Clone, Default)]
pub(super) struct Hosted {
    pub(super) baseline: Option<Arc<dyn BaselineSor>>,
    pub(super) history: Option<Arc<dyn HistorySor>>,
    pub(super) registry: Option<Arc<dyn RegistrySor>>,
    pub(super) alert_rules: Option<Arc<dyn AlertRuleSor>>,
    pub(super) profile_data: Option<Arc<dyn ProfileDataSor>>,
    /// The push routes' service, beside the hosted Profile Data.
    pub(super) intake: Option<Arc<pf_ingest::intake::Intake>>,
    /// The Pyroscope query API over the same files (docs/grafana.md).
    pub(super) querier: Option<Arc<pf_querier::Querier>>,
    /// The profile watcher's stores, when this process runs the watcher.
    pub(super) watcher: Option<WatcherStores>,
}

/// The BOR services this process hosts, shared by every worker.
#[derive(Clone, Default)]
pub(super) struct Bors {
    pub(super) triage: Option<web::Data<TriageService>>,
    pub(super) diff: Option<web::Data<DiffReportService>>,
    pub(super) fleet: Option<web::Data<FleetSearchService>>,
    /// `/health` checks of the remote SORs the BORs, the alert evaluator and the watcher use.
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
    /// (docs/profiles-over-time.md#the-fleet-from-the-summaries).
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
    let profile_data = remote.resolve(PROFILE_DATA_SPEC, hosted.profile_data.as_ref())?;
    let Some(profile_data) = profile_data else {
        return Err(StartupError::NoProfileData {
            function,
            reason: "set PROFILE_DATA_URL to a Profile Data SOR, or run FUNCTION=all",
        });
    };
    let hosted_watcher = hosted.watcher.as_ref().map(|w| w.reads.clone());
    let watcher = remote.resolve(TREND_SPEC, hosted_watcher.as_ref())?;
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
        deps.baseline = remote.resolve(BASELINE_SPEC, hosted.baseline.as_ref())?;
        deps.history = remote.resolve(HISTORY_SPEC, hosted.history.as_ref())?;
        deps.registry = remote.resolve(REGISTRY_SPEC, hosted.registry.as_ref())?;
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
    let writes = &settings.history_writes;
    let queue = deps
        .history
        .clone()
        .map(|h| recorder::start(writes, h, metrics.clone()));
    let (recorder, writer) = queue.unzip();
    // A v1 BOR's dependencies have no history: it records nothing.
    let recorder = |deps: &BorDeps| deps.history.as_ref().and(recorder.clone());
    let mut bors = Bors {
        checks,
        ..Bors::default()
    };
    if let Some(version) = function.bor_version(Bor::Triage) {
        let deps = deps.for_version(version);
        log_bor("triage", version, &deps);
        let needs = TriageNeeds {
            profiles: deps.profile_data.clone(),
            baselines: deps.baseline.clone(),
            history: recorder(&deps),
            trends: deps.trends.clone(),
        };
        bors.triage = Some(web::Data::new(triage::start(&settings.triage, needs)?));
    }
    if let Some(version) = function.bor_version(Bor::DiffReport) {
        let deps = deps.for_version(version);
        log_bor("diff", version, &deps);
        let needs = DiffNeeds {
            profiles: deps.profile_data.clone(),
            baselines: deps.baseline.clone(),
            history: recorder(&deps),
            repositories: settings.repositories_with_demo(),
        };
        bors.diff = Some(web::Data::new(diff_report::start(&settings.diff, needs)));
    }
    if let Some(version) = function.bor_version(Bor::FleetSearch) {
        let deps = deps.for_version(version);
        log_bor("fleet", version, &deps);
        let needs = FleetNeeds {
            profiles: deps.profile_data.clone(),
            registry: deps.registry.clone(),
            summaries: deps.fleet_summaries.clone(),
            slices: settings.watch.slices(),
            metrics: metrics.clone(),
        };
        bors.fleet = Some(web::Data::new(fleet_search::start(&settings.fleet, needs)));
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

#[cfg(test)]
#[path = "bors_tests.rs"]
mod tests;
