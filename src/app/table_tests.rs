//! The table: every module after those it needs; what each `FUNCTION` starts, transitively; the
//! contracts chosen once (remote, served, absent) and the refusal to start, naming the `*_URL`,
//! when a required one is neither; what the BORs get of the contracts, v1 versus v2.

use std::sync::Arc;

use super::super::contracts::{Choice, Contract};
use super::super::module::{Name, Offers, ProcessHealth, Served};
use super::super::sections;
use super::*;
use pf_baselines::{BaselineReads, BaselineSor, MockBaselineSor};
use pf_history::{HistoryRecorder, HistorySor, MockHistorySor};
use pf_infra::tasks::Tasks;
use pf_infra::telemetry::Metrics;
use pf_profiles::{MockProfileDataSor, ProfileDataSor};

fn settings(env: &[(&str, &str)]) -> Settings {
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Settings::load_from(None, env).unwrap()
}

fn function(value: &str) -> Settings {
    settings(&[("FUNCTION", value)])
}

fn metrics() -> Arc<Metrics> {
    Metrics::new(None).unwrap()
}

#[test]
fn every_module_starts_after_the_modules_it_needs_in_every_function() {
    for (function, _) in Function::ALL {
        for (i, row) in MODULES.iter().enumerate() {
            for need in row.needs(function) {
                let before = MODULES[..i].iter().any(|m| m.name() == *need);
                assert!(before, "{:?} needs {need:?}, after it", row.name());
            }
        }
    }
    let names: Vec<Name> = MODULES.iter().map(|m| m.name()).collect();
    for (i, name) in names.iter().enumerate() {
        assert!(!names[i + 1..].contains(name), "{name:?} twice");
    }
}

#[test]
fn all_starts_every_module_here_and_chooses_each_contract_once() {
    let plan = Plan::of(&settings(&[])).unwrap();
    let every: Vec<Name> = MODULES.iter().map(|m| m.name()).collect();
    assert_eq!(
        plan.here, every,
        "delivery too: the evaluator and the watcher need it"
    );
    // Each contract once, for the first module (in the walk) that needs it.
    let contracts: Vec<Name> = plan.contracts.keys().copied().collect();
    assert_eq!(
        contracts,
        [
            Name::Registry,
            Name::Baselines,
            Name::History,
            Name::AlertRules,
            Name::ProfileData,
            Name::WatcherStores
        ]
    );
    assert!(super::needs_database(Function::All));
}

#[test]
fn a_sor_process_starts_its_store_and_what_it_needs_alone() {
    let plan = Plan::of(&function("ReadPyroscopeBaseline.sor.v1")).unwrap();
    assert_eq!(plan.here, [Name::Baselines]);
    // Whose an app is, for team-bound tokens: the registry, remote or absent.
    assert_eq!(
        plan.contracts.into_iter().collect::<Vec<_>>(),
        [(Name::Registry, Name::Baselines)]
    );
    let plan = Plan::of(&function("ReadPyroscopeProfile.sor.v1")).unwrap();
    assert_eq!(plan.here, [Name::ProfileData]);
    assert!(!super::needs_database(Function::ProfileDataSor));
    assert!(!super::needs_database(Function::TriageV2));
    assert!(super::needs_database(Function::HistorySor));
}

#[test]
fn a_function_whose_needs_are_remote_starts_them_as_clients_and_refuses_without_a_url() {
    // The evaluator needs the rules and Profile Data: both hosted elsewhere.
    let evaluator = [
        ("FUNCTION", "EvaluatePyroscopeAlertRules.v1"),
        ("PROFILE_DATA_URL", "http://profile-data:8082"),
        ("ALERT_RULE_URL", "http://rules:8081"),
    ];
    let plan = Plan::of(&settings(&evaluator)).unwrap();
    assert_eq!(plan.here, [Name::Delivery, Name::Alerts]);
    let used: Vec<_> = plan.contracts.into_iter().collect();
    assert_eq!(
        used,
        [
            (Name::Registry, Name::Alerts),
            (Name::AlertRules, Name::Alerts),
            (Name::ProfileData, Name::Alerts)
        ]
    );
    // Without the rules' URL: refused before anything starts, naming it.
    let err = Plan::of(&settings(&evaluator[..2])).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("ALERT_RULE_URL"), "{message}");
    assert!(message.contains("Alerts"), "{message}");
    // A BOR and the watcher without Profile Data's.
    for function in [
        "ReadPyroscopeTriageAssessment.v2",
        "WatchPyroscopeProfiles.v1",
    ] {
        let message = Plan::of(&settings(&[("FUNCTION", function)]))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("PROFILE_DATA_URL"),
            "{function}: {message}"
        );
    }
    // The optional ones are no reason to refuse.
    let triage = [
        ("FUNCTION", "ReadPyroscopeTriageAssessment.v2"),
        ("PROFILE_DATA_URL", "http://profile-data:8082"),
    ];
    let plan = Plan::of(&settings(&triage)).unwrap();
    let shared = [Name::BaselineReads, Name::HistoryWriter];
    assert_eq!(plan.here, [&shared[..], &[Name::Triage]].concat());
}

