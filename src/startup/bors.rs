//! BOR wiring: which SOR implementation each business function gets (SPEC §1, rule 1), and
//! the BOR services themselves.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use super::{Hosted, StartupError};
use crate::bor::diff_report::DiffReportService;
use crate::bor::fleet_search::FleetSearchService;
use crate::bor::triage::{RuleSet, TriageService};
use crate::bor::{HistoryRecorder, RetryPolicy};
use crate::settings::{Bor, BorVersion, Function, Settings};
use crate::sor::{BaselineSor, HistorySor, ProfileDataSor, RegistrySor};
use crate::telemetry::Metrics;

/// The BOR services this process hosts, shared by every worker.
#[derive(Clone, Default)]
pub(super) struct Bors {
    pub(super) triage: Option<web::Data<TriageService>>,
    pub(super) diff: Option<web::Data<DiffReportService>>,
    pub(super) fleet: Option<web::Data<FleetSearchService>>,
}

/// The SORs a BOR of this process can use (SPEC §1, rule 1).
#[derive(Clone)]
struct BorDeps {
    profile_data: Arc<dyn ProfileDataSor>,
    baseline: Option<Arc<dyn BaselineSor>>,
    history: Option<Arc<dyn HistorySor>>,
    registry: Option<Arc<dyn RegistrySor>>,
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
            },
        }
    }
}

/// One SOR for the BORs: `<SOR>_URL` set → the remote client; else the in-process
/// implementation when this process hosts that SOR; else absent (the BOR behaves as v1 for it).
fn resolve_sor<T: ?Sized>(
    name: &'static str,
    url: Option<&url::Url>,
    hosted_here: bool,
    in_process: Option<&Arc<T>>,
) -> Option<Arc<T>> {
    if let Some(url) = url {
        // TODO(remote-sor-clients): the HTTP clients of the SORs arrive in a later issue;
        // until then a configured URL is treated as "absent" rather than silently ignored.
        tracing::warn!(sor = name, %url, "remote SOR clients are not available yet; the BORs run without this SOR");
        return None;
    }
    if hosted_here {
        in_process.cloned()
    } else {
        None
    }
}

/// The SORs for this process's BORs; `None` when it serves no BOR.
fn bor_dependencies(settings: &Settings, hosted: &Hosted) -> Result<Option<BorDeps>, StartupError> {
    let function = settings.function;
    let serves_bor = [Bor::Triage, Bor::DiffReport, Bor::FleetSearch]
        .into_iter()
        .any(|bor| function.bor_version(bor).is_some());
    if !serves_bor {
        return Ok(None);
    }
    let urls = &settings.sors;
    let profile_data = resolve_sor(
        "profile_data",
        urls.profile_data_url.as_ref(),
        function.hosts(Function::ProfileDataSor),
        hosted.profile_data.as_ref(),
    );
    let Some(profile_data) = profile_data else {
        if urls.profile_data_url.is_none() && function.hosts(Function::ProfileDataSor) {
            // TODO(pyroscope-client): transitional. This process hosts Profile Data but its
            // Pyroscope-backed implementation is not built yet; once it is, `hosted.profile_data`
            // is always set here and this branch goes away.
            tracing::warn!("the in-process Profile Data SOR is not available yet: triage, diff and fleet routes are not mounted");
            return Ok(None);
        }
        return Err(StartupError::NoProfileData {
            function,
            reason: if urls.profile_data_url.is_some() {
                "PROFILE_DATA_URL is set, but remote SOR clients are not available in this build"
            } else {
                "set PROFILE_DATA_URL to a Profile Data SOR, or run FUNCTION=all"
            },
        });
    };
    Ok(Some(BorDeps {
        profile_data,
        baseline: resolve_sor(
            "baseline",
            urls.baseline_url.as_ref(),
            function.hosts(Function::BaselineSor),
            hosted.baseline.as_ref(),
        ),
        history: resolve_sor(
            "history",
            urls.history_url.as_ref(),
            function.hosts(Function::HistorySor),
            hosted.history.as_ref(),
        ),
        registry: resolve_sor(
            "registry",
            urls.registry_url.as_ref(),
            function.hosts(Function::RegistrySor),
            hosted.registry.as_ref(),
        ),
    }))
}

