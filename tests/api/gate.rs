//! `pyroscope-functions gate` end to end: the built binary asks a running service (the
//! all-in-one process on the stub Pyroscope, or a stub service where only one can show what
//! the gate sends) and exits 0, 1 or 2.

use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::free_port;
use crate::stubs::java::{add_baseline, spawn_with_pyroscope, INCIDENT_FROM, INCIDENT_TO};

/// Runs the binary with `args` and `env` off the test's runtime (the service runs on it).
pub async fn run(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"));
        command
            .args(args)
            .env_remove("PYROSCOPE_FUNCTIONS_TOKEN")
            .envs(env)
            .timeout(Duration::from_secs(60));
        command.output().expect("the binary runs")
    })
    .await
    .expect("the blocking task finishes")
}

/// `gate --server server --app checkout --from INCIDENT_FROM --to INCIDENT_TO` and `extra`.
async fn gate(server: &str, extra: &[&str]) -> Output {
    let mut args: Vec<String> = ["gate", "--server", server, "--app", "checkout"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    args.extend([
        "--from".into(),
        INCIDENT_FROM.to_string(),
        "--to".into(),
        INCIDENT_TO.to_string(),
    ]);
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    run(args, vec![]).await
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn verdict_of(output: &Output) -> Value {
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", stdout(output)));
    report["summary"]["verdict"].clone()
}

#[tokio::test]
async fn a_window_compared_with_itself_passes_with_exit_0() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    let same = [
        "--baseline-from",
        &INCIDENT_FROM.to_string(),
        "--baseline-to",
        &INCIDENT_TO.to_string(),
    ]
    .map(|a| a.to_owned());
    let same: Vec<&str> = same.iter().map(String::as_str).collect();

    let json = gate(&app.address, &[&same[..], &["--format", "json"]].concat()).await;
    assert_eq!(code(&json), Some(0), "{}", stderr(&json));
    assert_eq!(verdict_of(&json), "pass");
    assert!(stderr(&json).contains("verdict pass"), "{}", stderr(&json));

    let markdown = gate(&app.address, &same).await;
    assert_eq!(code(&markdown), Some(0), "{}", stderr(&markdown));
    assert!(
        stdout(&markdown).contains("**Verdict:** PASS"),
        "{}",
        stdout(&markdown)
    );
}

#[tokio::test]
async fn a_breached_threshold_fails_with_exit_1_and_the_markdown_report() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    add_baseline(&app, "java/util/HashMap.resize", 45.0).await;

    let markdown = gate(&app.address, &[]).await;
    assert_eq!(code(&markdown), Some(1), "{}", stderr(&markdown));
    let report = stdout(&markdown);
    assert!(report.starts_with("# Diff report: checkout"), "{report}");
    assert!(report.contains("**Verdict:** FAIL"), "{report}");
    assert!(report.contains("BREACH"), "{report}");
    assert!(
        stderr(&markdown).contains("verdict fail"),
        "{}",
        stderr(&markdown)
    );

    let json = gate(&app.address, &["--format", "json"]).await;
    assert_eq!(code(&json), Some(1), "{}", stderr(&json));
    assert_eq!(verdict_of(&json), "fail");
}

#[tokio::test]
async fn a_warning_passes_by_default_and_fails_with_fail_on_warn() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;

    let default = gate(&app.address, &["--format", "json"]).await;
    assert_eq!(code(&default), Some(0), "{}", stderr(&default));
    assert_eq!(verdict_of(&default), "warn");

    let strict = gate(&app.address, &["--fail-on", "warn"]).await;
    assert_eq!(code(&strict), Some(1), "{}", stderr(&strict));
    assert!(
        stdout(&strict).contains("**Verdict:** WARN"),
        "{}",
        stdout(&strict)
    );
}

#[tokio::test]
async fn no_decision_without_an_answer_exits_2_with_the_reason() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let unreachable = gate(&closed, &[]).await;
    assert_eq!(code(&unreachable), Some(2));
    assert!(stdout(&unreachable).is_empty(), "{}", stdout(&unreachable));
    let reason = stderr(&unreachable);
    assert!(
        reason.contains("cannot reach") && reason.contains(&closed),
        "{reason}"
    );

    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&slow)
        .await;
    let timeout = gate(&slow.uri(), &["--timeout", "1"]).await;
    assert_eq!(code(&timeout), Some(2));
    assert!(
        stderr(&timeout).contains("within 1 s"),
        "{}",
        stderr(&timeout)
    );
}