#[test]
fn a_v1_bor_neither_uses_nor_checks_the_optional_sors() {
    let urls = [
        ("PROFILE_DATA_URL", "http://profile-data:8082"),
        ("BASELINE_URL", "http://baseline:8081"),
        ("HISTORY_URL", "http://history:8081"),
        ("REGISTRY_URL", "http://registry:8081"),
    ];
    let v1 = [&[("FUNCTION", "ReadPyroscopeDiffReport.v1")], &urls[..]].concat();
    let plan = Plan::of(&settings(&v1)).unwrap();
    assert_eq!(plan.here, [Name::DiffReport], "no reads, no writer");
    let used: Vec<Name> = plan.contracts.into_keys().collect();
    assert_eq!(used, [Name::ProfileData, Name::WatcherStores]);
    // Its v2 reaches all three, baselines and history through what the BORs share.
    let v2 = [&[("FUNCTION", "ReadPyroscopeDiffReport.v2")], &urls[..]].concat();
    let plan = Plan::of(&settings(&v2)).unwrap();
    let used: Vec<(Name, Name)> = plan.contracts.into_iter().collect();
    assert_eq!(
        used,
        [
            (Name::Registry, Name::DiffReport),
            (Name::Baselines, Name::BaselineReads),
            (Name::History, Name::HistoryWriter),
            (Name::ProfileData, Name::DiffReport),
            (Name::WatcherStores, Name::DiffReport),
        ]
    );
}

/// Offers as a process hosting Profile Data and Baseline in-process, as `all` does.
fn served() -> Offers {
    let mut offers = Offers::default();
    offers.put(Served::<dyn ProfileDataSor>(Arc::new(
        MockProfileDataSor::new(),
    )));
    offers.put(Served::<dyn BaselineSor>(Arc::new(MockBaselineSor::new())));
    offers
}

fn contract(module: Name) -> &'static Contract {
    Contract::of(module).unwrap()
}

#[test]
fn a_contract_is_served_here_or_absent_without_a_url() {
    let (s, metrics) = (settings(&[]), metrics());
    let mut offers = served();
    let choice = contract(Name::Baselines)
        .choose(&s, &metrics, &mut offers, Name::Triage)
        .unwrap();
    assert!(matches!(choice, Choice::Served));
    let Served(own) = offers.get::<Served<dyn BaselineSor>>().unwrap();
    let given = offers.get::<Arc<dyn BaselineSor>>().unwrap();
    assert!(
        Arc::ptr_eq(&own, &given),
        "the users get this process's own"
    );
    let choice = contract(Name::History)
        .choose(&s, &metrics, &mut offers, Name::Triage)
        .unwrap();
    assert!(matches!(choice, Choice::Absent));
    assert!(offers.get::<Arc<dyn HistorySor>>().is_none());
    // A required one neither served nor named: refused, naming its URL.
    let err = contract(Name::AlertRules)
        .choose(&s, &metrics, &mut Offers::default(), Name::Alerts)
        .err()
        .unwrap();
    assert!(err.to_string().contains("ALERT_RULE_URL"), "{err}");
}

