//! pprof files as the profile source: the same answers as Pyroscope for the same stacks,
//! hostile files skipped and counted, files seen without a restart, one source at a time.

use pyroscope_functions::app::Application;
use serde_json::json;
use std::path::Path;
use url::Url;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    eventually, json_with_status, settings_without_database, spawn_app_with, TestApp,
};
use crate::profile_data::pprof::encode::{self, Header, Stack};
use crate::profile_data::testdata::{self, Generated};

const FROM: i64 = 1_700_003_600;
const TO: i64 = 1_700_007_200;
const BASE_FROM: i64 = 1_700_000_000;
const APP: &str = "checkout-service";
const SECOND: i64 = 1_000_000_000;

/// A generated graph whose synthetic `other` frame is a real function: files know no
/// truncation, so both sources must see the same plain stacks.
fn graph(seed: u64) -> Generated {
    let mut g = testdata::generate(600, seed);
    g.names[1] = "G1 Young Generation".into();
    g
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// `g` as a pprof file of the hour starting at `from`.
fn write_graph(dir: &Path, name: &str, g: &Generated, from: i64, gzip: bool) {
    let mut profile = g.to_pprof();
    profile.time_nanos = from * SECOND;
    profile.duration_nanos = 3600 * SECOND;
    write(&dir.join(APP).join(name), &encode::to_bytes(&profile, gzip));
}

async fn stub(current: &Generated, baseline: &Generated) -> MockServer {
    let server = MockServer::start().await;
    let select = "/querier.v1.QuerierService/SelectMergeStacktraces";
    let body = |g: &Generated| {
        ResponseTemplate::new(200).set_body_raw(g.to_connect_json(), "application/json")
    };
    Mock::given(method("POST"))
        .and(path("/querier.v1.QuerierService/LabelValues"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "names": [APP] })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(select))
        .and(body_partial_json(json!({"start": BASE_FROM * 1000})))
        .respond_with(body(baseline))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(select))
        .respond_with(body(current))
        .mount(&server)
        .await;
    server
}

async fn text(app: &TestApp, path: &str) -> String {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[tokio::test]
async fn files_and_pyroscope_give_byte_identical_answers_for_the_same_stacks() {
    let (current, baseline) = (graph(1), graph(101));
    let dir = tempfile::tempdir().unwrap();
    write_graph(dir.path(), "current.pb.gz", &current, FROM, true);
    write_graph(dir.path(), "baseline.pprof", &baseline, BASE_FROM, false);
    let pyroscope = stub(&current, &baseline).await;
    let url = Url::parse(&pyroscope.uri()).unwrap();
    let from_pyroscope = spawn_app_with(|s| s.pyroscope.url = Some(url)).await;
    let files = dir.path().to_path_buf();
    let from_files = spawn_app_with(|s| s.profiles.dir = Some(files)).await;
    let window = format!("from={FROM}&to={TO}");
    let base = format!("baselineFrom={BASE_FROM}&baselineTo={FROM}");
    for path in [
        format!("/profiles/apps?{window}"),
        format!("/profiles/{APP}?{window}&limit=1000"),
        format!("/profiles/{APP}/diff?{window}&{base}&limit=5000&slices=0"),
        format!("/triage/{APP}?{window}&types=cpu"),
        format!("/diff/{APP}?{window}&{base}&limit=100&slices=0"),
        format!("/diff/{APP}?{window}&{base}&format=markdown&slices=0"),
        format!("/search?function=hashmap&{window}"),
        format!("/fleet/hotspots?{window}"),
    ] {
        let (mut a, mut b) = (
            text(&from_pyroscope, &path).await,
            text(&from_files, &path).await,
        );
        if path.starts_with("/profiles/apps") {
            // Pyroscope's label index names apps only; the files say each app's types too.
            let names =
                |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap()["apps"].to_string();
            (a, b) = (names(&a), names(&b));
        }
        assert_eq!(a, b, "{path}");
    }
    let profile: serde_json::Value =
        serde_json::from_str(&text(&from_files, &format!("/profiles/{APP}?{window}")).await)
            .unwrap();
    assert_eq!(profile["totalSamples"], current.total);
    assert_eq!(
        profile["profileTypeId"],
        "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
    );
}

fn small_profile(folded: &str) -> Vec<u8> {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        ..Header::default()
    };
    let stacks = encode::parse_folded(folded).unwrap();
    encode::to_bytes(&encode::profile(&header, &stacks), true)
}

