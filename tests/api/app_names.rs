//! One rule for an app name at every door (docs/agents.md#pushing-from-agents, "App names"): the
//! names Grafana Alloy gives Kubernetes services (`default/checkout`), names with spaces, 200
//! characters of other scripts and 255 bytes are pushed through `/ingest`, the Connect push and
//! OTLP and read back under the same name by `/profiles`, `/triage`, `/fleet/hotspots`, the front
//! door and an alert rule; a store written by the release before reads on; hostile names are the
//! same 400 at every door, and nothing of them is stored.

use std::path::Path;

use prost::Message;
use serde_json::{json, Value};

use pf_model::{AppName, ProfileType};

use crate::front_door::front_door_json;
use crate::helpers::{eventually, json_with_status, spawn_app_with, TestApp};
use crate::ingest::{ingest, push, push_request, spawn_with_store, stored_files, CENTURY};
use crate::ingest_otlp::{export, post, profile, resource};
use crate::profile_data::pprof::encode::{profile as pprof_of, to_bytes, Header, Stack};

/// The names of the test: as Alloy names a Kubernetes service, with a space, 200 characters
/// (500 bytes) of two scripts, and 255 bytes (128 characters).
fn names() -> Vec<String> {
    vec![
        "default/checkout".to_owned(),
        "team a/checkout".to_owned(),
        format!("{}{}", "ü".repeat(100), "名".repeat(100)),
        format!("{}x", "é".repeat(127)),
    ]
}

