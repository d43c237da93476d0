//! The Profile Data contract: the Pyroscope-backed SOR and the HTTP client of a Profile Data
//! SOR process, both on the same stub Pyroscope, must return equal profiles and errors.

use std::sync::Arc;

use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::{ProfileType, TimeWindow};
use pf_profiles::{PgoQuery, ProfileDataSor, ProfileDiffQuery, ProfileQuery, RemoteProfileData};
use pf_pyroscope::PyroscopeProfileData;
use pyroscope_functions::app::settings::Settings;
use url::Url;
use wiremock::MockServer;

use pf_formats::formats::pyroscope_api::paths;

use crate::contract::app;
use crate::helpers::spawn_profile_data_sor;
use crate::stubs::generated::{self, APPS, BASELINE_FROM, BASELINE_TO, CURRENT_FROM, CURRENT_TO};
use crate::stubs::standin::PyroscopeStandIn;
use crate::stubs::standin_client::cpu_pprof;

fn in_process(pyroscope: &MockServer) -> Arc<dyn ProfileDataSor> {
    in_process_at(Url::parse(&pyroscope.uri()).unwrap())
}

fn in_process_at(url: Url) -> Arc<dyn ProfileDataSor> {
    let mut settings = Settings::load_from(None, Vec::new()).unwrap();
    settings.pyroscope.url = Some(url);
    // The stub keeps every profile, however old, as the remote process is told to.
    settings.pyroscope.max_lookback_days = 0;
    let limits = settings.profiles.limits();
    let sor = PyroscopeProfileData::new(&settings.pyroscope, limits, Metrics::new(None).unwrap());
    Arc::new(sor.unwrap())
}

async fn remote(pyroscope: &MockServer) -> Arc<dyn ProfileDataSor> {
    remote_at(Url::parse(&pyroscope.uri()).unwrap()).await
}

async fn remote_at(url: Url) -> Arc<dyn ProfileDataSor> {
    let sor = spawn_profile_data_sor(move |s| s.pyroscope.url = Some(url)).await;
    let base = Url::parse(&sor.address).unwrap();
    let client = RemoteSor::new(
        "Profile Data",
        "profileDataSor",
        base,
        std::time::Duration::from_secs(10),
        Metrics::new(None).unwrap(),
    );
    Arc::new(RemoteProfileData::new(client.unwrap()))
}

fn current() -> TimeWindow {
    TimeWindow::new(CURRENT_FROM, CURRENT_TO).unwrap()
}

/// What one implementation answers to the contract's calls, for comparison.
#[derive(Debug, PartialEq)]
struct Answers {
    apps: Vec<String>,
    /// JSON as the routes serialize it (percentages rounded), plus the exact values below.
    json: Vec<serde_json::Value>,
    /// Exact `selfPercent`s: BORs compute with these, so they must not lose precision.
    exact: Vec<Vec<f64>>,
    missing: SorError,
}

async fn profile_data_contract(sor: Arc<dyn ProfileDataSor>) -> Answers {
    let apps = sor.apps(current()).await.unwrap();
    assert_eq!(apps.len(), APPS.len());
    let mut json = Vec::new();
    let mut exact = Vec::new();
    for (name, profile_type) in [(APPS[1], ProfileType::Cpu), (APPS[2], ProfileType::Alloc)] {
        let profile = sor
            .profile(ProfileQuery {
                labels: Default::default(),
                app: app(name),
                profile_type,
                window: current(),
                limit: 50,
            })
            .await
            .unwrap();
        assert_eq!(profile.app_name, name);
        assert!(!profile.functions.is_empty(), "{profile:?}");
        exact.push(profile.functions.iter().map(|f| f.self_percent).collect());
        json.push(serde_json::to_value(&profile).unwrap());
    }
    let diff = sor
        .diff(ProfileDiffQuery {
            baseline_labels: Default::default(),
            current_labels: Default::default(),
            app: app(APPS[0]),
            profile_type: ProfileType::Cpu,
            baseline: TimeWindow::new(BASELINE_FROM, BASELINE_TO).unwrap(),
            current: current(),
            limit: 500,
            slices: 4,
        })
        .await
        .unwrap();
    assert_ne!(diff.baseline.functions, diff.current.functions);
    exact.push(
        diff.current
            .functions
            .iter()
            .map(|f| f.self_percent)
            .collect(),
    );
    exact.push(
        diff.baseline
            .functions
            .iter()
            .map(|f| f.self_percent)
            .collect(),
    );
    json.push(serde_json::to_value(&diff).unwrap());
    // The stub knows no such app: Pyroscope answers 404, which is an upstream failure.
    let missing = sor
        .profile(ProfileQuery {
            labels: Default::default(),
            app: app("unknown app"),
            profile_type: ProfileType::Cpu,
            window: current(),
            limit: 10,
        })
        .await
        .unwrap_err();
    assert!(matches!(missing, SorError::Upstream(_)), "{missing:?}");
    Answers {
        apps,
        json,
        exact,
        missing,
    }
}

#[tokio::test]
async fn profile_data_contract_in_process_and_remote_answer_the_same() {
    let pyroscope = generated::start().await;
    let local = profile_data_contract(in_process(&pyroscope)).await;
    let remote = profile_data_contract(remote(&pyroscope).await).await;
    assert_eq!(local, remote);
}

/// `GET /pgo`'s gzip pprof from Pyroscope's merged pprof, whole and cut to one location: the
/// same bytes in process and through a Profile Data process, and the stand-in was asked for
/// pprof with the compiler's selector.
#[tokio::test]
async fn the_compilers_profile_from_pyroscope_is_the_same_in_process_and_remote() {
    let standin = PyroscopeStandIn::start().await;
    let taken = (CURRENT_FROM + 60) * 1_000_000_000;
    let stacks = [
        ("main.main (app/main.go:10);main.work (app/work.go:20)", 60),
        ("main.main (app/main.go:10);main.idle (app/idle.go:5)", 40),
    ];
    standin.keep(
        &[("service_name", APPS[1])],
        &cpu_pprof(taken, &stacks, &[]),
    );
    let (local, remote) = (in_process_at(standin.url()), remote_at(standin.url()).await);
    for keep_locations in [None, std::num::NonZeroUsize::new(1)] {
        let query = PgoQuery {
            app: app(APPS[1]),
            window: current(),
            labels: Default::default(),
            keep_locations,
        };
        let here = local.pgo(query.clone()).await.unwrap();
        assert!(here.starts_with(&[0x1f, 0x8b]), "a gzip pprof");
        assert_eq!(remote.pgo(query).await.unwrap(), here);
    }
    let asked = standin.messages(paths::SELECT_MERGE_STACKTRACES);
    assert!(
        asked.iter().any(|m| m["format"] == "PROFILE_FORMAT_PPROF"
            && m["stackTraceSelector"]["goPgo"]["keepLocations"] == 1),
        "{asked:#?}"
    );
}
