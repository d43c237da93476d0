//! Fleet Search with mocked SORs: discovery, failing and slow apps, registry present/absent/failing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::model::{FleetScope, HotspotRequest, SearchRequest};
use crate::report::FailedApp;
use pf_infra::sor::json_text::JsonObject;
use pf_model::{CallTree, FunctionSite, FunctionStat, ProfileType, TimeWindow, WindowBounds};
use pf_profiles::testing::cpu_profile;
use pf_profiles::{
    DiffTrees, LabelQuery, MockProfileDataSor, Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery,
};
use pf_registry::{MockRegistrySor, Service};
use pf_testing::pct;

/// The functions each test app has.
fn functions_of(app: &str) -> Result<Vec<FunctionStat>, SorError> {
    match app {
        "checkout" => Ok(vec![
            pct("java/util/HashMap.resize", 8.0),
            pct("com/acme/Shared.run", 10.0),
        ]),
        "inventory" => Ok(vec![
            pct("java/util/HashMap.resize", 3.0),
            pct("com/acme/Shared.run", 2.0),
        ]),
        "search" => Ok(vec![pct("java.util.HashMap.resize", 8.0)]),
        "broken" => Err(SorError::Upstream("Pyroscope answered 500".into())),
        other => Err(SorError::NotFound(format!("no app {other}"))),
    }
}

/// Profile Data knowing `apps`, discovering them in unsorted order.
fn profiles(apps: &'static [&'static str]) -> MockProfileDataSor {
    let mut mock = MockProfileDataSor::new();
    mock.expect_apps()
        .returning(move |_| Ok(apps.iter().rev().map(|a| a.to_string()).collect()));
    mock.expect_profile().returning(|q| {
        assert_eq!(q.limit, 50);
        functions_of(q.app.as_str()).map(|f| cpu_profile(q.app.as_str(), f))
    });
    mock
}

fn service(profiles: MockProfileDataSor, registry: Option<MockRegistrySor>) -> FleetSearchService {
    FleetSearchService::new(
        Arc::new(profiles),
        registry.map(|r| Arc::new(r) as Arc<dyn RegistrySor>),
        16,
        Duration::from_secs(10),
    )
}

fn scope(apps: Option<&str>) -> FleetScope {
    FleetScope {
        profile_type: ProfileType::Cpu,
        window: TimeWindow::new(0, 3600).unwrap(),
        apps: apps.map(|a| a.split(',').map(|n| n.parse().unwrap()).collect()),
        labels: Default::default(),
        source: Default::default(),
    }
}

fn search_for(function: &str, apps: Option<&str>) -> SearchRequest {
    SearchRequest {
        function: function.into(),
        scope: scope(apps),
    }
}

fn registered(app: &str, team: &str, tier: Tier) -> Service {
    let at = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    Service {
        id: 1,
        app_name: app.into(),
        team_owner: Some(team.into()),
        tier,
        environment: None,
        notification_channel: Some(format!("#{team}")),
        pyroscope_labels: JsonObject::empty(),
        metadata: JsonObject::empty(),
        created_at: at,
        updated_at: at,
    }
}

fn registry() -> MockRegistrySor {
    let mut mock = MockRegistrySor::new();
    mock.expect_list()
        .withf(|tier| tier.is_none())
        .times(1)
        .returning(|_| Ok(vec![registered("checkout", "payments", Tier::Critical)]));
    mock
}

#[tokio::test]
async fn v1_search_matches_across_discovered_apps_in_a_stable_order() {
    let svc = service(
        profiles(&["checkout", "inventory", "search", "broken"]),
        None,
    );
    let report = svc
        .search(&search_for("HASHMAP/resize", None))
        .await
        .unwrap();
    let body = serde_json::to_value(&report).unwrap();
    assert_eq!(
        body["matches"],
        json!([
            {"app": "checkout", "function": "java/util/HashMap.resize", "selfPercent": 8.0, "selfSamples": 800},
            {"app": "search", "function": "java.util.HashMap.resize", "selfPercent": 8.0, "selfSamples": 800},
            {"app": "inventory", "function": "java/util/HashMap.resize", "selfPercent": 3.0, "selfSamples": 300},
        ])
    );
    assert_eq!(body["matchCount"], 3);
    assert_eq!(body["appsQueried"], 4);
    assert_eq!(
        body["failedApps"],
        json!([{"app": "broken", "error": "Pyroscope answered 500"}])
    );
    assert_eq!(body["query"], "HASHMAP/resize");
}

