//! A quiet app is not an error (SPEC §33): an app with CPU profiles only and an app with no
//! profiles in the window answer the same from a Pyroscope (the stand-in) and from the push
//! store — `/profiles` 200 and empty, triage `no_data` for the quiet type with the others
//! answered and its history record written, diff and gate as for an empty window, fleet
//! answers without the quiet app, `/pgo` 404 naming the window — and an alert rule keeps its
//! state while Pyroscope answers 503. Only a read that failed is a failure.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use crate::gate::run;
use crate::helpers::{eventually, json_with_status, spawn_app_with, TestApp};
use crate::ingest::{cpu_pprof, ingest, CENTURY};
use crate::stubs::standin::PyroscopeStandIn;

/// The app that sends CPU profiles only (as Python and Ruby agents do).
const CPU_ONLY: &str = "cpu-only";
/// The app that sent profiles hours ago and none in the window.
const QUIET: &str = "quiet-app";

/// The same profiles pushed to a service with its own store and kept in a Pyroscope read by
/// another service.
struct Sources {
    pushed: TestApp,
    pyroscope: TestApp,
    standin: PyroscopeStandIn,
    /// The window every read asks for: `CPU_ONLY` has profiles in it, `QUIET` none.
    window: (i64, i64),
    _store: tempfile::TempDir,
}

impl Sources {
    fn both(&self) -> [(&'static str, &TestApp); 2] {
        [("push store", &self.pushed), ("Pyroscope", &self.pyroscope)]
    }

    fn window(&self) -> String {
        format!("from={}&to={}", self.window.0, self.window.1)
    }
}

async fn sources() -> Sources {
    let standin = PyroscopeStandIn::start().await;
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    let pushed = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = CENTURY;
        s.alerts.interval_secs = Duration::from_secs(1);
    })
    .await;
    let url = standin.url();
    let pyroscope = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.cache_ttl_secs = Duration::ZERO;
        // A Pyroscope that answers 503 is waited out this long before a read fails.
        s.pyroscope.request_timeout_secs = Duration::from_secs(3);
        // Pyroscope's default lookback: a window older than a week is not asked for.
        s.pyroscope.max_lookback_days = 7;
        s.alerts.interval_secs = Duration::from_secs(1);
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    let start = now - now.rem_euclid(60) - 1800;
    let window = (start, start + 1200);
    // CPU_ONLY: ten profiles of a minute each in the window; QUIET: one three hours before.
    let mut sent = Vec::new();
    for k in 0..10 {
        let from = start + 60 * k;
        sent.push((CPU_ONLY, from, cpu_pprof(700 + k, 300)));
    }
    sent.push((QUIET, start - 3 * 3600, cpu_pprof(500, 500)));
    for (app, from, body) in sent {
        let query = format!("name={app}&from={from}&until={}&format=pprof", from + 60);
        let res = ingest(&pushed, &query, "application/octet-stream", body.clone()).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        standin.keep_at(&[("service_name", app)], &body, (from, from + 60));
    }
    Sources {
        pushed,
        pyroscope,
        standin,
        window,
        _store: store,
    }
}

/// The parts of a `/profiles` answer both sources must agree on.
fn profile_essentials(body: &Value) -> Value {
    json!({
        "totalSamples": body["totalSamples"],
        "functions": body["functions"],
        "partial": body["partial"],
    })
}

