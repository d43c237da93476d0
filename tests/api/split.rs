//! A split deployment answers exactly like the all-in-one process: five SOR processes and three
//! v2 BOR processes, each configured as its Deployment would be, against one database and one
//! stub Pyroscope, next to an all-in-one process on the same database and stub.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use pyroscope_functions::app::settings::{Function, Settings};
use reqwest::Client;
use serde_json::{json, Value};
use wiremock::MockServer;

use crate::helpers::{json_with_status, spawn_server, wait_until_ready, TestDatabase};
use crate::stubs::generated::{self, APPS, BASELINE_FROM, BASELINE_TO, CURRENT_FROM, CURRENT_TO};

/// Settings of one process from the environment its Deployment sets (as in
/// `deploy/kubernetes/split.yaml`), plus a random port and one worker for the test.
pub fn process(env: &[(&str, &str)]) -> Settings {
    let mut env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.push(("PORT".into(), "0".into()));
    let mut settings = Settings::load_from(None, env).unwrap();
    settings.server.host = "127.0.0.1".into();
    settings.server.workers = 1;
    settings.database.embedded.enabled = false;
    // The stub Pyroscopes keep every profile, however old (as `helpers::settings_without_database`).
    settings.pyroscope.max_lookback_days = 0;
    settings
}

/// Where the BOR processes find the SORs (PROFILE_DATA_URL, BASELINE_URL, ...).
#[derive(Clone)]
pub struct SorUrls {
    pub profile_data: String,
    pub baseline: String,
    pub history: String,
    pub registry: String,
}

impl SorUrls {
    /// A BOR process of `function` with every SOR URL set, as `split.yaml` configures it.
    pub fn bor(&self, function: Function) -> Settings {
        process(&[
            ("FUNCTION", function.name()),
            ("PROFILE_DATA_URL", &self.profile_data),
            ("BASELINE_URL", &self.baseline),
            ("HISTORY_URL", &self.history),
            ("REGISTRY_URL", &self.registry),
        ])
    }
}

pub async fn spawn_ready(settings: Settings) -> String {
    let address = spawn_server(settings).await;
    wait_until_ready(&address).await;
    address
}

/// A SOR process of `function` on the shared database.
pub fn on_db(db: &TestDatabase, function: Function) -> Settings {
    process(&[
        ("FUNCTION", function.name()),
        ("DATABASE_URL", db.url.as_str()),
    ])
}

/// The five SOR processes on `db` and `pyroscope`, as a split deployment runs them.
pub async fn spawn_sors(db: &TestDatabase, pyroscope: &MockServer) -> SorUrls {
    let profile_data = process(&[
        ("FUNCTION", Function::ProfileDataSor.name()),
        ("PYROSCOPE_URL", &pyroscope.uri()),
    ]);
    let urls = SorUrls {
        profile_data: spawn_ready(profile_data).await,
        baseline: spawn_ready(on_db(db, Function::BaselineSor)).await,
        history: spawn_ready(on_db(db, Function::HistorySor)).await,
        registry: spawn_ready(on_db(db, Function::RegistrySor)).await,
    };
    spawn_ready(on_db(db, Function::AlertRuleSor)).await;
    urls
}

pub fn encoded(app: &str) -> String {
    utf8_percent_encode(app, NON_ALPHANUMERIC).to_string()
}

pub async fn get_json(client: &Client, url: String) -> Value {
    json_with_status(client.get(url).send().await.unwrap(), 200).await
}

/// Baselines below the current share of each app's top CPU functions (so triage reports
/// violations), and registrations for all but the last app.
pub async fn seed(client: &Client, sors: &SorUrls) {
    for app in APPS {
        let profile = get_json(
            client,
            format!(
                "{}/profiles/{}?type=cpu&from={CURRENT_FROM}&to={CURRENT_TO}&limit=2",
                sors.profile_data,
                encoded(app)
            ),
        )
        .await;
        for f in profile["functions"].as_array().unwrap() {
            let share = f["selfPercent"].as_f64().unwrap();
            let body = json!({"appName": app, "profileType": "cpu", "functionName": f["name"],
                "maxSelfPercent": (share / 2.0).max(0.01), "severity": "critical"});
            let res = client
                .post(format!("{}/baselines", sors.baseline))
                .json(&body)
                .send()
                .await;
            json_with_status(res.unwrap(), 201).await;
        }
    }
    for app in &APPS[..2] {
        let body = json!({"appName": app, "teamOwner": "team-of-".to_owned() + app, "tier": "critical",
            "notificationChannel": "#oncall"});
        let res = client
            .post(format!("{}/services", sors.registry))
            .json(&body)
            .send()
            .await;
        json_with_status(res.unwrap(), 201).await;
    }
}