#[tokio::test]
async fn the_services_refusals_exit_2_with_its_message() {
    let (app, pyroscope) = spawn_with_pyroscope().await;
    let bad_type = gate(&app.address, &["--type", "bogus"]).await;
    assert_eq!(code(&bad_type), Some(2));
    let reason = stderr(&bad_type);
    assert!(
        reason.contains("400 Bad Request") && reason.contains("bogus"),
        "{reason}"
    );

    // Pyroscope answers nothing the service understands: the service says 502.
    pyroscope.reset().await;
    let broken = gate(&app.address, &[]).await;
    assert_eq!(code(&broken), Some(2));
    assert!(
        stderr(&broken).contains("502 Bad Gateway"),
        "{}",
        stderr(&broken)
    );
}

#[tokio::test]
async fn bad_arguments_exit_2_with_a_message() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["--server", "http://x", "--app", "a", "--fail-on", "maybe"],
            "maybe",
        ),
        (&["--server", "http://x"], "--app"),
        (
            &["--server", "localhost:8080", "--app", "a"],
            "http or https",
        ),
        (
            &["--server", "http://x", "--app", "a", "--timeout", "0"],
            "--timeout",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["gate".to_owned()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        let output = run(all, vec![]).await;
        assert_eq!(code(&output), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[tokio::test]
async fn help_shows_a_pipeline_example() {
    let help = run(vec!["gate".into(), "--help".into()], vec![]).await;
    assert_eq!(code(&help), Some(0));
    let text = stdout(&help);
    assert!(
        text.contains("Example") && text.contains("--current-labels"),
        "{text}"
    );
    assert!(
        text.contains("[default: fail]") && text.contains("PYROSCOPE_FUNCTIONS_TOKEN"),
        "{text}"
    );
}

/// A report of `verdict` for the windows 100..200 (current) and 0..100 (baseline).
fn report(verdict: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "appName": "a/b", "profileType": "cpu",
        "baseline": {"from": 0, "to": 100}, "current": {"from": 100, "to": 200},
        "regressions": [], "improvements": [],
        "summary": {"regressionsCount": 0, "improvementsCount": 0, "topRegression": null, "verdict": verdict}
    }))
}

#[tokio::test]
async fn the_gate_sends_its_parameters_encoded_and_the_token_as_a_bearer() {
    let service = MockServer::start().await;
    let token = "s3cret-t0ken";
    let labels = r#"version="1.4.2",region=~"eu-.*""#;
    Mock::given(method("GET"))
        .and(path("/base/diff/a%2Fb"))
        .and(query_param("format", "json"))
        .and(query_param("type", "alloc"))
        .and(query_param("labels", labels))
        .and(query_param("baselineLabels", r#"track="stable""#))
        .and(query_param("currentLabels", r#"track="canary""#))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(report("pass"))
        .expect(1)
        .mount(&service)
        .await;
    // The second request names the windows the report stated, not the defaults.
    Mock::given(method("GET"))
        .and(path("/base/diff/a%2Fb"))
        .and(query_param("format", "markdown"))
        .and(query_param("from", "100"))
        .and(query_param("to", "200"))
        .and(query_param("baselineFrom", "0"))
        .and(query_param("baselineTo", "100"))
        .and(query_param("currentLabels", r#"track="canary""#))
        .respond_with(ResponseTemplate::new(200).set_body_string("# the report\n"))
        .expect(1)
        .mount(&service)
        .await;
    let args = [
        "gate",
        "--server",
        &format!("{}/base/", service.uri()),
        "--app",
        "a/b",
        "--type",
        "alloc",
        "--labels",
        labels,
        "--baseline-labels",
        r#"track="stable""#,
        "--current-labels",
        r#"track="canary""#,
    ];
    let output = run(
        args.iter().map(|a| (*a).to_owned()).collect(),
        vec![("PYROSCOPE_FUNCTIONS_TOKEN", token.to_owned())],
    )
    .await;
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "# the report\n");
    assert!(!stderr(&output).contains(token), "{}", stderr(&output));
}

#[tokio::test]
async fn an_unknown_verdict_is_no_decision() {
    let service = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(report("maybe"))
        .mount(&service)
        .await;
    let output = gate(&service.uri(), &["--format", "json"]).await;
    assert_eq!(code(&output), Some(2));
    assert!(
        stderr(&output).contains(r#"unknown verdict "maybe""#),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn the_server_is_still_the_default_and_serve_takes_the_same_config() {
    let missing = "/nonexistent/pyroscope-functions.toml";
    let bare = run(vec!["--config".into(), missing.into()], vec![]).await;
    let serve = run(
        vec!["serve".into(), "--config".into(), missing.into()],
        vec![],
    )
    .await;
    assert_eq!(code(&bare), Some(2));
    assert_eq!(code(&serve), Some(2));
    assert!(stderr(&bare).contains(missing), "{}", stderr(&bare));
    assert_eq!(stderr(&bare), stderr(&serve));
}