#[tokio::test]
async fn a_quiet_app_and_a_missing_type_answer_empty_the_same_from_pyroscope_and_the_push_store() {
    let s = sources().await;
    let window = s.window();
    let mut answers: Vec<Vec<Value>> = Vec::new();
    for (source, app) in s.both() {
        let mut seen = Vec::new();
        for (name, kind) in [(CPU_ONLY, "alloc"), (QUIET, "cpu"), (QUIET, "lock")] {
            let res = app
                .get(&format!("/profiles/{name}?type={kind}&{window}"))
                .await;
            let body = json_with_status(res, 200).await;
            assert_eq!(body["totalSamples"], 0, "{source} {name} {kind}: {body:#}");
            assert_eq!(body["functions"], json!([]), "{source} {name} {kind}");
            seen.push(profile_essentials(&body));
        }
        // The app's own type is answered as ever.
        let res = app.get(&format!("/profiles/{CPU_ONLY}?{window}")).await;
        let cpu = json_with_status(res, 200).await;
        assert!(
            cpu["totalSamples"].as_u64().unwrap() > 0,
            "{source}: {cpu:#}"
        );
        seen.push(profile_essentials(&cpu));
        answers.push(seen);
    }
    assert_eq!(
        answers[0], answers[1],
        "the push store and Pyroscope differ"
    );

    // A window wholly before Pyroscope's lookback (7 days): empty, and said to be partial.
    let (from, to) = (s.window.0 - 10 * 86_400, s.window.1 - 10 * 86_400);
    let path = format!("/profiles/{CPU_ONLY}?from={from}&to={to}");
    let old = json_with_status(s.pyroscope.get(&path).await, 200).await;
    assert_eq!(old["totalSamples"], 0, "{old:#}");
    assert_eq!(old["partial"]["reason"], "before_lookback", "{old:#}");
    assert_eq!(old["partial"]["from"], to, "{old:#}");
    let res = s
        .pyroscope
        .get(&format!("/triage/{CPU_ONLY}?from={from}&to={to}"))
        .await;
    let triage = json_with_status(res, 200).await;
    assert_eq!(triage["summary"]["primaryIssue"], "healthy", "{triage:#}");
}

#[tokio::test]
async fn triage_answers_the_types_an_app_has_and_no_data_for_the_rest_and_records_it() {
    let s = sources().await;
    let window = s.window();
    let mut summaries = Vec::new();
    for (source, app) in s.both() {
        let res = app
            .client
            .get(app.url(&format!("/triage/{CPU_ONLY}?{window}")))
            .header("X-Requested-By", "oncall")
            .send()
            .await
            .unwrap();
        let body = json_with_status(res, 200).await;
        let cpu = &body["profiles"]["cpu"];
        assert!(
            cpu["totalSamples"].as_u64().unwrap() > 0,
            "{source}: {body:#}"
        );
        assert_eq!(cpu["topFunctions"][0]["name"], "busy_hot", "{source}");
        assert_eq!(
            body["profiles"]["alloc"]["diagnosis"], "no_data",
            "{source}"
        );
        assert_eq!(body["profiles"]["alloc"]["totalSamples"], 0, "{source}");

        let res = app.get(&format!("/triage/{QUIET}?{window}")).await;
        let quiet = json_with_status(res, 200).await;
        for kind in ["cpu", "alloc"] {
            assert_eq!(quiet["profiles"][kind]["diagnosis"], "no_data", "{source}");
        }
        assert_eq!(quiet["summary"]["primaryIssue"], "healthy", "{source}");
        summaries.push((body["summary"].clone(), quiet["summary"].clone()));

        // Both assessments are in the audit trail.
        for name in [CPU_ONLY, QUIET] {
            eventually(10, "the triage's history record is written", || async {
                let res = app.get(&format!("/history/{name}")).await;
                res.status() == 200 && {
                    let records: Value = res.json().await.unwrap();
                    records["history"].as_array().is_some_and(|r| r.len() == 1)
                }
            })
            .await;
        }
        let res = app.get(&format!("/history/{QUIET}/latest")).await;
        let latest = json_with_status(res, 200).await;
        assert_eq!(latest["diagnosis"], "healthy", "{source}: {latest:#}");
    }
    assert_eq!(
        summaries[0], summaries[1],
        "the push store and Pyroscope differ"
    );
}