#[tokio::test]
async fn hostile_files_are_skipped_counted_and_the_rest_still_answers() {
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    write(
        &shop.join("good.pb.gz"),
        &small_profile("main;work 30\nmain;G1 Young Generation 10\n"),
    );
    let good = small_profile("main;work 1\n");
    write(
        &shop.join("notes.txt"),
        b"these are not the profiles you are looking for",
    );
    write(
        &shop.join("garbage.pb.gz"),
        &[0x1f, 0x8b, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 7, 7],
    );
    write(&shop.join("truncated.pb.gz"), &good[..good.len() / 2]);
    let bomb = encode::to_bytes(
        &encode::profile(
            &Header {
                sample_types: vec![("cpu".into(), "nanoseconds".into())],
                ..Header::default()
            },
            &[Stack {
                frames: vec!["x".repeat(200_000)],
                values: vec![1],
            }],
        ),
        true,
    );
    write(&shop.join("bomb.pb.gz"), &bomb);
    let mut bad_index = encode::profile(&Header::default(), &[]);
    bad_index.sample_type = vec![Default::default()];
    bad_index.sample = vec![Default::default()];
    bad_index.sample[0].location_id = vec![42];
    bad_index.sample[0].value = vec![1];
    write(
        &shop.join("bad-index.pb"),
        &encode::to_bytes(&bad_index, false),
    );
    let deep: Vec<String> = (0..10_000).map(|i| format!("frame{}", i % 7)).collect();
    let deep = encode::profile(
        &Header {
            sample_types: vec![("cpu".into(), "nanoseconds".into())],
            ..Header::default()
        },
        &[Stack {
            frames: deep,
            values: vec![1],
        }],
    );
    write(&shop.join("deep"), &encode::to_bytes(&deep, false));
    let files = dir.path().to_path_buf();
    let app = spawn_app_with(|s| {
        s.profiles.dir = Some(files);
        s.profiles.max_decoded_bytes = std::num::NonZeroU64::new(100_000).unwrap();
    })
    .await;

    let profile = json_with_status(app.get("/profiles/shop").await, 200).await;
    assert_eq!(profile["totalSamples"], 40, "{profile}");
    assert_eq!(profile["functions"][0]["name"], "work");
    let triage = json_with_status(app.get("/triage/shop?types=cpu").await, 200).await;
    assert_eq!(
        triage["profiles"]["cpu"]["diagnosis"], "gc_pressure",
        "{triage}"
    );
    let apps = json_with_status(app.get("/profiles/apps").await, 200).await;
    let types = json!([{"appName": "shop", "profileTypes": ["cpu"]}]);
    assert_eq!(apps, json!({"apps": ["shop"], "types": types}));
    let health = json_with_status(app.get("/health").await, 200).await;
    let details = &health["checks"]["profiles"]["details"];
    assert_eq!(details["source"], "files", "{health}");
    assert_eq!(details["files"], 1);
    assert_eq!(details["skipped"], 6);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for reason in [
        "not_pprof",
        "truncated",
        "too_large",
        "bad_index",
        "too_deep",
    ] {
        let line = format!("profile_files_skipped_total{{reason=\"{reason}\"}}");
        assert!(metrics.contains(&line), "{reason} not counted:\n{metrics}");
    }
    assert!(metrics.contains("profile_files_skipped_total{reason=\"not_pprof\"} 2"));
}

#[tokio::test]
async fn new_and_changed_files_are_seen_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("shop/a.pb.gz"),
        &small_profile("main;work 30\n"),
    );
    let files = dir.path().to_path_buf();
    let app = spawn_app_with(|s| {
        s.profiles.dir = Some(files);
        s.profiles.rescan_secs = std::time::Duration::from_secs(1);
    })
    .await;
    let profile = json_with_status(app.get("/profiles/shop").await, 200).await;
    assert_eq!(profile["totalSamples"], 30);
    write(
        &dir.path().join("shop/b.pb.gz"),
        &small_profile("main;more 12\n"),
    );
    write(
        &dir.path().join("cart/a.pb"),
        &small_profile("main;work 5\n"),
    );
    let total = || async {
        json_with_status(app.get("/profiles/shop").await, 200).await["totalSamples"].clone()
    };
    eventually(5, "the new file is seen", || async { total().await == 42 }).await;
    let apps = json_with_status(app.get("/profiles/apps").await, 200).await;
    assert_eq!(apps["apps"], json!(["cart", "shop"]));
    assert_eq!(apps["types"][0]["profileTypes"], json!(["cpu"]));
    std::fs::remove_file(dir.path().join("shop/b.pb.gz")).unwrap();
    eventually(5, "the removed file is gone", || async {
        total().await == 30
    })
    .await;
}

#[tokio::test]
async fn pyroscope_and_a_profile_directory_together_stop_startup_naming_both() {
    let mut settings = settings_without_database();
    settings.database.embedded.enabled = false;
    settings.pyroscope.url = Some(Url::parse("http://pyroscope:4040").unwrap());
    settings.profiles.dir = Some("/var/lib/profiles".into());
    let Err(err) = Application::build(settings).await else {
        panic!("startup must fail with two profile sources");
    };
    let message = err.to_string();
    assert!(message.contains("PROFILES_DIR"), "{message}");
    assert!(message.contains("PYROSCOPE_URL"), "{message}");
}