#[test]
fn a_configured_url_wins_over_the_served_store_and_is_health_checked() {
    let s = settings(&[("BASELINE_URL", "http://baseline:8081")]);
    let mut offers = served();
    let choice = contract(Name::Baselines)
        .choose(&s, &metrics(), &mut offers, Name::Triage)
        .unwrap();
    let Choice::Remote(check) = choice else {
        panic!("the URL is set: remote");
    };
    assert_eq!((check.name(), check.required()), ("baselineSor", false));
    let Served(own) = offers.get::<Served<dyn BaselineSor>>().unwrap();
    let given = offers.get::<Arc<dyn BaselineSor>>().unwrap();
    assert!(
        !Arc::ptr_eq(&own, &given),
        "the users get the remote client"
    );
    let s = settings(&[("PROFILE_DATA_URL", "http://profile-data:8082")]);
    let Ok(Choice::Remote(check)) =
        contract(Name::ProfileData).choose(&s, &metrics(), &mut Offers::default(), Name::Triage)
    else {
        panic!("the URL is set: remote");
    };
    assert_eq!((check.name(), check.required()), ("profileDataSor", true));
}

/// The BORs' rows of the table, and what they share.
const BOR_ROWS: [Name; 5] = [
    Name::BaselineReads,
    Name::HistoryWriter,
    Name::Triage,
    Name::DiffReport,
    Name::FleetSearch,
];

/// Starts the BORs' rows of the table for a process of `settings`, on what `offers` hold (the
/// contracts as chosen): the routes, the tasks and what the rows offered.
fn start_bors(
    settings: &Settings,
    mut offers: Offers,
) -> Result<(usize, Tasks, Offers), StartupError> {
    let plan = Plan::of(settings)?;
    let sections = sections(settings, Arc::new(ProcessHealth::default()));
    let mut ground = Ground {
        function: settings.function,
        sections: &sections,
        database: None,
        metrics: metrics(),
        tasks: Tasks::default(),
    };
    let mut routes = 0;
    for row in MODULES.iter().filter(|m| BOR_ROWS.contains(&m.name())) {
        if plan.here.contains(&row.name()) {
            let started = row.start(&mut ground, &offers)?;
            routes += started.routes.len();
            offers.extend(started.offers);
        }
    }
    Ok((routes, ground.tasks, offers))
}

/// What the contracts give the BORs: Profile Data, Baseline, and `history` when there is one.
fn contracts(history: bool) -> Offers {
    let mut offers = Offers::default();
    offers.put(Arc::new(MockProfileDataSor::new()) as Arc<dyn ProfileDataSor>);
    offers.put(Arc::new(MockBaselineSor::new()) as Arc<dyn BaselineSor>);
    if history {
        offers.put(Arc::new(MockHistorySor::new()) as Arc<dyn HistorySor>);
    }
    offers
}

#[tokio::test]
async fn the_bors_of_a_process_share_one_history_writer_and_v1_records_none() {
    let (routes, tasks, offers) = start_bors(&settings(&[]), contracts(false)).unwrap();
    assert_eq!(routes, 3, "triage, diff, fleet");
    assert!(
        tasks.health_checks().is_empty(),
        "no history store, no writer"
    );
    assert!(offers.get::<HistoryRecorder>().is_none());
    assert!(offers.get::<BaselineReads>().is_some(), "coalesced reads");
    let (_, tasks, offers) = start_bors(&settings(&[]), contracts(true)).unwrap();
    assert_eq!(tasks.health_checks().len(), 1, "one writer for the three");
    assert!(offers.get::<HistoryRecorder>().is_some());
    let v1 = settings(&[
        ("FUNCTION", "ReadPyroscopeTriageAssessment.v1"),
        ("PROFILE_DATA_URL", "http://profile-data:8082"),
    ]);
    let (routes, tasks, offers) = start_bors(&v1, contracts(true)).unwrap();
    assert_eq!(routes, 1, "triage alone");
    assert!(
        tasks.health_checks().is_empty(),
        "a v1 BOR records no history"
    );
    assert!(
        offers.get::<BaselineReads>().is_none(),
        "nor reads baselines"
    );
}

#[tokio::test]
async fn a_broken_rules_file_stops_the_start_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, "no_data_recommendation = 1").unwrap();
    let mut s = settings(&[]);
    s.triage.rules_file = Some(path.clone());
    let err = start_bors(&s, contracts(false)).err().unwrap();
    assert!(err.to_string().contains("rules.toml"), "{err}");
    std::fs::write(&path, pf_triage::SHIPPED_RULES).unwrap();
    assert!(start_bors(&s, contracts(false)).is_ok());
}