/// Builds the BOR services this process hosts, each with the SORs its version may use.
pub(super) fn build_bors(
    settings: &Settings,
    hosted: &Hosted,
    metrics: &Arc<Metrics>,
) -> Result<Bors, StartupError> {
    let Some(deps) = bor_dependencies(settings, hosted)? else {
        return Ok(Bors::default());
    };
    let function = settings.function;
    let policy = RetryPolicy {
        attempts: settings.history_writes.attempts,
        base_delay: Duration::from_millis(settings.history_writes.base_delay_ms),
    };
    let recorder = |deps: &BorDeps| {
        deps.history
            .clone()
            .map(|store| HistoryRecorder::new(store, policy, metrics.clone()))
    };
    let mut bors = Bors::default();
    if let Some(version) = function.bor_version(Bor::Triage) {
        let deps = deps.for_version(version);
        let rules = load_rules(settings)?;
        log_bor("triage", version, &deps);
        bors.triage = Some(web::Data::new(TriageService::new(
            deps.profile_data.clone(),
            deps.baseline.clone(),
            recorder(&deps),
            Arc::new(rules),
            settings.triage.min_score,
        )));
    }
    if let Some(version) = function.bor_version(Bor::DiffReport) {
        let deps = deps.for_version(version);
        log_bor("diff", version, &deps);
        bors.diff = Some(web::Data::new(DiffReportService::new(
            deps.profile_data.clone(),
            deps.baseline.clone(),
            recorder(&deps),
            settings.diff.warn_regression_points,
        )));
    }
    if let Some(version) = function.bor_version(Bor::FleetSearch) {
        let deps = deps.for_version(version);
        log_bor("fleet", version, &deps);
        bors.fleet = Some(web::Data::new(FleetSearchService::new(
            deps.profile_data.clone(),
            deps.registry.clone(),
            settings.fleet.concurrency,
            Duration::from_secs(settings.fleet.app_timeout_secs),
        )));
    }
    Ok(bors)
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
fn load_rules(settings: &Settings) -> Result<RuleSet, StartupError> {
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
mod tests {
    use super::*;
    use crate::sor::{MockBaselineSor, MockProfileDataSor};

    fn settings(env: &[(&str, &str)]) -> Settings {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Settings::load_from(None, env).unwrap()
    }

    /// A process hosting Profile Data and Baseline in-process, as `all` will.
    fn hosted() -> Hosted {
        Hosted {
            profile_data: Some(Arc::new(MockProfileDataSor::new())),
            baseline: Some(Arc::new(MockBaselineSor::new())),
            ..Hosted::default()
        }
    }

    fn metrics() -> Arc<Metrics> {
        Metrics::new(None).unwrap()
    }

    #[test]
    fn all_gives_the_bors_the_in_process_sors() {
        let hosted = hosted();
        let deps = bor_dependencies(&settings(&[]), &hosted).unwrap().unwrap();
        let in_process = hosted.profile_data.as_ref().unwrap();
        assert!(Arc::ptr_eq(&deps.profile_data, in_process));
        assert!(deps.baseline.is_some());
        // Not hosted (yet) by this build: absent, the BORs behave as v1 for it.
        assert!(deps.history.is_none() && deps.registry.is_none());
        let bors = build_bors(&settings(&[]), &hosted, &metrics()).unwrap();
        assert!(bors.triage.is_some() && bors.diff.is_some() && bors.fleet.is_some());
    }

    #[test]
    fn a_configured_sor_url_counts_as_absent_until_remote_clients_exist() {
        let s = settings(&[("BASELINE_URL", "http://baseline:8081")]);
        let deps = bor_dependencies(&s, &hosted()).unwrap().unwrap();
        assert!(deps.baseline.is_none());
    }

    #[test]
    fn v1_never_uses_baselines_history_or_the_registry() {
        let deps = BorDeps {
            profile_data: Arc::new(MockProfileDataSor::new()),
            baseline: Some(Arc::new(MockBaselineSor::new())),
            history: None,
            registry: None,
        };
        assert!(deps.for_version(BorVersion::V1).baseline.is_none());
        assert!(deps.for_version(BorVersion::V2).baseline.is_some());
    }

    #[test]
    fn a_bor_process_without_profile_data_refuses_to_start() {
        let s = settings(&[("FUNCTION", "ReadPyroscopeTriageAssessment.v2")]);
        let err = bor_dependencies(&s, &hosted()).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("ReadPyroscopeTriageAssessment.v2"), "{msg}");
        assert!(msg.contains("PROFILE_DATA_URL"), "{msg}");
        let s = settings(&[
            ("FUNCTION", "ReadPyroscopeFleetSearch.v1"),
            ("PROFILE_DATA_URL", "http://profile-data:8082"),
        ]);
        let msg = bor_dependencies(&s, &hosted()).err().unwrap().to_string();
        assert!(msg.contains("remote SOR clients"), "{msg}");
    }

    #[test]
    fn processes_without_bors_or_without_the_pyroscope_client_mount_no_bor_routes() {
        let sor_only = settings(&[("FUNCTION", "ReadPyroscopeBaseline.sor.v1")]);
        assert!(bor_dependencies(&sor_only, &Hosted::default())
            .unwrap()
            .is_none());
        // `all` before the Pyroscope client exists: starts, without BOR routes.
        let bors = build_bors(&settings(&[]), &Hosted::default(), &metrics()).unwrap();
        assert!(bors.triage.is_none() && bors.diff.is_none() && bors.fleet.is_none());
    }

    #[test]
    fn a_broken_rules_file_stops_the_start_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(&path, "no_data_recommendation = 1").unwrap();
        let mut s = settings(&[]);
        s.triage.rules_file = Some(path.clone());
        let err = build_bors(&s, &hosted(), &metrics()).err().unwrap();
        assert!(err.to_string().contains("rules.toml"), "{err}");
        std::fs::write(&path, crate::bor::triage::rules::SHIPPED_RULES).unwrap();
        assert!(build_bors(&s, &hosted(), &metrics()).is_ok());
    }
}
