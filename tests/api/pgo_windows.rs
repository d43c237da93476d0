//! `GET /pgo/{appName}` beyond one real program (docs/gate.md#a-profile-for-the-compiler): a window
//! of many pushes merged on every core into one sample per stack, apps without CPU data, and bad
//! parameters.

use pf_pprof::encode::{profile, to_bytes, Header, Stack};

use crate::helpers::{assert_error, json_with_status, spawn_app_with};
use crate::pgo::{decoded, text, totals};

#[tokio::test]
async fn apps_without_cpu_data_are_not_found_and_bad_parameters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    let heap_only = profiles.join("heaponly");
    std::fs::create_dir_all(&heap_only).unwrap();
    let header = Header {
        sample_types: vec![("inuse_space".into(), "bytes".into())],
        time_nanos: chrono::Utc::now().timestamp_nanos_opt().unwrap(),
        ..Header::default()
    };
    let stacks = [Stack {
        frames: vec!["main".into(), "grow".into()],
        values: vec![4096],
    }];
    std::fs::write(
        heap_only.join("heap.pb.gz"),
        to_bytes(&profile(&header, &stacks), true),
    )
    .unwrap();
    let app = spawn_app_with(move |s| s.profiles.dir = Some(profiles)).await;
    let now = chrono::Utc::now().timestamp();
    let window = format!("from={}&to={}", now - 600, now + 60);
    for app_name in ["heaponly", "nosuchapp"] {
        assert_error(
            app.get(&format!("/pgo/{app_name}?{window}")).await,
            404,
            "not_found",
        )
        .await;
    }
    for bad in [
        "keep_locations=0",
        "keep_locations=-1",
        "keep_locations=many",
        "keep_locations=1.5",
        "from=20&to=10",
        "labels=%3D%3D",
    ] {
        let answer = app.get(&format!("/pgo/heaponly?{bad}")).await;
        let body = json_with_status(answer, 400).await;
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn a_window_of_many_pushes_is_merged_on_every_core_into_the_same_totals() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    let many = profiles.join("many");
    std::fs::create_dir_all(&many).unwrap();
    let now = chrono::Utc::now().timestamp();
    let header = |n: i64| Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        time_nanos: (now - 300 + n) * 1_000_000_000,
        duration_nanos: 1_000_000_000,
        ..Header::default()
    };
    let stack = |frames: &[&str], ms: i64| Stack {
        frames: frames.iter().map(|f| (*f).to_owned()).collect(),
        values: vec![ms * 1_000_000],
    };
    // 200 files (more than one core's share), each the same three stacks.
    for n in 0..200 {
        let stacks = [
            stack(&["main", "serve", "parse"], 30),
            stack(&["main", "serve", "encode"], 20),
            stack(&["main", "gc"], 10),
        ];
        let bytes = to_bytes(&profile(&header(n), &stacks), true);
        std::fs::write(many.join(format!("{n:03}.pb.gz")), bytes).unwrap();
    }
    let app = spawn_app_with(move |s| s.profiles.dir = Some(profiles)).await;
    let window = format!("from={}&to={}", now - 600, now + 60);
    let answer = app.get(&format!("/pgo/many?{window}")).await;
    assert_eq!(answer.status(), 200);
    let merged = decoded(&answer.bytes().await.unwrap());
    assert_eq!(
        merged.sample.len(),
        3,
        "the same stacks of every file are one sample each"
    );
    assert_eq!(merged.function.len(), 5, "main, serve, parse, encode, gc");
    assert_eq!(totals(&merged), (200 * 6, 200 * 60 * 1_000_000));
    let cut = app
        .get(&format!("/pgo/many?{window}&keep_locations=1"))
        .await;
    let cut = decoded(&cut.bytes().await.unwrap());
    let mut leaves: Vec<(String, i64, i64)> = cut
        .sample
        .iter()
        .map(|s| {
            let l = cut
                .location
                .iter()
                .find(|l| l.id == s.location_id[0])
                .unwrap();
            let f = cut
                .function
                .iter()
                .find(|f| f.id == l.line[0].function_id)
                .unwrap();
            (text(&cut, f.name), s.value[0], s.value[1])
        })
        .collect();
    leaves.sort();
    let ms = 1_000_000 * 200;
    assert_eq!(
        leaves,
        [
            ("encode".to_owned(), 400, 20 * ms),
            ("gc".to_owned(), 200, 10 * ms),
            ("parse".to_owned(), 600, 30 * ms)
        ]
    );
}