#[tokio::test]
async fn diff_gate_fleet_and_pgo_treat_a_quiet_window_as_empty() {
    let s = sources().await;
    let (from, to) = s.window;
    let mut answers = Vec::new();
    for (source, app) in s.both() {
        // The quiet app's diff: both windows empty, nothing changed.
        let path = format!("/diff/{QUIET}?from={from}&to={to}");
        let diff = json_with_status(app.get(&path).await, 200).await;
        assert_eq!(diff["regressions"], json!([]), "{source}: {diff:#}");
        assert_eq!(diff["improvements"], json!([]), "{source}");
        // A type the app lacks, against a window where it has CPU: as empty as the quiet app.
        let path = format!("/diff/{CPU_ONLY}?type=alloc&from={from}&to={to}");
        let alloc = json_with_status(app.get(&path).await, 200).await;
        assert_eq!(alloc["regressions"], json!([]), "{source}: {alloc:#}");

        // The gate reads the same diff and passes it.
        let args: Vec<String> = [
            "gate",
            "--server",
            &app.address,
            "--app",
            QUIET,
            "--from",
            &from.to_string(),
            "--to",
            &to.to_string(),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        let gated = run(args, vec![]).await;
        let stderr = String::from_utf8_lossy(&gated.stderr);
        assert_eq!(gated.status.code(), Some(0), "{source}: {stderr}");

        // The fleet's allocation hotspots: the CPU-only app is neither a result nor a failure
        // (the push store has the bundled demo's apps besides).
        let path =
            format!("/fleet/hotspots?type=alloc&from={from}&to={to}&apps={CPU_ONLY},{QUIET}");
        let hot = json_with_status(app.get(&path).await, 200).await;
        assert_eq!(hot["failedApps"], json!([]), "{source}: {hot:#}");
        assert_eq!(hot["hotspots"], json!([]), "{source}: {hot:#}");
        let path = format!("/fleet/hotspots?type=alloc&from={from}&to={to}");
        let fleet = json_with_status(app.get(&path).await, 200).await;
        assert_eq!(fleet["failedApps"], json!([]), "{source}: {fleet:#}");
        assert!(!fleet.to_string().contains(CPU_ONLY), "{source}: {fleet:#}");

        // Nothing to build a compiler's profile from: 404 naming the window.
        let res = app.get(&format!("/pgo/{QUIET}?from={from}&to={to}")).await;
        assert_eq!(res.status(), 404, "{source}");
        let error: Value = res.json().await.unwrap();
        let message = error["error"].as_str().unwrap();
        assert!(message.contains(QUIET), "{source}: {message}");
        assert!(message.contains(" UTC"), "the window is named: {message}");
        // The reason statistics are unavailable is the source's own words.
        let comparable = |summary: &Value| {
            let mut summary = summary.clone();
            summary["significance"]["reason"].take();
            summary["significance"]["slices"].take();
            summary
        };
        answers.push((
            comparable(&diff["summary"]),
            comparable(&alloc["summary"]),
            hot,
        ));
    }
    assert_eq!(
        answers[0], answers[1],
        "the push store and Pyroscope differ"
    );
}

/// A rule on `CPU_ONLY`'s top function, over the test's window.
async fn firing_rule(app: &TestApp) -> i64 {
    let body = json!({"appName": CPU_ONLY, "profileType": "cpu", "thresholdPercent": 50.0});
    let rule = json_with_status(app.post("/rules", &body).await, 201).await;
    rule["id"].as_i64().unwrap()
}

#[tokio::test]
async fn an_alert_keeps_firing_while_pyroscope_answers_503_and_a_quiet_app_is_value_zero() {
    let s = sources().await;
    let mut runs = Vec::new();
    for (source, app) in s.both() {
        let id = firing_rule(app).await;
        // The evaluator reads the last five minutes: the window's profiles are older, so ask
        // the dry run for the app's value over the rule's window as the evaluator does.
        let run = json_with_status(
            app.post(&format!("/rules/{id}/evaluate"), &json!({})).await,
            200,
        )
        .await;
        // No profile in the last five minutes: value 0, not firing (SPEC §10).
        assert_eq!(run["value"], 0.0, "{source}: {run:#}");
        assert_eq!(run["firing"], false, "{source}");
        runs.push(run["value"].clone());
    }
    assert_eq!(runs[0], runs[1]);

    // A firing alert on Pyroscope, then Pyroscope down: the alert stays firing.
    let app = &s.pyroscope;
    let now = chrono::Utc::now().timestamp();
    for k in 0..5 {
        let from = now - 300 + 60 * k;
        s.standin.keep_at(
            &[("service_name", CPU_ONLY)],
            &cpu_pprof(900, 100),
            (from, from + 60),
        );
    }
    let id = firing_rule(app).await;
    let firing = || async {
        let alerts = json_with_status(app.get("/alerts").await, 200).await;
        alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["ruleId"] == id && a["state"] == "firing")
    };
    eventually(20, "the alert fires", firing).await;
    s.standin.set_down(true);
    let before = failed_evaluations(app).await;
    eventually(20, "the evaluator meets the 503s", || async {
        failed_evaluations(app).await > before + 1
    })
    .await;
    assert!(
        firing().await,
        "the alert stopped firing when Pyroscope went down"
    );
    s.standin.set_down(false);
}

