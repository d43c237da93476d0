//! Files and lines from Grafana Pyroscope (docs/regressions.md#the-change-that-caused-it): the
//! service asks the stand-in for the window's merged pprof in binary protobuf, as Pyroscope's
//! messages, and reads the same sites a profile directory of the same pprof gives; a server
//! before 2.2 (a flame graph where pprof was asked) and one without `SelectMergeStacktraces`
//! are read through `SelectMergeProfile`, learned once; the legacy API says it has no lines.

use pf_formats::formats::pyroscope_api::paths;
use pf_profiles::PyroscopeApi;
use serde_json::Value;

use crate::helpers::{assert_error, json_with_status, spawn_app_with, TestApp};
use crate::stubs::standin::{Mode, PyroscopeStandIn};
use crate::stubs::standin_client::cpu_pprof;

/// When the profile was taken, epoch seconds; the window is a minute either side.
const TAKEN: i64 = 1_760_000_000;
const WINDOW: &str = "from=1759999940&to=1760000060";

/// `main` calls `work` (60 samples) and `idle` (40), each in its own file.
fn pprof() -> Vec<u8> {
    let stacks = [
        ("main.main (app/main.go:10);main.work (app/work.go:20)", 60),
        ("main.main (app/main.go:11);main.idle (app/idle.go:5)", 40),
    ];
    cpu_pprof(TAKEN * 1_000_000_000, &stacks, &[])
}

async fn standin_with_checkout() -> PyroscopeStandIn {
    let standin = PyroscopeStandIn::start().await;
    standin.keep(&[("service_name", "checkout")], &pprof());
    standin
}

async fn reading(standin: &PyroscopeStandIn) -> TestApp {
    let url = standin.url();
    spawn_app_with(move |s| s.pyroscope.url = Some(url)).await
}

async fn sites(app: &TestApp) -> Value {
    let res = app
        .get(&format!("/profiles/checkout/sites?type=cpu&{WINDOW}"))
        .await;
    json_with_status(res, 200).await["sites"].clone()
}

#[tokio::test]
async fn sites_from_pyroscope_are_the_sites_of_the_same_pprof_in_a_profile_directory() {
    let standin = standin_with_checkout().await;
    let app = reading(&standin).await;
    let from_pyroscope = sites(&app).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("checkout")).unwrap();
    std::fs::write(dir.path().join("checkout/cpu.pb.gz"), pprof()).unwrap();
    let files = dir.path().to_path_buf();
    let from_files = sites(&spawn_app_with(move |s| s.profiles.dir = Some(files)).await).await;
    assert_eq!(from_pyroscope, from_files);
    let work = from_pyroscope
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "main.work")
        .cloned()
        .unwrap_or_else(|| panic!("{from_pyroscope:#}"));
    assert_eq!(work["file"], "app/work.go");
    assert_eq!(work["startLine"], 18);
    assert_eq!(work["sampled"], serde_json::json!([20]));
    // What the service sent is Pyroscope's message, in binary protobuf.
    let asked = standin.received();
    let select = asked
        .iter()
        .find(|r| r.path == paths::SELECT_MERGE_STACKTRACES)
        .expect("a SelectMergeStacktraces call");
    assert_eq!(select.content_type, "application/proto");
    let m = &select.message;
    assert_eq!(m["format"], "PROFILE_FORMAT_PPROF");
    assert_eq!(m["labelSelector"], "{service_name=\"checkout\"}");
    assert_eq!(m["start"], "1759999940000");
    assert_eq!(m["end"], "1760000060000");
    assert!(
        m["profileTypeID"]
            .as_str()
            .unwrap()
            .starts_with("process_cpu:"),
        "{m}"
    );
}

#[tokio::test]
async fn a_server_before_2_2_or_without_merge_stacktraces_is_read_through_merge_profile_learned_once(
) {
    for mode in [Mode::Before2_2, Mode::NoMergeStacktraces] {
        let standin = standin_with_checkout().await;
        standin.set_mode(mode);
        let app = reading(&standin).await;
        let first = sites(&app).await;
        assert!(!first.as_array().unwrap().is_empty(), "{mode:?}: {first}");
        // Another window: not cached, and asked of SelectMergeProfile straight away.
        let res = app
            .get("/profiles/checkout/sites?type=cpu&from=1759999950&to=1760000050")
            .await;
        assert_eq!(json_with_status(res, 200).await["sites"], first);
        let calls: Vec<String> = standin
            .received()
            .into_iter()
            .map(|r| r.path)
            .filter(|p| p == paths::SELECT_MERGE_STACKTRACES || p == paths::SELECT_MERGE_PROFILE)
            .collect();
        assert_eq!(
            calls,
            [
                paths::SELECT_MERGE_STACKTRACES,
                paths::SELECT_MERGE_PROFILE,
                paths::SELECT_MERGE_PROFILE
            ],
            "{mode:?}"
        );
    }
}

#[tokio::test]
async fn the_legacy_api_has_no_lines_and_says_so() {
    let standin = standin_with_checkout().await;
    let url = url::Url::parse(&format!("{}/pyroscope", standin.url())).unwrap();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.api = PyroscopeApi::Legacy;
    })
    .await;
    let pgo = app.get(&format!("/pgo/checkout?{WINDOW}")).await;
    let error = assert_error(pgo, 501, "not_implemented").await;
    assert!(error["error"]
        .as_str()
        .unwrap()
        .contains("no files or lines"));
    let sites = app
        .get(&format!("/profiles/checkout/sites?type=cpu&{WINDOW}"))
        .await;
    assert_error(sites, 501, "not_implemented").await;
}

#[tokio::test]
async fn the_flame_graph_reads_go_in_connect_json_as_pyroscopes_messages() {
    let standin = standin_with_checkout().await;
    let app = reading(&standin).await;
    let res = app
        .get(&format!("/profiles/checkout?type=cpu&{WINDOW}"))
        .await;
    let body = json_with_status(res, 200).await;
    assert_eq!(body["totalSamples"], 1_000_000_000_i64, "{body:#}");
    // The stand-in decodes each body as Pyroscope's message of its path (a body that is not
    // one is refused with `invalid_argument` and recorded as null).
    let asked = standin.received();
    let flame = asked
        .iter()
        .find(|r| r.path == paths::SELECT_MERGE_STACKTRACES)
        .expect("a SelectMergeStacktraces call");
    assert_eq!(flame.content_type, "application/json");
    let m = &flame.message;
    assert!(m.is_object(), "{m}");
    assert_eq!(m["labelSelector"], "{service_name=\"checkout\"}");
    assert_eq!(
        (&m["start"], &m["end"]),
        (&"1759999940000".into(), &"1760000060000".into())
    );
    assert!(m["maxNodes"].as_str().is_some_and(|n| n != "0"), "{m}");
    assert!(
        m["format"].is_null(),
        "a flame graph is the default format: {m}"
    );
    assert!(asked.iter().all(|r| r.message.is_object()), "{asked:#?}");
}