#[tokio::test]
async fn named_apps_are_queried_without_discovery() {
    let mut mock = MockProfileDataSor::new();
    mock.expect_apps().never();
    mock.expect_profile()
        .returning(|q| functions_of(q.app.as_str()).map(|f| cpu_profile(q.app.as_str(), f)));
    let report = service(mock, None)
        .search(&search_for("resize", Some("inventory,unknown")))
        .await
        .unwrap();
    assert_eq!(report.apps_queried, 2);
    assert_eq!(report.matches.len(), 1);
    assert_eq!(report.failed_apps[0].app, "unknown");
}

#[tokio::test]
async fn a_failing_discovery_is_the_answer() {
    let mut mock = MockProfileDataSor::new();
    mock.expect_apps()
        .returning(|_| Err(SorError::Upstream("Pyroscope is down".into())));
    let err = service(mock, None)
        .search(&search_for("x", None))
        .await
        .unwrap_err();
    assert_eq!(err, SorError::Upstream("Pyroscope is down".into()));
}

#[tokio::test]
async fn v2_search_adds_ownership_of_registered_apps_only() {
    let svc = service(profiles(&["checkout", "inventory"]), Some(registry()));
    let body =
        serde_json::to_value(svc.search(&search_for("resize", None)).await.unwrap()).unwrap();
    assert_eq!(
        body["matches"][0],
        json!({"app": "checkout", "function": "java/util/HashMap.resize", "selfPercent": 8.0,
               "selfSamples": 800, "teamOwner": "payments", "tier": "critical", "notificationChannel": "#payments"})
    );
    assert!(body["matches"][1].get("tier").is_none());
}

#[tokio::test]
async fn a_failing_registry_answers_without_ownership() {
    let mut failing = MockRegistrySor::new();
    failing
        .expect_list()
        .returning(|_| Err(SorError::Unavailable("database down".into())));
    let svc = service(profiles(&["checkout"]), Some(failing));
    let report = svc.search(&search_for("resize", None)).await.unwrap();
    assert_eq!(report.matches.len(), 1);
    assert_eq!(report.matches[0].tier, None);
    assert_eq!(report.matches[0].team_owner, None);
    let hotspots = service(profiles(&["checkout"]), None)
        .hotspots(&HotspotRequest {
            limit: 20,
            scope: scope(None),
        })
        .await
        .unwrap();
    assert_eq!(hotspots.hotspots[0].critical_service_count, None);
}

#[tokio::test]
async fn v2_hotspots_add_tiers_and_count_critical_services() {
    let svc = service(
        profiles(&["checkout", "inventory", "broken"]),
        Some(registry()),
    );
    let report = svc
        .hotspots(&HotspotRequest {
            limit: 1,
            scope: scope(None),
        })
        .await
        .unwrap();
    let body = serde_json::to_value(&report).unwrap();
    assert_eq!(
        body["hotspots"],
        json!([{
            "function": "com/acme/Shared.run", "serviceCount": 2, "maxSelfPercent": 10.0,
            "impactScore": 20.0, "criticalServiceCount": 1,
            "services": [
                {"app": "checkout", "selfPercent": 10.0, "teamOwner": "payments", "tier": "critical"},
                {"app": "inventory", "selfPercent": 2.0}
            ]
        }])
    );
    assert_eq!(body["appsQueried"], 3);
    assert_eq!(body["failedApps"][0]["app"], "broken");
}

/// A Profile Data that is slow for `slow-*` apps and records how many calls overlap.
#[derive(Default)]
struct SlowProfiles {
    running: AtomicUsize,
    peak: AtomicUsize,
}

#[async_trait]
impl ProfileDataSor for SlowProfiles {
    async fn apps(&self, _: TimeWindow) -> Result<Vec<String>, SorError> {
        Ok((0..12)
            .map(|i| format!("app-{i:02}"))
            .chain(["slow-1".to_owned()])
            .collect())
    }

    async fn app_types(&self, _: TimeWindow) -> Result<Vec<pf_profiles::AppTypes>, SorError> {
        Ok(Vec::new())
    }