/// Rules the alert evaluator could not evaluate, from `/metrics`.
async fn failed_evaluations(app: &TestApp) -> u64 {
    let name = r#"alert_rule_evaluations_total{result="error"}"#;
    crate::history_writes::metric(&app.client, &app.address, name).await
}

#[tokio::test]
async fn an_app_that_starts_sending_a_type_is_answered_on_the_next_read() {
    let s = sources().await;
    let window = s.window();
    let path = format!("/profiles/{CPU_ONLY}?type=wall&{window}");
    // The app's types are remembered (CPU only) by the first read.
    let first = json_with_status(s.pyroscope.get(&path).await, 200).await;
    assert_eq!(first["totalSamples"], 0);
    // It starts sending wall-clock profiles.
    let (from, _) = s.window;
    let header = crate::profile_data::pprof::encode::Header {
        sample_types: vec![("wall".into(), "nanoseconds".into())],
        period_type: Some(("wall".into(), "nanoseconds".into())),
        period: 10_000_000,
        ..Default::default()
    };
    let stacks = [crate::profile_data::pprof::encode::Stack {
        frames: vec!["main".into(), "sleepy".into()],
        values: vec![400],
    }];
    let wall = crate::profile_data::pprof::encode::to_bytes(
        &crate::profile_data::pprof::encode::profile(&header, &stacks),
        true,
    );
    let labels = [("service_name", CPU_ONLY), ("__name__", "wall")];
    s.standin.keep_at(&labels, &wall, (from, from + 60));
    let next = json_with_status(s.pyroscope.get(&path).await, 200).await;
    assert_eq!(next["totalSamples"], 400, "{next:#}");
    assert_eq!(next["functions"][0]["name"], "sleepy");
}

#[tokio::test]
async fn three_hundred_triages_of_an_app_without_allocations_leave_three_hundred_records() {
    let s = sources().await;
    let app = &s.pyroscope;
    let window = &s.window();
    let callers: Vec<String> = (0..300).map(|i| format!("caller-{i:03}")).collect();
    let answered: Vec<u16> = stream::iter(callers.iter())
        .map(|who| async move {
            let res = app
                .client
                .get(app.url(&format!("/triage/{CPU_ONLY}?{window}")))
                .header("X-Requested-By", who.as_str())
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        })
        .buffer_unordered(20)
        .collect()
        .await;
    assert!(answered.iter().all(|&s| s == 200), "{answered:?}");
    let stored = || async {
        let mut conn = app.pg().await;
        let rows: Vec<Option<String>> =
            sqlx::query_scalar("select requested_by from triage_history where app_name = $1")
                .bind(CPU_ONLY)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        rows
    };
    eventually(30, "every record is stored", || async {
        stored().await.len() >= 300
    })
    .await;
    let rows = stored().await;
    let unique: BTreeSet<&str> = rows.iter().flatten().map(String::as_str).collect();
    assert_eq!(rows.len(), 300, "none twice");
    let expected: BTreeSet<&str> = callers.iter().map(String::as_str).collect();
    assert_eq!(unique, expected, "none lost");
}
