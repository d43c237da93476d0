//! The SOR resolution rule: in-process, remote, absent; v1 versus v2; refusing to start.

use super::*;
use pf_baselines::MockBaselineSor;
use pf_history::MockHistorySor;
use pf_profiles::MockProfileDataSor;

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
    let (deps, checks) = bor_dependencies(&settings(&[]), &hosted, &metrics())
        .unwrap()
        .unwrap();
    assert!(checks.is_empty(), "nothing is remote");
    let in_process = hosted.profile_data.as_ref().unwrap();
    assert!(Arc::ptr_eq(&deps.profile_data, in_process));
    assert!(deps.baseline.is_some());
    // Not hosted (yet) by this build: absent, the BORs behave as v1 for it.
    assert!(deps.history.is_none() && deps.registry.is_none());
    let (bors, writer) = build_bors(&settings(&[]), &hosted, &metrics()).unwrap();
    assert!(bors.triage.is_some() && bors.diff.is_some() && bors.fleet.is_some());
    assert!(writer.is_none(), "no history store, no history writer");
}

#[test]
fn the_bors_of_a_process_share_one_history_writer() {
    let hosted = Hosted {
        history: Some(Arc::new(MockHistorySor::new())),
        ..hosted()
    };
    let (bors, writer) = build_bors(&settings(&[]), &hosted, &metrics()).unwrap();
    assert!(bors.triage.is_some() && bors.diff.is_some());
    assert!(writer.is_some());
    let v1 = settings(&[
        ("FUNCTION", "ReadPyroscopeTriageAssessment.v1"),
        ("PROFILE_DATA_URL", "http://profile-data:8082"),
        ("HISTORY_URL", "http://history:8081"),
    ]);
    let (_, writer) = build_bors(&v1, &hosted, &metrics()).unwrap();
    assert!(writer.is_none(), "a v1 BOR records no history");
}

#[test]
fn a_configured_sor_url_wins_over_the_in_process_store_and_is_health_checked() {
    let s = settings(&[
        ("BASELINE_URL", "http://baseline:8081"),
        ("REGISTRY_URL", "http://registry:8081"),
    ]);
    let hosted = hosted();
    let (deps, checks) = bor_dependencies(&s, &hosted, &metrics()).unwrap().unwrap();
    let in_process = hosted.baseline.as_ref().unwrap();
    assert!(!Arc::ptr_eq(deps.baseline.as_ref().unwrap(), in_process));
    assert!(deps.registry.is_some());
    let names: Vec<_> = checks.iter().map(|c| (c.name(), c.required())).collect();
    assert_eq!(names, [("baselineSor", false), ("registrySor", false)]);
}

#[test]
fn a_v1_bor_neither_uses_nor_checks_the_optional_sors() {
    let s = settings(&[
        ("FUNCTION", "ReadPyroscopeTriageAssessment.v1"),
        ("PROFILE_DATA_URL", "http://profile-data:8082"),
        ("BASELINE_URL", "http://baseline:8081"),
        ("HISTORY_URL", "http://history:8081"),
    ]);
    let (deps, checks) = bor_dependencies(&s, &Hosted::default(), &metrics())
        .unwrap()
        .unwrap();
    assert!(deps.baseline.is_none() && deps.history.is_none());
    let names: Vec<_> = checks.iter().map(|c| (c.name(), c.required())).collect();
    assert_eq!(names, [("profileDataSor", true)]);
}

#[test]
fn v1_never_uses_baselines_history_or_the_registry() {
    let deps = BorDeps {
        profile_data: Arc::new(MockProfileDataSor::new()),
        baseline: Some(Arc::new(MockBaselineSor::new())),
        history: None,
        registry: None,
        trends: None,
        fleet_summaries: None,
    };
    assert!(deps.for_version(BorVersion::V1).baseline.is_none());
    assert!(deps.for_version(BorVersion::V2).baseline.is_some());
}

#[test]
fn a_bor_process_without_profile_data_refuses_to_start() {
    let s = settings(&[("FUNCTION", "ReadPyroscopeTriageAssessment.v2")]);
    let err = bor_dependencies(&s, &hosted(), &metrics()).err().unwrap();
    let msg = err.to_string();
    assert!(msg.contains("ReadPyroscopeTriageAssessment.v2"), "{msg}");
    assert!(msg.contains("PROFILE_DATA_URL"), "{msg}");
    let s = settings(&[
        ("FUNCTION", "ReadPyroscopeFleetSearch.v1"),
        ("PROFILE_DATA_URL", "http://profile-data:8082"),
    ]);
    let (_, checks) = bor_dependencies(&s, &Hosted::default(), &metrics())
        .unwrap()
        .unwrap();
    assert_eq!(checks[0].name(), "profileDataSor");
    assert!(build_bors(&s, &Hosted::default(), &metrics())
        .unwrap()
        .0
        .fleet
        .is_some());
}

#[test]
fn a_sor_process_mounts_no_bor_routes() {
    let sor_only = settings(&[("FUNCTION", "ReadPyroscopeBaseline.sor.v1")]);
    assert!(bor_dependencies(&sor_only, &Hosted::default(), &metrics())
        .unwrap()
        .is_none());
    let (bors, _) = build_bors(&sor_only, &Hosted::default(), &metrics()).unwrap();
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
    std::fs::write(&path, pf_triage::rules::SHIPPED_RULES).unwrap();
    assert!(build_bors(&s, &hosted(), &metrics()).is_ok());
}
