//! Where functions live (docs/regressions.md#the-change-that-caused-it): pushed pprofs with files,
//! first lines and sampled lines, read back from `GET /profiles/{appName}/sites` (merged over the
//! window's files, narrowed by label), and the same through a Profile Data SOR in another process.

use serde_json::{json, Value};

use pf_infra::sor::remote::RemoteSor;
use pf_infra::telemetry::Metrics;
use pf_model::{FunctionSite, ProfileType, TimeWindow};
use pf_profiles::{ProfileDataSor, ProfileQuery, RemoteProfileData};

use crate::contract::app;
use crate::helpers::{assert_error, json_with_status, spawn_profile_data_sor, TestApp};
use crate::ingest::ingest;
use crate::profile_data::pprof::encode::to_bytes;
use crate::profile_data::pprof::proto::{Function, Line, Location, Profile, Sample, ValueType};

const FROM: i64 = 1_760_000_000;

/// A cpu profile as Go writes one: `main.main` (main.go, from line 3, at 10) calls
/// `main.work` (work.go, from line 20, inlined at main.go:11, sampled at `work_line`); and a
/// py-spy frame without a file, `handle (app.py:12)`.
fn placed(work_line: i64) -> Vec<u8> {
    let strings = [
        "",
        "cpu",
        "nanoseconds",
        "main.main",
        "/src/main.go",
        "main.work",
        "/src/work.go",
        "handle (app.py:12)",
    ];
    let function = |id, name, filename, start_line| Function {
        id,
        name,
        filename,
        start_line,
        ..Function::default()
    };
    let location = |id, lines: &[(u64, i64)]| Location {
        id,
        address: 0x1000 + id,
        line: lines
            .iter()
            .map(|&(function_id, line)| Line { function_id, line })
            .collect(),
    };
    let sample = |location_id: Vec<u64>, value| Sample {
        location_id,
        value: vec![value],
        label: Vec::new(),
    };
    let profile = Profile {
        sample_type: vec![ValueType { r#type: 1, unit: 2 }],
        period_type: Some(ValueType { r#type: 1, unit: 2 }),
        period: 10_000_000,
        string_table: strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        function: vec![
            function(1, 3, 4, 3),
            function(2, 5, 6, 20),
            function(3, 7, 0, 0),
        ],
        location: vec![
            location(1, &[(1, 10)]),
            location(2, &[(2, work_line), (1, 11)]),
            location(3, &[(3, 0)]),
        ],
        sample: vec![sample(vec![2, 1], 70), sample(vec![3], 30)],
        ..Profile::default()
    };
    to_bytes(&profile, true)
}

/// Pushes `placed(work_line)` as `placed{version=…}` for the 10 s from `from`.
async fn push(app: &TestApp, from: i64, version: &str, work_line: i64) {
    let query = format!(
        "name=placed%7Bversion%3D{version}%7D&from={from}&until={}&format=pprof&spyName=gospy",
        from + 10
    );
    let res = ingest(app, &query, "application/octet-stream", placed(work_line)).await;
    assert_eq!(res.status(), 200);
}

async fn spawn_with_pushes() -> (TestApp, tempfile::TempDir) {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    let app = spawn_profile_data_sor(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = std::num::NonZeroU32::new(36_500).unwrap();
    })
    .await;
    push(&app, FROM, "1", 24).await;
    push(&app, FROM + 10, "2", 22).await;
    (app, store)
}

fn site(name: &str, file: &str, start_line: Option<u32>, sampled: &[u32]) -> Value {
    json!({"name": name, "file": file, "startLine": start_line, "sampled": sampled})
}

#[tokio::test]
async fn pushed_profiles_say_where_their_functions_live() {
    let (app, _store) = spawn_with_pushes().await;
    let window = format!("from={FROM}&to={}", FROM + 20);
    let body = json_with_status(
        app.get(&format!("/profiles/placed/sites?{window}")).await,
        200,
    )
    .await;
    assert_eq!(
        body,
        json!({"sites": [
            site("handle (app.py:12)", "app.py", None, &[12]),
            site("main.main", "/src/main.go", Some(3), &[10, 11]),
            site("main.work", "/src/work.go", Some(20), &[22, 24]),
        ]}),
        "both pushes' lines; the py-spy frame placed by its name"
    );
    // Named as the profile ranks them.
    let ranked = json_with_status(app.get(&format!("/profiles/placed?{window}")).await, 200).await;
    let mut names: Vec<&str> = ranked["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["handle (app.py:12)", "main.main", "main.work"]);
    // One version's samples only; another type or window has none.
    let v2 = json_with_status(
        app.get(&format!(
            "/profiles/placed/sites?{window}&labels=version%3D%222%22"
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(
        v2["sites"][2],
        site("main.work", "/src/work.go", Some(20), &[22])
    );
    for empty in [
        format!("/profiles/placed/sites?type=alloc&{window}"),
        format!(
            "/profiles/placed/sites?from={}&to={}",
            FROM + 100,
            FROM + 200
        ),
    ] {
        let body = json_with_status(app.get(&empty).await, 200).await;
        assert_eq!(body, json!({"sites": []}), "{empty}");
    }
    let bad = [
        ("type=stack", "invalid_profile_type"),
        ("from=20&to=10", "invalid_time_window"),
        ("labels=version%3D", "invalid_labels"),
    ];
    for (query, code) in bad {
        let res = app.get(&format!("/profiles/placed/sites?{query}")).await;
        assert_error(res, 400, code).await;
    }
}

#[tokio::test]
async fn a_remote_profile_data_sor_gives_the_same_sites() {
    let (sor, _store) = spawn_with_pushes().await;
    let client = RemoteSor::new(
        "Profile Data",
        "profileDataSor",
        url::Url::parse(&sor.address).unwrap(),
        std::time::Duration::from_secs(10),
        Metrics::new(None).unwrap(),
    );
    let remote = RemoteProfileData::new(client.unwrap());
    let query = ProfileQuery {
        app: app("placed"),
        profile_type: ProfileType::Cpu,
        window: TimeWindow::new(FROM, FROM + 20).unwrap(),
        limit: 1,
        labels: Default::default(),
    };
    let sites = remote.sites(query).await.unwrap();
    let route = json_with_status(
        sor.get(&format!(
            "/profiles/placed/sites?from={FROM}&to={}",
            FROM + 20
        ))
        .await,
        200,
    )
    .await;
    let expected: Vec<FunctionSite> = serde_json::from_value(route["sites"].clone()).unwrap();
    assert_eq!(sites, expected);
    assert_eq!(sites.len(), 3);
}
