//! Profiles pushed by agents (docs/agents.md#pushing-from-agents) on Pyroscope's own paths: kept
//! durably, read back as any profile (labels selectable), refused whole with a clear 4xx, and sent
//! to Pyroscope when the service reads one.

use std::io::Write;
use std::path::Path;

use prost::Message;
use serde_json::Value;

use crate::helpers::{assert_error, json_with_status, self_samples, spawn_app_with, TestApp};
use crate::profile_data::pprof::encode::{profile, to_bytes, Header, Stack};
use crate::push_proto::{LabelPair, PushRequest, RawSample, Series};

const FROM: i64 = 1_760_000_000;
const UNTIL: i64 = FROM + 10;

/// A cpu profile: `main;hot` 70, `main;cold` 30, as an agent writes one.
pub fn cpu_pprof(hot: i64, cold: i64) -> Vec<u8> {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        ..Header::default()
    };
    let stacks = [
        Stack {
            frames: vec!["main".into(), "busy_hot".into()],
            values: vec![hot],
        },
        Stack {
            frames: vec!["main".into(), "busy_cold".into()],
            values: vec![cold],
        },
    ];
    to_bytes(&profile(&header, &stacks), true)
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The body `pyroscope-io` 1.x sends: one series, its labels, one raw pprof.
pub fn push_request(app: &str, version: &str, pprof: Vec<u8>) -> Vec<u8> {
    let label = |name: &str, value: &str| LabelPair {
        name: name.into(),
        value: value.into(),
    };
    PushRequest {
        series: vec![Series {
            labels: vec![
                label("__name__", "process_cpu"),
                label("service_name", app),
                label("version", version),
                label("otel.scope.name", "com.grafana.pyroscope/python"),
            ],
            samples: vec![RawSample {
                raw_profile: pprof,
                id: "1".into(),
            }],
        }],
    }
    .encode_to_vec()
}

/// The tests' profiles are timed in 2025: a retention of a century keeps the store's sweep
/// off them.
pub const CENTURY: std::num::NonZeroU32 = std::num::NonZeroU32::new(36_500).unwrap();

pub async fn spawn_with_store(dir: &Path) -> TestApp {
    let dir = dir.to_path_buf();
    spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = CENTURY;
    })
    .await
}

pub async fn ingest(
    app: &TestApp,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/ingest?{query}")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

pub async fn push(
    app: &TestApp,
    content_type: &str,
    gzipped: bool,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/push.v1.PusherService/Push"))
        .header("content-type", content_type);
    if gzipped {
        request = request.header("content-encoding", "gzip");
    }
    request.body(body).send().await.unwrap()
}

/// `(name, selfSamples)` of the app's functions with self time in the pushed window.
async fn top(app: &TestApp, name: &str, extra: &str) -> Vec<(String, u64)> {
    let res = app
        .get(&format!("/profiles/{name}?from={FROM}&to={UNTIL}{extra}"))
        .await;
    let body = json_with_status(res, 200).await;
    self_samples(&body)
}

/// Files under `dir`, however deep.
/// The profiles the store holds under `dir` (its hidden files, such as its `.layout`, are not
/// profiles).
pub fn stored_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            if e.path().is_dir() {
                stored_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test]
async fn a_pushed_pprof_is_read_back_beside_the_demo_with_its_labels() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let query = format!(
        "name=busy%7Bversion%3D1.0.0%7D&from={FROM}&until={UNTIL}&format=pprof&spyName=nodespy"
    );
    let res = ingest(&app, &query, "application/octet-stream", cpu_pprof(70, 30)).await;
    let stored = json_with_status(res, 200).await;
    assert_eq!(stored["profiles"], 1);
    assert_eq!(stored_files(store.path()), 1);

    // Readable at once, with the same numbers as the pushed bytes.
    assert_eq!(
        top(&app, "busy", "").await,
        [("busy_hot".into(), 70), ("busy_cold".into(), 30)]
    );
    let apps = json_with_status(
        app.get(&format!("/profiles/apps?from={FROM}&to={UNTIL}"))
            .await,
        200,
    )
    .await;
    let apps: Vec<&str> = apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        apps.contains(&"busy") && apps.contains(&"checkout"),
        "{apps:?}"
    );
    // The name's tag is a label of every sample: selectable, and a version of the app.
    assert_eq!(
        top(&app, "busy", "&labels=version%3D%221.0.0%22")
            .await
            .len(),
        2
    );
    assert!(top(&app, "busy", "&labels=version%3D%222.0.0%22")
        .await
        .is_empty());
    let versions = app
        .get(&format!(
            "/profiles/busy/labels/version?from={FROM}&to={UNTIL}"
        ))
        .await;
    assert_eq!(
        json_with_status(versions, 200).await["values"],
        serde_json::json!(["1.0.0"])
    );
}