/// `GET path` on both deployments: same status (200) and byte-identical bodies.
pub async fn assert_same(client: &Client, all: &str, split: &str, path: &str) -> String {
    let get = |base: &str| {
        client
            .get(format!("{base}{path}"))
            .header("X-Requested-By", "alice")
            .send()
    };
    let (a, s) = (get(all).await.unwrap(), get(split).await.unwrap());
    let (a_status, s_status) = (a.status().as_u16(), s.status().as_u16());
    let (a_body, s_body) = (a.text().await.unwrap(), s.text().await.unwrap());
    assert_eq!(a_status, 200, "all-in-one {path}: {a_body}");
    assert_eq!(s_status, 200, "split {path}: {s_body}");
    assert_eq!(
        a_body, s_body,
        "{path} differs between all-in-one and split"
    );
    a_body
}

#[tokio::test]
async fn a_split_deployment_answers_byte_for_byte_like_the_all_in_one_process() {
    let db = TestDatabase::create().await;
    let pyroscope = generated::start().await;
    let all = process(&[
        ("FUNCTION", "all"),
        ("DATABASE_URL", db.url.as_str()),
        ("PYROSCOPE_URL", &pyroscope.uri()),
    ]);
    let all = spawn_ready(all).await;
    let sors = spawn_sors(&db, &pyroscope).await;
    let triage = spawn_ready(sors.bor(Function::TriageV2)).await;
    let diff = spawn_ready(sors.bor(Function::DiffReportV2)).await;
    // The fleet BOR reads the watcher's summaries from the all-in-one process, whose watcher
    // runs beside (docs/profiles-over-time.md#whole-or-live): the windows here are before its
    // history, so both answer live.
    let mut fleet = sors.bor(Function::FleetSearchV2);
    fleet.sors.watch_url = Some(url::Url::parse(&all).unwrap());
    let fleet = spawn_ready(fleet).await;
    let client = Client::new();
    seed(&client, &sors).await;

    let window = format!("from={CURRENT_FROM}&to={CURRENT_TO}");
    let baseline = format!("baselineFrom={BASELINE_FROM}&baselineTo={BASELINE_TO}");
    for app in APPS {
        let app = encoded(app);
        let body = assert_same(
            &client,
            &all,
            &triage,
            &format!("/triage/{app}?{window}&types=cpu,alloc"),
        )
        .await;
        assert!(
            body.contains("\"baselineViolations\":[{"),
            "v2 triage reports violations: {body}"
        );
        assert_same(
            &client,
            &all,
            &diff,
            &format!("/diff/{app}?type=cpu&{window}&{baseline}"),
        )
        .await;
        for format in ["markdown", "svg", "html"] {
            assert_same(
                &client,
                &all,
                &diff,
                &format!("/diff/{app}?type=cpu&{window}&{baseline}&format={format}"),
            )
            .await;
        }
        // The BOR draws the trees it read from the remote Profile Data SOR.
        assert_same(
            &client,
            &all,
            &triage,
            &format!("/triage/{app}?{window}&types=cpu,alloc&format=html"),
        )
        .await;
    }
    let top = get_json(
        &client,
        format!(
            "{}/profiles/{}?{window}&limit=1",
            sors.profile_data,
            encoded(APPS[0])
        ),
    )
    .await;
    let function = encoded(top["functions"][0]["name"].as_str().unwrap());
    let body = assert_same(
        &client,
        &all,
        &fleet,
        &format!("/search?function={function}&{window}"),
    )
    .await;
    assert!(
        body.contains("team-of-checkout-service"),
        "v2 fleet search adds owners: {body}"
    );
    let body = assert_same(&client, &all, &fleet, &format!("/fleet/hotspots?{window}")).await;
    assert!(body.contains(r#""source":"live""#), "{body}");
    assert_same(
        &client,
        &all,
        &fleet,
        &format!("/fleet/hotspots?type=alloc&limit=5&{window}"),
    )
    .await;

    // Each BOR's health lists the SORs it reaches, all up; its probe says up.
    let ready = get_json(&client, format!("{triage}/health/ready")).await;
    assert_eq!(ready, serde_json::json!({"status": "up"}));
    let health = get_json(&client, format!("{triage}/health")).await;
    assert_eq!(health["status"], "healthy", "{health}");
    for check in ["profileDataSor", "baselineSor", "historySor", "registrySor"] {
        assert_eq!(health["checks"][check]["status"], "up", "{check}: {health}");
    }
    assert_eq!(health["checks"]["profileDataSor"]["required"], true);
    assert_eq!(health["checks"]["baselineSor"]["required"], false);
}
