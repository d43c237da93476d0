//! The business functions (BORs): triage, the diff report and fleet search, each with the SORs
//! its version may use as their contracts give them (rule 1 of
//! docs/split-deployment.md#the-dependency-rule), and the one writer of their history queue.

use std::sync::Arc;

use actix_web::web;

use super::module::{Ground, Module, Name, Offers, Started};
use crate::settings::{Bor, BorVersion, Function, Settings};
use pf_baselines::{BaselineSor, CoalescedBaselines};
use pf_diff_report::DiffNeeds;
use pf_fleet_search::FleetNeeds;
use pf_history::{HistorySor, HistoryWriter};
use pf_infra::telemetry::Metrics;
use pf_module::ModuleError;
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_triage::TriageNeeds;
use pf_watch::{FleetSummarySor, TrendSor, WatcherReads};

/// The BORs a process of `function` serves, with their versions.
fn versions(function: Function) -> Vec<BorVersion> {
    [Bor::Triage, Bor::DiffReport, Bor::FleetSearch]
        .into_iter()
        .filter_map(|bor| function.bor_version(bor))
        .collect()
}

/// The BORs of this process, one module: they share one history writer.
pub(super) struct Bors;

impl Module for Bors {
    fn name(&self) -> Name {
        Name::Bors
    }
    /// A v1-only process never uses the optional SORs: neither clients nor health checks, so a
    /// stopped Baseline SOR does not show up in a v1 BOR's readiness.
    fn needs(&self, function: Function) -> &'static [Name] {
        match versions(function).contains(&BorVersion::V2) {
            true => &[
                Name::ProfileData,
                Name::WatcherStores,
                Name::Baselines,
                Name::History,
                Name::Registry,
            ],
            false => &[Name::ProfileData, Name::WatcherStores],
        }
    }
    fn runs_in(&self, function: Function) -> bool {
        !versions(function).is_empty()
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let deps = BorDeps::of(self.name(), needs)?;
        let settings = ground.section::<Arc<Settings>>(self.name())?;
        let (started, writer) = build_bors(&settings, deps, &ground.metrics)?;
        if let Some(writer) = writer {
            let drain = settings.history_writes.drain_timeout_secs;
            ground
                .tasks
                .spawn(writer.status(), drain, move |shutdown| writer.run(shutdown));
        }
        Ok(started)
    }
}

/// The SORs a BOR of this process can use (rule 1 of docs/split-deployment.md#the-dependency-rule).
#[derive(Clone)]
pub(super) struct BorDeps {
    pub(super) profile_data: Arc<dyn ProfileDataSor>,
    pub(super) baseline: Option<Arc<dyn BaselineSor>>,
    pub(super) history: Option<Arc<dyn HistorySor>>,
    pub(super) registry: Option<Arc<dyn RegistrySor>>,
    /// The watcher's trends, for the triage page.
    pub(super) trends: Option<Arc<dyn TrendSor>>,
    /// The watcher's summaries, for fleet answers
    /// (docs/profiles-over-time.md#the-fleet-from-the-summaries).
    pub(super) fleet_summaries: Option<Arc<dyn FleetSummarySor>>,
}

impl BorDeps {
    /// What the table gave module `me`: Profile Data (required), the others when their
    /// contracts give them.
    fn of(me: Name, needs: &Offers) -> Result<Self, ModuleError> {
        let watcher = needs.get::<Arc<dyn WatcherReads>>();
        Ok(BorDeps {
            profile_data: needs.need::<Arc<dyn ProfileDataSor>>(me, Name::ProfileData)?,
            baseline: needs.get::<Arc<dyn BaselineSor>>(),
            history: needs.get::<Arc<dyn HistorySor>>(),
            registry: needs.get::<Arc<dyn RegistrySor>>(),
            trends: watcher.clone().map(|w| w as Arc<dyn TrendSor>),
            fleet_summaries: watcher.map(|w| w as Arc<dyn FleetSummarySor>),
        })
    }

    /// What a BOR of `version` may use: a v1 BOR never uses baselines, history or the registry.
    pub(super) fn for_version(&self, version: BorVersion) -> BorDeps {
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

/// Builds the BOR services this process hosts, each with the SORs its version may use (`deps`),
/// with their routes, and the writer of their history queue, for the caller to run as a
/// background task.
pub(super) fn build_bors(
    settings: &Settings,
    mut deps: BorDeps,
    metrics: &Arc<Metrics>,
) -> Result<(Started, Option<HistoryWriter>), ModuleError> {
    // Concurrent assessments of one app read its baselines once.
    deps.baseline = deps.baseline.map(|store| {
        Arc::new(CoalescedBaselines::new(store, metrics.clone())) as Arc<dyn BaselineSor>
    });
    let function = settings.function;
    // One queue and one writer for every BOR of the process; none where every BOR is v1, which
    // records nothing.
    let writes = &settings.history_writes;
    let queue = deps
        .history
        .clone()
        .filter(|_| versions(function).contains(&BorVersion::V2))
        .map(|h| pf_history::start_writer(writes, h, metrics.clone()));
    let (recorder, writer) = queue.unzip();
    // A v1 BOR's dependencies have no history: it records nothing.
    let recorder = |deps: &BorDeps| deps.history.as_ref().and(recorder.clone());
    let mut started = Started::default();
    if let Some(version) = function.bor_version(Bor::Triage) {
        let deps = deps.for_version(version);
        log_bor("triage", version, &deps);
        let needs = TriageNeeds {
            profiles: deps.profile_data.clone(),
            baselines: deps.baseline.clone(),
            history: recorder(&deps),
            trends: deps.trends.clone(),
        };
        let service = web::Data::new(pf_triage::start(&settings.triage, needs)?);
        started.mount(Some(service), pf_triage::ROUTES);
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
        let service = web::Data::new(pf_diff_report::start(&settings.diff, needs));
        started.mount(Some(service), pf_diff_report::ROUTES);
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
        let service = web::Data::new(pf_fleet_search::start(&settings.fleet, needs));
        started.mount(Some(service), pf_fleet_search::ROUTES);
    }
    Ok((started, writer))
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