    async fn profile(&self, q: ProfileQuery) -> Result<Profile, SorError> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let pause = if q.app.as_str().starts_with("slow") {
            5_000
        } else {
            20
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(cpu_profile(q.app.as_str(), vec![pct("hot", 1.0)]))
    }

    async fn diff(&self, _: ProfileDiffQuery) -> Result<ProfileDiff, SorError> {
        Err(SorError::Unexpected("not used".into()))
    }

    async fn tree(&self, _: ProfileQuery) -> Result<Arc<CallTree>, SorError> {
        Err(SorError::Unexpected("not used".into()))
    }

    async fn diff_trees(&self, _: ProfileDiffQuery) -> Result<DiffTrees, SorError> {
        Err(SorError::Unexpected("not used".into()))
    }

    async fn label_values(&self, _: LabelQuery) -> Result<Vec<String>, SorError> {
        Err(SorError::Unexpected("not used".into()))
    }
    async fn sites(&self, _: ProfileQuery) -> Result<Vec<FunctionSite>, SorError> {
        Ok(Vec::new())
    }
    async fn pgo(&self, _: pf_profiles::PgoQuery) -> Result<Vec<u8>, SorError> {
        Err(SorError::Unexpected("not used".into()))
    }

    async fn holding(
        &self,
        _: ProfileType,
        _: TimeWindow,
        _: Vec<String>,
    ) -> Result<Option<Arc<pf_profiles::Holding>>, SorError> {
        Ok(None)
    }
}

#[tokio::test]
async fn apps_are_queried_with_bounded_concurrency_and_a_per_app_timeout() {
    let fake = Arc::new(SlowProfiles::default());
    let svc = FleetSearchService::new(fake.clone(), None, 3, Duration::from_millis(200));
    let report = svc.search(&search_for("hot", None)).await.unwrap();
    assert_eq!(report.apps_queried, 13);
    assert_eq!(report.match_count, 12);
    assert_eq!(
        report.failed_apps,
        [FailedApp {
            app: "slow-1".into(),
            error: "no answer within 0.2s".into(),
            missing_slices: None,
        }]
    );
    assert!(
        fake.peak.load(Ordering::SeqCst) <= 3,
        "at most 3 apps at once"
    );
    // Equal percentages are ordered by app, whatever the completion order.
    let apps: Vec<&str> = report.matches.iter().map(|m| m.app.as_str()).collect();
    let mut sorted = apps.clone();
    sorted.sort();
    assert_eq!(apps, sorted);
}

#[test]
fn search_and_hotspot_parameters_are_validated() {
    use crate::model::{HotspotParams, ScopeParams, SearchParams};
    let search = |function: Option<&str>, scope: &ScopeParams| {
        let params = SearchParams {
            function: function.map(str::to_owned),
        };
        SearchRequest::parse(params, scope, WindowBounds::new(7200, 31))
    };
    let every = ScopeParams::default();
    assert_eq!(search(None, &every).unwrap_err().code(), "missing_field");
    assert_eq!(
        search(Some("  "), &every).unwrap_err().code(),
        "missing_field"
    );
    let two = ScopeParams {
        apps: Some("b, a,,b".into()),
        profile_type: Some("memory".into()),
        ..Default::default()
    };
    let req = search(Some(" resize "), &two).unwrap();
    assert_eq!(req.function, "resize");
    assert_eq!(req.scope.profile_type, ProfileType::Alloc);
    assert_eq!(req.scope.window, TimeWindow::new(3600, 7200).unwrap());
    let apps: Vec<&str> = req
        .scope
        .apps
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(apps, ["a", "b"]);
    let blank = ScopeParams {
        apps: Some(" , ".into()),
        ..Default::default()
    };
    assert_eq!(search(Some("x"), &blank).unwrap().scope.apps, None);
    let limit = HotspotParams { limit: Some(1001) };
    assert_eq!(
        HotspotRequest::parse(limit, &every, WindowBounds::new(7200, 31))
            .unwrap_err()
            .code(),
        "invalid_limit"
    );
    assert_eq!(
        HotspotRequest::parse(
            HotspotParams::default(),
            &every,
            WindowBounds::new(7200, 31)
        )
        .unwrap()
        .limit,
        20
    );
}
