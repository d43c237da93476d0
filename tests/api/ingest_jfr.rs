//! The Java agent's JFR through the service: `/ingest?format=jfr` raw and as the agent's
//! multipart (`jfr` + `labels`, gzip), then `/profiles` and `/triage` answer cpu, alloc and
//! lock with the workload's Java frames first; a damaged recording is a 400 that stores
//! nothing; a `.jfr` copied into the profiles directory is read alike. One JVM recording
//! (tests/jvm/Workload.java, about 4 s) serves every test.

use crate::helpers::{assert_error, json_with_status, self_samples, spawn_app_with, TestApp};
use crate::ingest::{gzip, ingest, spawn_with_store, stored_files};
use crate::jvm;

const FROM: i64 = 1_760_000_000;
const UNTIL: i64 = FROM + 10;

fn jfr_bytes() -> Vec<u8> {
    std::fs::read(jvm::shared_recording()).unwrap()
}

/// The names of `app`'s functions of `kind` by self value, largest first, in `window`.
async fn top(app: &TestApp, name: &str, kind: &str, (from, to): (i64, i64)) -> Vec<String> {
    let res = app
        .get(&format!("/profiles/{name}?type={kind}&from={from}&to={to}"))
        .await;
    let body = json_with_status(res, 200).await;
    let mut functions = self_samples(&body);
    functions.sort_by_key(|f| std::cmp::Reverse(f.1));
    functions.into_iter().map(|(n, _)| n).collect()
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
    std::fs::copy(
        jvm::shared_recording(),
        dir.path().join("javafile/workload.jfr"),
    )
    .unwrap();
    let files = dir.path().to_path_buf();
    let app = spawn_app_with(|s| s.profiles.dir = Some(files)).await;
    let now = chrono::Utc::now().timestamp();
    assert_java_tops(&app, "javafile", (now - 600, now + 60)).await;
}

/// The change that caused it (docs/regressions.md#the-change-that-caused-it) reads where a Java
/// function lives from a JFR's own frames: the converted pprof keeps each frame's source line, so
/// `Hot.spin`'s samples fall on the lines of its loop in tests/jvm/Workload.java (10–18).
#[test]
fn a_jfrs_frames_keep_their_source_lines() {
    let profile = pf_pprof::jfr::jfr_combined(&jfr_bytes()).unwrap();
    let name = |i: i64| String::from_utf8_lossy(&profile.string_table[i as usize]).into_owned();
    let spin = profile
        .function
        .iter()
        .find(|f| name(f.name) == "Hot.spin")
        .expect("Hot.spin is a function of the recording")
        .id;
    let lines: Vec<i64> = profile
        .location
        .iter()
        .flat_map(|l| &l.line)
        .filter(|l| l.function_id == spin)
        .map(|l| l.line)
        .collect();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| (10..=18).contains(l)), "{lines:?}");
}