#[tokio::test]
async fn the_sdk_push_reads_like_ingest_in_protobuf_gzip_and_json() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let pprof = cpu_pprof(40, 60);
    // The Python SDK's raw profile is plain pprof, its whole request gzip.
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&pprof[..]), &mut raw).unwrap();
    let body = gzip(&push_request("py-busy", "1.0.0", raw.clone()));
    let res = push(&app, "application/proto", true, body).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/proto");

    // The pprof has no time of its own here: it counts from its arrival.
    let now = chrono::Utc::now().timestamp();
    let res = app
        .get(&format!(
            "/profiles/py-busy?from={}&to={}",
            now - 60,
            now + 60
        ))
        .await;
    let body = json_with_status(res, 200).await;
    assert_eq!(body["functions"][0]["name"], "busy_cold");
    assert_eq!(body["totalSamples"], 100);
    let res = app
        .get(&format!("/profiles/py-busy?from={}&to={}&labels=otel_scope_name%3D%22com.grafana.pyroscope%2Fpython%22", now - 60, now + 60))
        .await;
    assert_eq!(json_with_status(res, 200).await["totalSamples"], 100);

    // Connect's JSON form of the same request.
    let json = serde_json::json!({"series": [{
        "labels": [{"name": "service_name", "value": "json-busy"}],
        "samples": [{"rawProfile": base64_of(&pprof)}]
    }]});
    let res = push(
        &app,
        "application/json",
        false,
        json.to_string().into_bytes(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "{}");
    assert_eq!(stored_files(store.path()), 2);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn multipart_and_folded_bodies_are_kept_as_profiles() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let mut body = Vec::new();
    body.extend_from_slice(b"--X\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(&cpu_pprof(9, 1));
    body.extend_from_slice(b"\r\n--X--\r\n");
    let query = format!("name=multi&from={FROM}&until={UNTIL}&format=pprof");
    let res = ingest(&app, &query, "multipart/form-data; boundary=X", body).await;
    assert_eq!(res.status(), 200);
    assert_eq!(top(&app, "multi", "").await[0], ("busy_hot".into(), 9));

    let query = format!(
        "name=folded%7Bversion%3D3%7D&from={FROM}&until={UNTIL}&format=folded&sampleRate=100"
    );
    let res = ingest(
        &app,
        &query,
        "text/plain",
        b"main;parse 5\nmain;render 15\n".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        top(&app, "folded", "").await,
        [("render".into(), 15), ("parse".into(), 5)]
    );
}

#[tokio::test]
async fn a_refused_push_is_a_clear_4xx_and_stores_nothing() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    let app = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = CENTURY;
        s.ingest.max_body_bytes = std::num::NonZeroUsize::new(64 * 1024).unwrap();
        s.profiles.max_decoded_bytes = std::num::NonZeroU64::new(1024 * 1024).unwrap();
    })
    .await;
    let window = format!("from={FROM}&until={UNTIL}");
    let octets = "application/octet-stream";
    let cases: Vec<(String, &str, Vec<u8>, u16, &str)> = vec![
        (format!("name=a&{window}&format=pprof"), octets, b"\x08\x96\x01garbage".to_vec(), 400, "invalid_profile"),
        // A name without an app is refused by the one app-name rule (tests/api/app_names.rs).
        (format!("name=%7Bversion%3D1%7D&{window}"), octets, cpu_pprof(1, 1), 400, "invalid_app_name"),
        (format!("name=a&{window}&format=trie"), octets, b"x".to_vec(), 415, "unsupported_media_type"),
        (format!("name=a&from={UNTIL}&until={FROM}"), octets, cpu_pprof(1, 1), 400, "invalid_profile"),
        (format!("name=a&{window}"), octets, vec![7u8; 65 * 1024], 413, "payload_too_large"),
        // 8 MiB of zeros in 8 KiB of gzip: past the decompressed bound.
        (format!("name=a&{window}&format=pprof"), octets, gzip(&vec![0u8; 8 << 20]), 413, "payload_too_large"),
        (format!("name=a&{window}"), "multipart/form-data; boundary=X",
            b"--X\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\nx\r\n--X\r\nContent-Disposition: form-data; name=\"prev_profile\"\r\n\r\ny\r\n--X--\r\n".to_vec(),
            422, "unprocessable"),
    ];
    for (query, content_type, body, status, code) in cases {
        let res = ingest(&app, &query, content_type, body).await;
        let error = assert_error(res, status, code).await;
        assert!(
            !error["error"].as_str().unwrap().is_empty(),
            "{query}: {error}"
        );
    }
    // Connect answers in Connect's shape.
    for (content_type, body, status, code) in [
        (
            "application/proto",
            b"\xff\xff".to_vec(),
            400,
            "invalid_argument",
        ),
        ("text/plain", b"x".to_vec(), 415, "unimplemented"),
        (
            "application/proto",
            push_request("", "1", cpu_pprof(1, 1)),
            400,
            "invalid_argument",
        ),
    ] {
        let res = push(&app, content_type, false, body).await;
        assert_eq!(res.status(), status);
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["code"], code, "{error}");
    }
    assert_eq!(
        stored_files(store.path()),
        0,
        "nothing of a refused push is kept"
    );
}