fn encoded(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A gzip cpu pprof taken at `time_secs`: `main;busy_hot` 70, `main;busy_cold` 30.
fn cpu_at(time_secs: i64, sample_type: (&str, &str)) -> Vec<u8> {
    let header = Header {
        sample_types: vec![(sample_type.0.into(), sample_type.1.into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        time_nanos: time_secs * 1_000_000_000,
        duration_nanos: 10_000_000_000,
        ..Header::default()
    };
    let stack = |leaf: &str, value| Stack {
        frames: vec!["main".into(), leaf.into()],
        values: vec![value],
    };
    to_bytes(
        &pprof_of(&header, &[stack("busy_hot", 70), stack("busy_cold", 30)]),
        true,
    )
}

/// Pushes one cpu profile of `name` at `at` through each of the three push routes.
async fn push_everywhere(app: &TestApp, name: &str, at: i64) {
    let query = format!(
        "name={}&from={at}&until={}&format=pprof",
        encoded(&format!("{name}{{pod=a}}")),
        at + 10
    );
    let via_ingest = ingest(app, &query, "application/octet-stream", cpu_at(at, CPU)).await;
    assert_eq!(via_ingest.status().as_u16(), 200, "/ingest of {name}");
    let body = push_request(name, "1.0", cpu_at(at, CPU));
    let via_connect = push(app, "application/proto", false, body).await;
    assert_eq!(via_connect.status().as_u16(), 200, "Connect push of {name}");
    let mut one = profile(1);
    one.time_unix_nano = u64::try_from(at).unwrap() * 1_000_000_000;
    let request = export(vec![resource(name, vec![one])]);
    let via_otlp = post(app, "application/x-protobuf", request.encode_to_vec()).await;
    assert_eq!(via_otlp.status().as_u16(), 200, "OTLP export of {name}");
}

const CPU: (&str, &str) = ("cpu", "nanoseconds");

async fn json(app: &TestApp, path: &str) -> Value {
    json_with_status(app.get(path).await, 200).await
}

async fn front_door(app: &TestApp) -> (Value, String) {
    let door = front_door_json(app).await;
    let page = app.get("/").await.text().await.unwrap();
    (door, page)
}

#[tokio::test]
async fn kubernetes_and_long_non_ascii_names_are_pushed_and_read_under_the_same_name_everywhere() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let now = chrono::Utc::now().timestamp();
    let at = now - 60;
    for name in names() {
        push_everywhere(&app, &name, at).await;
    }
    let listed = json(&app, &format!("/profiles/apps?from={}&to={now}", at - 1)).await;
    for name in names() {
        assert!(
            listed["apps"].as_array().unwrap().contains(&json!(name)),
            "{listed}"
        );
        let window = format!("from={}&to={now}", at - 1);
        let one = json(&app, &format!("/profiles/{}?{window}", encoded(&name))).await;
        assert_eq!(one["appName"], name.as_str());
        // 100 samples from each of /ingest and the Connect push, 100 from OTLP.
        assert_eq!(one["totalSamples"], 300, "{one}");
        let triage = json(&app, &format!("/triage/{}?types=cpu", encoded(&name))).await;
        assert_eq!(triage["appName"], name.as_str(), "{triage}");
        // A rule for the app keeps its name and reads its profile.
        let rule = json!({"appName": name, "profileType": "cpu", "thresholdPercent": 10.0});
        let created = json_with_status(app.post("/rules", &rule).await, 201).await;
        assert_eq!(created["appName"], name.as_str());
        let id = created["id"].as_i64().unwrap();
        let run = app.post(&format!("/rules/{id}/evaluate"), &json!({})).await;
        let run = json_with_status(run, 200).await;
        assert_eq!(run["firing"], true, "{run}");
    }
    let hotspots = json(&app, "/fleet/hotspots?source=live&limit=100").await;
    let busy = hotspots["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["function"] == "busy_hot")
        .unwrap_or_else(|| panic!("busy_hot is no hotspot: {hotspots:#}"));
    let services: Vec<&str> = busy["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["app"].as_str())
        .collect();
    for name in names() {
        assert!(services.contains(&name.as_str()), "{hotspots:#}");
    }
    let (door, page) = front_door(&app).await;
    for name in names() {
        let entry = door["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["appName"] == name.as_str());
        assert!(entry.is_some(), "{name} is not on the front door: {door:#}");
        assert!(page.contains(&format!("/triage/{}?format=html", encoded(&name))));
    }
}

#[tokio::test]
async fn apps_pushed_now_are_on_the_front_door_within_seconds_even_of_types_not_followed() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    let app = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = CENTURY;
        s.watch.types = vec![ProfileType::Cpu];
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    let fresh = push_request("fresh/cpu", "1.0", cpu_at(now - 10, CPU));
    assert_eq!(
        push(&app, "application/proto", false, fresh).await.status(),
        200
    );
    let heap = cpu_at(now - 10, ("inuse_space", "bytes"));
    let query = format!("name=heap-only&from={}&until={now}&format=pprof", now - 10);
    let res = ingest(&app, &query, "application/octet-stream", heap).await;
    assert_eq!(res.status(), 200);
    eventually(10, "both apps are on the front door", || async {
        let (door, page) = front_door(&app).await;
        let apps = door["apps"].as_array().cloned().unwrap_or_default();
        let find = |name: &str| apps.iter().find(|a| a["appName"] == name).cloned();
        let (Some(fresh), Some(heap)) = (find("fresh/cpu"), find("heap-only")) else {
            return false;
        };
        fresh["summarized"] == false
            && fresh["listedTypes"] == json!(["cpu"])
            && heap["listedTypes"] == json!(["inuse"])
            && heap["unfollowedTypes"] == json!(["inuse"])
            && page.contains("cpu (not summarized yet)")
            && page.contains("inuse (not followed by the watcher)")
    })
    .await;
}

/// A file the release before wrote: `<root>/<app>/<12 digits>-<32 hex>.pb.gz`, the app's name
/// as it was, `%` and all.
fn write_old_layout(root: &Path, app: &str, at: i64) {
    let dir = root.join(app);
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("{at:012}-{}.pb.gz", "0".repeat(32));
    std::fs::write(dir.join(name), cpu_at(at, CPU)).unwrap();
}

#[tokio::test]
async fn a_store_written_by_the_release_before_still_reads() {
    let store = tempfile::tempdir().unwrap();
    let at = 1_760_000_000;
    for old in ["checkout", "50%off", "a%2Fb"] {
        write_old_layout(store.path(), old, at);
    }
    let app = spawn_with_store(store.path()).await;
    for old in ["checkout", "50%off", "a%2Fb"] {
        let path = format!("/profiles/{}?from={at}&to={}", encoded(old), at + 10);
        let one = json(&app, &path).await;
        assert_eq!(one["appName"], old);
        assert_eq!(one["totalSamples"], 100, "{old}: {one}");
    }
    // New pushes of an old name land beside its old files and read with them.
    let body = push_request("a%2Fb", "1.0", cpu_at(at + 5, CPU));
    assert_eq!(
        push(&app, "application/proto", false, body).await.status(),
        200
    );
    let path = format!("/profiles/{}?from={at}&to={}", encoded("a%2Fb"), at + 10);
    assert_eq!(json(&app, &path).await["totalSamples"], 200);
    // `a/b` is another app.
    let other = format!("/profiles/{}?from={at}&to={}", encoded("a/b"), at + 10);
    assert_eq!(json(&app, &other).await["totalSamples"], 0);
}

/// A refusal's status and message: the service's `{"error", "code"}`, or Connect's
/// `{"code", "message"}` on the Connect push (agents read that shape).
async fn refusal(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    let message = body["error"].as_str().or(body["message"].as_str());
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    (status, code, message.unwrap_or_default().to_owned())
}

#[tokio::test]
async fn hostile_names_are_the_same_400_at_every_door_and_nothing_is_stored() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let at = 1_760_000_000;
    let long = "x".repeat(10_000);
    for hostile in ["", "\0", "nul\0inside", long.as_str()] {
        let expected = hostile.parse::<AppName>().unwrap_err().to_string();
        let mut doors = Vec::new();
        let query = format!("name={}&from={at}&until={}", encoded(hostile), at + 10);
        let res = ingest(&app, &query, "application/octet-stream", cpu_at(at, CPU)).await;
        doors.push(("/ingest", refusal(res).await));
        let body = push_request(hostile, "1.0", cpu_at(at, CPU));
        let res = push(&app, "application/proto", false, body).await;
        let (status, code, message) = refusal(res).await;
        assert_eq!(code, "invalid_argument", "Connect's code for a 400");
        doors.push(("Connect push", (status, "invalid_app_name".into(), message)));
        let request = export(vec![resource(hostile, vec![profile(1)])]);
        let res = post(&app, "application/x-protobuf", request.encode_to_vec()).await;
        doors.push(("OTLP", refusal(res).await));
        if !hostile.is_empty() {
            for read in ["/profiles", "/triage", "/trends", "/pgo"] {
                let res = app.get(&format!("{read}/{}", encoded(hostile))).await;
                doors.push((read, refusal(res).await));
            }
            let query = format!("/regressions?appName={}", encoded(hostile));
            let (status, code, _) = refusal(app.get(&query).await).await;
            assert_eq!(
                (status, code.as_str()),
                (400, "invalid_app_name"),
                "{hostile:?}"
            );
        }
        for (door, answer) in doors {
            let want = (400, "invalid_app_name".to_owned(), expected.clone());
            assert_eq!(answer, want, "{door} on {hostile:?}");
        }
        let rule = json!({"appName": hostile, "profileType": "cpu", "thresholdPercent": 10.0});
        let (status, _, message) = refusal(app.post("/rules", &rule).await).await;
        assert_eq!(status, 400, "{hostile:?}");
        assert!(message.contains(&expected), "{message}");
    }
    assert_eq!(stored_files(store.path()), 0);
    let rules = json(&app, "/rules").await;
    assert_eq!(rules["rules"], json!([]), "{rules}");
}
