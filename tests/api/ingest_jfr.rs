//! The Java agent's JFR through the service: `/ingest?format=jfr` raw and as the agent's
//! multipart (`jfr` + `labels`, gzip), then `/profiles` and `/triage` answer cpu, alloc and
//! lock with the workload's Java frames first; a damaged recording is a 400 that stores
//! nothing; a `.jfr` copied into the profiles directory is read alike. One JVM recording
//! (tests/jvm/Workload.java, about 4 s) serves every test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::helpers::{assert_error, json_with_status, spawn_app_with, TestApp};
use crate::jvm;

const FROM: i64 = 1_760_000_000;
const UNTIL: i64 = FROM + 10;
const CENTURY: std::num::NonZeroU32 = std::num::NonZeroU32::new(36_500).unwrap();

fn recording() -> &'static (tempfile::TempDir, PathBuf) {
    static RECORDING: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    RECORDING.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let file = jvm::record(dir.path(), 3, &[]);
        (dir, file)
    })
}

fn jfr_bytes() -> Vec<u8> {
    std::fs::read(&recording().1).unwrap()
}

async fn spawn_with_store(dir: &Path) -> TestApp {
    let dir = dir.to_path_buf();
    spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = CENTURY;
    })
    .await
}

async fn ingest(
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

/// The names of `app`'s functions of `kind` by self value, largest first, in `window`.
async fn top(app: &TestApp, name: &str, kind: &str, (from, to): (i64, i64)) -> Vec<String> {
    let res = app
        .get(&format!("/profiles/{name}?type={kind}&from={from}&to={to}"))
        .await;
    let body = json_with_status(res, 200).await;
    let mut functions: Vec<(String, f64)> = body["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["selfSamples"].as_f64().unwrap(),
            )
        })
        .filter(|(_, v)| *v > 0.0)
        .collect();
    functions.sort_by(|a, b| b.1.total_cmp(&a.1));
    functions.into_iter().map(|(n, _)| n).collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn stored_files(dir: &Path) -> usize {
    walkdir(dir)
}

fn walkdir(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walkdir(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}

async fn assert_java_tops(app: &TestApp, name: &str, window: (i64, i64)) {
    for (kind, first) in [
        ("cpu", "Hot.spin"),
        ("alloc", "Alloc.churn"),
        ("lock", "Contend.hold"),
    ] {
        let names = top(app, name, kind, window).await;
        assert_eq!(
            names.first().map(String::as_str),
            Some(first),
            "{kind}: {names:?}"
        );
    }
}

#[tokio::test]
async fn a_pushed_jfr_answers_cpu_alloc_and_lock_with_java_frames() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let window = format!("from={FROM}&until={UNTIL}");
    let raw = format!("name=javaapp%7Bversion%3D1%7D&{window}&format=jfr&spyName=javaspy");
    let res = ingest(&app, &raw, "application/octet-stream", jfr_bytes()).await;
    assert_eq!(json_with_status(res, 200).await["profiles"], 3);
    assert_java_tops(&app, "javaapp", (FROM, UNTIL)).await;
    let triage = app
        .get(&format!(
            "/triage/javaapp?from={FROM}&to={UNTIL}&types=cpu,alloc,lock"
        ))
        .await;
    json_with_status(triage, 200).await;

    // As the agent sends it: multipart, both parts gzip, the labels snapshot beside the JFR.
    let mut body = Vec::new();
    for (part, content) in [("jfr", gzip(&jfr_bytes())), ("labels", gzip(b""))] {
        body.extend_from_slice(
            format!(
                "--B0UND\r\nContent-Disposition: form-data; name=\"{part}\"; \
                 filename=\"{part}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--B0UND--\r\n");
    let parted = format!("name=javaparts&{window}&format=jfr");
    let res = ingest(&app, &parted, "multipart/form-data; boundary=B0UND", body).await;
    assert_eq!(json_with_status(res, 200).await["profiles"], 3);
    assert_java_tops(&app, "javaparts", (FROM, UNTIL)).await;
}

#[tokio::test]
async fn a_damaged_jfr_is_a_400_with_a_reason_and_stores_nothing() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let query = format!("name=javaapp&from={FROM}&until={UNTIL}&format=jfr");
    let bytes = jfr_bytes();
    for body in [
        bytes[..bytes.len() / 2].to_vec(),
        b"garbage, not a recording".to_vec(),
    ] {
        let res = ingest(&app, &query, "application/octet-stream", body).await;
        let error = assert_error(res, 400, "invalid_profile").await;
        let reason = error["error"].as_str().unwrap();
        assert!(reason.contains("JFR"), "{reason}");
    }
    assert_eq!(stored_files(store.path()), 0);
}

#[tokio::test]
async fn a_jfr_file_in_the_profiles_directory_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("javafile")).unwrap();
    std::fs::copy(&recording().1, dir.path().join("javafile/workload.jfr")).unwrap();
    let files = dir.path().to_path_buf();
    let app = spawn_app_with(|s| s.profiles.dir = Some(files)).await;
    let now = chrono::Utc::now().timestamp();
    assert_java_tops(&app, "javafile", (now - 600, now + 60)).await;
}