#[tokio::test]
async fn reading_pyroscope_the_service_sends_agents_there() {
    let app =
        spawn_app_with(|s| s.pyroscope.url = Some("http://127.0.0.1:1".parse().unwrap())).await;
    let res = ingest(
        &app,
        &format!("name=a&from={FROM}&until={UNTIL}"),
        "application/octet-stream",
        cpu_pprof(1, 1),
    )
    .await;
    let error = assert_error(res, 409, "conflict").await;
    assert!(
        error["error"].as_str().unwrap().contains("Pyroscope"),
        "{error}"
    );
    let res = push(
        &app,
        "application/proto",
        false,
        push_request("a", "1", cpu_pprof(1, 1)),
    )
    .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "failed_precondition"
    );
}

/// The Profile Data process (it hosts the push routes, needs no database) on `store`.
async fn profile_data_binary(store: &Path) -> (tokio::process::Child, TestApp) {
    let port = crate::helpers::free_port();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"))
        .env("FUNCTION", "ReadPyroscopeProfile.sor.v1")
        .env("PROFILES_DIR", store)
        .env("APP__INGEST__RETENTION_DAYS", CENTURY.to_string())
        .env("APP__INGEST__MIN_FREE_PERCENT", "0")
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .env_remove("PYROSCOPE_URL")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the service binary starts");
    let address = format!("http://127.0.0.1:{port}");
    crate::helpers::wait_until_ready(&address).await;
    (child, TestApp::at(address))
}

#[tokio::test]
async fn an_acknowledged_push_survives_kill_9() {
    let store = tempfile::tempdir().unwrap();
    let (mut first, app) = profile_data_binary(store.path()).await;
    let query = format!("name=durable%7Bversion%3D7%7D&from={FROM}&until={UNTIL}&format=pprof");
    for _ in 0..5 {
        let res = ingest(&app, &query, "application/octet-stream", cpu_pprof(70, 30)).await;
        assert_eq!(res.status(), 200);
    }
    // SIGKILL right after the last acknowledgement: no shutdown, no flush.
    first.start_kill().unwrap();
    first.wait().await.unwrap();

    assert_eq!(stored_files(store.path()), 5, "five files on disk");
    let (_second, app) = profile_data_binary(store.path()).await;
    assert_eq!(
        top(&app, "durable", "").await,
        [("busy_hot".into(), 350), ("busy_cold".into(), 150)]
    );
    // The restarted store compacts the closed slice's five pushes into one file, and reads
    // the same numbers from it.
    crate::helpers::eventually(10, "the five pushes compacted into one file", || async {
        stored_files(&store.path().join("durable")) == 1
    })
    .await;
    assert_eq!(
        top(&app, "durable", "").await,
        [("busy_hot".into(), 350), ("busy_cold".into(), 150)]
    );
}

#[tokio::test]
async fn the_store_drops_profiles_past_its_retention_and_never_a_copied_file() {
    let store = tempfile::tempdir().unwrap();
    let (mut first, app) = profile_data_binary(store.path()).await;
    let query = format!("name=old&from={FROM}&until={UNTIL}&format=pprof");
    let res = ingest(&app, &query, "application/octet-stream", cpu_pprof(1, 1)).await;
    assert_eq!(res.status(), 200);
    std::fs::write(
        store.path().join("old/copied-by-hand.pb.gz"),
        cpu_pprof(2, 2),
    )
    .unwrap();
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    // A process keeping 14 days sweeps at start: the 2025 push goes, the copied file stays.
    let port = crate::helpers::free_port();
    let _second = tokio::process::Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"))
        .env("FUNCTION", "ReadPyroscopeProfile.sor.v1")
        .env("PROFILES_DIR", store.path())
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    crate::helpers::wait_until_ready(&address).await;
    crate::helpers::eventually(10, "the sweep removed the expired push", || async {
        stored_files(store.path()) == 1
    })
    .await;
    assert!(store.path().join("old/copied-by-hand.pb.gz").exists());
}
