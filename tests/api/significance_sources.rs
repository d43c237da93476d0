//! How sure a diff is (docs/api.md#how-sure-is-a-diff), where the parts come from and go: the gate
//! passes `slices` through, a part Pyroscope fails fails the diff, a canary's sides share their
//! parts, and pprof files are cut by file or say why not.

use serde_json::{json, Value};

use crate::helpers::{assert_error, json_with_status, spawn_app_with};
use crate::significance::{assert_unavailable, spawn, HOUR, RESIZE, T0};
use crate::stubs::noisy::NoisyProfiles;

/// `gate --slices` asks for the parts and says why it decided: the deciding function with its
/// interval. A real 3-point regression over a threshold fails the gate.
#[tokio::test]
async fn the_gate_passes_slices_through_and_prints_the_deciding_interval() {
    let (app, _stub) = spawn(NoisyProfiles::new(8, Some(T0))).await;
    let (from, to) = (T0 + HOUR, T0 + 2 * HOUR);
    let args: Vec<String> = [
        "gate",
        "--server",
        &app.address,
        "--app",
        "checkout",
        "--slices",
        "10",
        "--from",
        &from.to_string(),
        "--to",
        &to.to_string(),
        "--baseline-from",
        &T0.to_string(),
        "--baseline-to",
        &from.to_string(),
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    let output = tokio::task::spawn_blocking(move || {
        assert_cmd::Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"))
            .args(args)
            .env_remove("PYROSCOPE_FUNCTIONS_TOKEN")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stderr}\n{stdout}");
    assert!(
        stderr.contains(&format!("deciding function {RESIZE}: +")) && stderr.contains("(95 % CI "),
        "{stderr}"
    );
    assert!(stderr.contains("current share "), "{stderr}");
    assert!(
        stdout.contains("- Significance: 95 % intervals from 10 baseline"),
        "{stdout}"
    );
}

/// A part that Pyroscope fails to give fails the diff as a window would: 502, not a report
/// without intervals.
#[tokio::test]
async fn a_part_that_cannot_be_read_fails_the_diff_like_a_window() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};

    /// A query shorter than an hour: a part.
    struct Part;
    impl wiremock::Match for Part {
        fn matches(&self, request: &wiremock::Request) -> bool {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let span = body["end"].as_i64().unwrap_or(0) - body["start"].as_i64().unwrap_or(0);
            span < HOUR * 1000
        }
    }
    let stub = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/querier.v1.QuerierService/SelectMergeStacktraces"))
        .and(Part)
        .respond_with(ResponseTemplate::new(500))
        .mount(&stub)
        .await;
    Mock::given(method("POST"))
        .and(path("/querier.v1.QuerierService/SelectMergeStacktraces"))
        .respond_with(NoisyProfiles::new(5, None))
        .mount(&stub)
        .await;
    let url = url::Url::parse(&stub.uri()).unwrap();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.max_retries = 0;
    })
    .await;
    let window = format!(
        "baselineFrom={T0}&baselineTo={}&from={}&to={}",
        T0 + HOUR,
        T0 + HOUR,
        T0 + 2 * HOUR
    );
    let res = app.get(&format!("/diff/checkout?{window}")).await;
    assert_error(res, 502, "upstream_error").await;
    let res = app.get(&format!("/profiles/checkout/diff?{window}")).await;
    assert_error(res, 502, "upstream_error").await;
    json_with_status(
        app.get(&format!("/diff/checkout?{window}&slices=0")).await,
        200,
    )
    .await;
}

/// Canary against stable in one hour: both sides are cut by the same parts.
#[tokio::test]
async fn a_canary_diff_cuts_both_sides_by_the_same_parts() {
    let (app, _stub) = spawn(NoisyProfiles::new(9, None)).await;
    let (from, to) = (T0, T0 + HOUR);
    let path = format!(
        "/profiles/checkout/diff?from={from}&to={to}&baselineFrom={from}&baselineTo={to}\
         &baselineLabels=track%3D%22stable%22&currentLabels=track%3D%22canary%22&slices=6"
    );
    let body = json_with_status(app.get(&path).await, 200).await;
    let bounds = |side: &str| -> Vec<(i64, i64)> {
        body[side]["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["from"].as_i64().unwrap(), p["to"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(bounds("baseline").len(), 6);
    assert_eq!(bounds("baseline"), bounds("current"));
    assert_eq!(bounds("current")[1], (from + 600, from + 1200));
    let f = &body["current"]["functions"][0];
    let parts: u64 = f["partSelfSamples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(
        parts,
        f["selfSamples"].as_u64().unwrap(),
        "exact: the parts add up"
    );
}

/// From pprof files, a window's parts are its files; files without a time cannot be cut.
#[tokio::test]
async fn pprof_files_without_times_say_why_a_diff_has_no_intervals() {
    let app = spawn_app_with(|_| {}).await;
    let body = json_with_status(
        app.get("/diff/checkout?from=1700003600&to=1700007200")
            .await,
        200,
    )
    .await;
    assert_unavailable(&body, "has no time");
    // The demo's payments hours are six timed files each: six parts a side.
    let window = "from=1767229200&to=1767232800&baselineFrom=1767225600&baselineTo=1767229200";
    let body = json_with_status(app.get(&format!("/diff/payments?{window}")).await, 200).await;
    assert_eq!(
        body["summary"]["significance"]["slices"],
        json!({"baseline": 6, "current": 6})
    );
}
