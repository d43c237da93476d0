//! Reaching a real Pyroscope (issue 67): TLS trusted as curl and Go trust it (`SSL_CERT_FILE`,
//! `SSL_CERT_DIR`) and through `pyroscope.ca_file`; a client certificate for a gateway that
//! asks for one; Alertmanager and webhooks over the same TLS; the tenant and credentials from
//! the flat environment names, never shown; `/metrics` behind the door once tokens are set.
//!
//! The service runs as a child process wherever the environment decides what it trusts: the
//! variables are process-wide, and the tests run side by side.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use url::Url;
use wiremock::matchers::{basic_auth, bearer_token, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use pyroscope_functions::app::settings::Function;

use crate::access::{client_with, with_tokens, READ_TOKEN, WRITE_TOKEN};
use crate::helpers::{
    assert_error, eventually, free_port, json_with_status, spawn_app, spawn_app_with,
    spawn_binary_with, TestApp, TestDatabase,
};
use crate::stubs::java::stub_pyroscope;
use crate::stubs::standin::PyroscopeStandIn;
use crate::stubs::standin_client::cpu_pprof;
use crate::stubs::tls_front::{write_pem, TestCa, TlsFront};
use crate::stubs::LABEL_VALUES;

/// When the profile was taken, epoch seconds; the window is a minute either side.
const TAKEN: i64 = 1_760_000_000;
const CHECKOUT_CPU: &str = "/profiles/checkout?type=cpu&from=1759999940&to=1760000060";

/// A Pyroscope stand-in holding one CPU profile of `checkout`.
async fn standin_with_checkout() -> PyroscopeStandIn {
    let standin = PyroscopeStandIn::start().await;
    let stacks = [("main.main;main.work", 60), ("main.main;main.idle", 40)];
    let pprof = cpu_pprof(TAKEN * 1_000_000_000, &stacks, &[]);
    standin.keep(&[("service_name", "checkout")], &pprof);
    standin
}

/// The Profile Data SOR (it has no database: the empty `DATABASE_URL` is no setting) as a
/// child process reading Pyroscope at `pyroscope`; `SSL_CERT_FILE` and `SSL_CERT_DIR` only as
/// `configure` sets them.
async fn profile_data(pyroscope: &Url, configure: impl FnOnce(&mut Command)) -> (Child, TestApp) {
    let (child, address) = spawn_binary_with("", |command| {
        command
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR")
            .env("FUNCTION", Function::ProfileDataSor.name())
            .env("PYROSCOPE_URL", pyroscope.as_str());
        configure(command);
    })
    .await;
    (child, TestApp::at(address))
}

/// `checkout`'s CPU profile is read through the service, and Pyroscope's check is up.
async fn assert_reads_checkout(app: &TestApp) {
    let body = json_with_status(app.get(CHECKOUT_CPU).await, 200).await;
    let names: Vec<&str> = body["functions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(names.contains(&"main.work"), "{body}");
    let health = json_with_status(app.get("/health").await, 200).await;
    assert_eq!(health["checks"]["pyroscope"]["status"], "up", "{health}");
}

/// The 502 of a read refused at the TLS handshake: its message says what was wrong with which
/// certificate, and the setting that fixes it.
async fn assert_refused_for(app: &TestApp, problem: &str, fix: &str) {
    let body = assert_error(app.get(CHECKOUT_CPU).await, 502, "upstream_error").await;
    let message = body["error"].as_str().unwrap();
    assert!(message.contains(problem), "{message}");
    assert!(message.contains(fix), "{message}");
}

#[tokio::test]
async fn pyroscope_behind_a_private_ca_is_read_once_ssl_cert_file_or_ssl_cert_dir_trusts_it() {
    let standin = standin_with_checkout().await;
    let ca = TestCa::new("Company Root CA");
    let front = TlsFront::start(&standin.url(), &ca, None).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = write_pem(dir.path(), "company-ca.pem", &ca.pem);

    let (_file, app) = profile_data(&front.url(), |c| {
        c.env("SSL_CERT_FILE", &ca_file);
    })
    .await;
    assert_reads_checkout(&app).await;
    let (_dir, app) = profile_data(&front.url(), |c| {
        c.env("SSL_CERT_DIR", dir.path());
    })
    .await;
    assert_reads_checkout(&app).await;
    assert!(front.refusals().is_empty(), "{:?}", front.refusals());
}

#[tokio::test]
async fn pyroscope_behind_a_private_ca_is_read_once_its_ca_file_is_set() {
    let standin = standin_with_checkout().await;
    let ca = TestCa::new("Company Root CA");
    let front = TlsFront::start(&standin.url(), &ca, None).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = write_pem(dir.path(), "company-ca.pem", &ca.pem);
    let (_service, app) = profile_data(&front.url(), |c| {
        c.env("PYROSCOPE_CA_FILE", &ca_file);
    })
    .await;
    assert_reads_checkout(&app).await;
}

#[tokio::test]
async fn pyroscope_behind_a_private_ca_is_refused_without_either_with_a_502_naming_the_certificate()
{
    let standin = standin_with_checkout().await;
    let ca = TestCa::new("Company Root CA");
    let front = TlsFront::start(&standin.url(), &ca, None).await;
    let (_service, app) = profile_data(&front.url(), |_| {}).await;
    assert_refused_for(
        &app,
        "invalid peer certificate: UnknownIssuer",
        "pyroscope.ca_file",
    )
    .await;
    let health = json_with_status(app.get("/health").await, 200).await;
    let check = &health["checks"]["pyroscope"];
    assert_eq!(check["status"], "down", "{health}");
    assert!(
        check["error"]
            .as_str()
            .is_some_and(|e| e.contains("UnknownIssuer")),
        "{health}"
    );
    // Nothing reached Pyroscope: the service refused the certificate before sending anything.
    assert!(standin.received().is_empty());
}

#[tokio::test]
async fn a_gateway_asking_for_a_client_certificate_gets_the_configured_one_and_refuses_a_service_without(
) {
    let standin = standin_with_checkout().await;
    let ca = TestCa::new("Company Root CA");
    let clients = TestCa::new("Gateway Clients CA");
    let gateway = TlsFront::start(&standin.url(), &ca, Some(&clients)).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = write_pem(dir.path(), "company-ca.pem", &ca.pem);
    let issued = clients.issue(&["pyroscope-functions"]);
    let cert = write_pem(dir.path(), "client.pem", &issued.cert_pem);
    let key = write_pem(dir.path(), "client.key", &issued.key_pem);

    let (_with, app) = profile_data(&gateway.url(), |c| {
        c.env("PYROSCOPE_CA_FILE", &ca_file)
            .env("PYROSCOPE_CLIENT_CERT", &cert)
            .env("PYROSCOPE_CLIENT_KEY", &key);
    })
    .await;
    assert_reads_checkout(&app).await;
    assert!(gateway.refusals().is_empty(), "{:?}", gateway.refusals());

    let (_without, app) = profile_data(&gateway.url(), |c| {
        c.env("PYROSCOPE_CA_FILE", &ca_file);
    })
    .await;
    assert_refused_for(&app, "CertificateRequired", "pyroscope.client_cert").await;
    let refusals = gateway.refusals();
    assert!(
        !refusals.is_empty() && refusals.iter().all(|r| r.contains("no certificates")),
        "{refusals:?}"
    );
}

#[tokio::test]
async fn alertmanager_and_a_webhook_behind_a_private_ca_receive_their_notices() {
    let receivers = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receivers)
        .await;
    let receivers_url = Url::parse(&receivers.uri()).unwrap();
    let ca = TestCa::new("Company Root CA");
    let alertmanager = TlsFront::start(&receivers_url, &ca, None).await;
    let webhooks = TlsFront::start(&receivers_url, &ca, None).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = write_pem(dir.path(), "company-ca.pem", &ca.pem);
    let pyroscope = stub_pyroscope().await;
    let db = TestDatabase::create().await;
    let (_service, address) = spawn_binary_with(db.url.as_str(), |c| {
        c.env_remove("SSL_CERT_DIR")
            .env("SSL_CERT_FILE", &ca_file)
            .env("FUNCTION", "all")
            .env("PYROSCOPE_URL", pyroscope.uri())
            .env("ALERTMANAGER_URL", alertmanager.url().as_str())
            .env("APP__ALERTS__INTERVAL_SECS", "1");
    })
    .await;
    let app = TestApp::at(address);
    // The stub's top function takes 50% of CPU: the rule fires at its first evaluation.
    let hook = format!("{}hook", webhooks.url());
    let rule = json!({"appName": "checkout", "profileType": "cpu", "thresholdPercent": 40.0,
                      "notificationChannel": hook});
    json_with_status(app.post("/rules", &rule).await, 201).await;
    eventually(30, "Alertmanager and the webhook are called", || async {
        let received = receivers.received_requests().await.unwrap_or_default();
        let paths: Vec<&str> = received.iter().map(|r| r.url.path()).collect();
        paths.contains(&"/api/v2/alerts") && paths.contains(&"/hook")
    })
    .await;
    let received = receivers.received_requests().await.unwrap();
    let notice = received.iter().find(|r| r.url.path() == "/hook").unwrap();
    let notice: Value = serde_json::from_slice(&notice.body).unwrap();
    assert_eq!(notice["appName"], "checkout", "{notice}");
    assert!(alertmanager.refusals().is_empty() && webhooks.refusals().is_empty());
}

/// The secrets of the credential tests: none may show in the log or `/health`.
const PASSWORD: &str = "grafana-cloud-password-5e1c";
const TOKEN: &str = "pyroscope-bearer-token-93ad";
const TENANT: &str = "812345";

/// A Pyroscope that lists `checkout` only to a request with the tenant and `credentials`, and
/// answers 401 to anything else.
async fn pyroscope_requiring(credentials: impl wiremock::Match + 'static) -> MockServer {
    let pyroscope = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .and(header("x-scope-orgid", TENANT))
        .and(credentials)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"names": ["checkout"]})))
        .with_priority(1)
        .mount(&pyroscope)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401).set_body_string("invalid credentials"))
        .with_priority(2)
        .mount(&pyroscope)
        .await;
    pyroscope
}

/// The Profile Data SOR on `pyroscope` with the environment `env`, logging everything at debug
/// to a file: Pyroscope's check is up (the credentials arrived), and neither the log nor
/// `/health` holds `secret`.
async fn assert_credentials_arrive_unseen(
    pyroscope: &MockServer,
    env: &[(&str, &str)],
    secret: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("service.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let err = log.try_clone().unwrap();
    let url = Url::parse(&pyroscope.uri()).unwrap();
    let (mut service, app) = profile_data(&url, |c| {
        c.envs(env.iter().copied())
            .env("RUST_LOG", "debug")
            .stdout(log)
            .stderr(err);
    })
    .await;
    let health = app.get("/health").await.text().await.unwrap();
    let parsed: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(parsed["checks"]["pyroscope"]["status"], "up", "{health}");
    assert_eq!(
        parsed["checks"]["pyroscope"]["details"]["apps"], 1,
        "{health}"
    );
    assert!(
        !health.contains(secret),
        "/health shows the secret: {health}"
    );
    // Refused reads are logged with their cause: still no secret.
    let res = app.get(CHECKOUT_CPU).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert!(!res.text().await.unwrap().contains(secret));
    let _ = service.kill().await;
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.lines().any(|l| l.contains("request completed")),
        "the requests were logged:\n{text}"
    );
    assert!(!text.contains(secret), "a log line holds the secret");
}

#[tokio::test]
async fn the_tenant_and_basic_auth_reach_pyroscope_from_the_flat_environment_and_never_show() {
    let pyroscope = pyroscope_requiring(basic_auth("812345", PASSWORD)).await;
    let env = [
        ("PYROSCOPE_TENANT_ID", TENANT),
        ("PYROSCOPE_USERNAME", "812345"),
        ("PYROSCOPE_PASSWORD", PASSWORD),
    ];
    assert_credentials_arrive_unseen(&pyroscope, &env, PASSWORD).await;
}

#[tokio::test]
async fn the_tenant_and_a_bearer_token_reach_pyroscope_from_the_flat_environment_and_never_show() {
    let pyroscope = pyroscope_requiring(bearer_token(TOKEN)).await;
    let env = [
        ("PYROSCOPE_TENANT_ID", TENANT),
        ("PYROSCOPE_BEARER_TOKEN", TOKEN),
    ];
    assert_credentials_arrive_unseen(&pyroscope, &env, TOKEN).await;
}

/// Runs the binary with `env` and answers its exit status and standard error, once it stopped
/// (within 30 s: one that serves instead has not refused its settings).
async fn refused_start(env: &[(&str, &Path)]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"));
    command
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env("FUNCTION", Function::ProfileDataSor.name())
        .env("PYROSCOPE_URL", "https://127.0.0.1:9/")
        .env("PORT", free_port().to_string())
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(30), command.output())
        .await
        .expect("the service stops by itself")
        .expect("the service binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

/// A start that must be refused: its environment, and the setting and file it must name.
struct Refused<'a> {
    env: &'a [(&'a str, &'a Path)],
    setting: &'a str,
    file: &'a Path,
}

#[tokio::test]
async fn a_ca_file_or_client_key_that_cannot_serve_stops_startup_naming_the_setting_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Company Root CA");
    let issued = ca.issue(&["pyroscope-functions"]);
    let other = ca.issue(&["someone-else"]);
    let missing = &dir.path().join("missing.pem");
    let notes = &write_pem(dir.path(), "notes.txt", "not a certificate\n");
    let cert = &write_pem(dir.path(), "client.pem", &issued.cert_pem);
    let key = &write_pem(dir.path(), "client.key", &issued.key_pem);
    let other_key = &write_pem(dir.path(), "other.key", &other.key_pem);
    let (missing, notes, cert, key, other_key): (&Path, &Path, &Path, &Path, &Path) =
        (missing, notes, cert, key, other_key);
    let cases = [
        Refused {
            env: &[("PYROSCOPE_CA_FILE", missing)],
            setting: "pyroscope.ca_file",
            file: missing,
        },
        Refused {
            env: &[("PYROSCOPE_CA_FILE", notes)],
            setting: "pyroscope.ca_file",
            file: notes,
        },
        Refused {
            env: &[
                ("PYROSCOPE_CLIENT_CERT", cert),
                ("PYROSCOPE_CLIENT_KEY", other_key),
            ],
            setting: "pyroscope.client_key",
            file: other_key,
        },
        Refused {
            env: &[
                ("PYROSCOPE_CLIENT_CERT", key),
                ("PYROSCOPE_CLIENT_KEY", key),
            ],
            setting: "pyroscope.client_cert",
            file: key,
        },
        Refused {
            env: &[("SSL_CERT_FILE", missing)],
            setting: "SSL_CERT_FILE",
            file: missing,
        },
        Refused {
            env: &[("SSL_CERT_DIR", missing)],
            setting: "SSL_CERT_DIR",
            file: missing,
        },
    ];
    for Refused { env, setting, file } in cases {
        let (status, stderr) = refused_start(env).await;
        assert!(
            status.is_some_and(|s| s != 0),
            "{env:?}: {status:?} {stderr}"
        );
        let named = format!("`{setting}` names `{}`", file.display());
        assert!(stderr.contains(&named), "{env:?}: {stderr}");
        assert!(!stderr.contains("PRIVATE KEY"), "{env:?}: {stderr}");
    }
    // A certificate without its key is refused before anything is read.
    let (status, stderr) = refused_start(&[("PYROSCOPE_CLIENT_CERT", cert)]).await;
    assert!(status.is_some_and(|s| s != 0), "{stderr}");
    assert!(
        stderr.contains("`pyroscope.client_key` must be set"),
        "{stderr}"
    );
}

#[tokio::test]
async fn metrics_need_a_read_token_once_tokens_are_set_and_stay_open_without_them() {
    let app = spawn_app_with(with_tokens).await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_error(res, 401, "unauthorized").await;
    for token in [READ_TOKEN, WRITE_TOKEN] {
        let res = client_with(token).get(app.url("/metrics")).send().await;
        let res = res.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        assert!(text.contains("http_auth_rejections_total"), "{text}");
    }
    // The probes stay open for the orchestrator.
    for probe in ["/health/live", "/health/ready"] {
        assert_eq!(app.get(probe).await.status(), StatusCode::OK, "{probe}");
    }

    let open = spawn_app().await;
    let res = open.get("/metrics").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("http_request_duration_seconds"));
}

/// A real Prometheus (Debian's `prometheus`, which .ci/run installs for promtool); killed when
/// dropped.
struct Prometheus {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The scrape config of docs/at-scale.md, its token file and target replaced by the test's,
/// beside a job that scrapes the same target without a token; scraping every second.
async fn prometheus_scraping(target: &str, token: &str) -> Prometheus {
    let docs = include_str!("../../docs/at-scale.md");
    let documented = docs
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/at-scale.md shows a scrape config");
    let dir = tempfile::tempdir().unwrap();
    let token_file = write_pem(dir.path(), "read-token", token);
    let documented = documented
        .replace(
            "/etc/prometheus/secrets/pyroscope-functions-read-token",
            &token_file.display().to_string(),
        )
        .replace("pyroscope-functions:8080", target);
    assert!(documented.contains(target), "{documented}");
    let config = format!(
        "global:\n  scrape_interval: 1s\n{documented}  - job_name: without-token\n    \
         static_configs:\n      - targets: [\"{target}\"]\n"
    );
    let config_file = write_pem(dir.path(), "prometheus.yml", &config);
    let port = free_port();
    let child = std::process::Command::new("prometheus")
        .arg(format!("--config.file={}", config_file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Prometheus runs (Debian's prometheus package; .ci/run installs it)");
    Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

/// The health and last error of each scrape target by job, once every job was scraped.
async fn scrape_results(prometheus: &Prometheus) -> Option<Vec<(String, String, String)>> {
    let url = format!("{}/api/v1/targets", prometheus.url);
    let targets: Value = reqwest::get(url).await.ok()?.json().await.ok()?;
    let active = targets["data"]["activeTargets"].as_array()?;
    let results: Vec<(String, String, String)> = active
        .iter()
        .map(|t| {
            let text = |key: &str| t[key].as_str().unwrap_or_default().to_owned();
            (
                t["labels"]["job"].as_str().unwrap_or_default().to_owned(),
                text("health"),
                text("lastError"),
            )
        })
        .collect();
    let scraped = results.len() == 2 && results.iter().all(|(_, health, _)| health != "unknown");
    scraped.then_some(results)
}

#[tokio::test]
async fn prometheus_scrapes_metrics_with_the_documented_read_token_and_is_refused_without() {
    let app = spawn_app_with(with_tokens).await;
    let target = app.address.trim_start_matches("http://").to_owned();
    let prometheus = prometheus_scraping(&target, READ_TOKEN).await;
    // 60 s: Prometheus starts, then scrapes each job once a second.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut results = loop {
        if let Some(results) = scrape_results(&prometheus).await {
            break results;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Prometheus did not scrape both jobs"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    results.sort();
    assert_eq!(results[0].0, "pyroscope-functions", "{results:?}");
    assert_eq!(results[0].1, "up", "{results:?}");
    assert_eq!(results[1].0, "without-token", "{results:?}");
    assert_eq!(results[1].1, "down", "{results:?}");
    assert!(results[1].2.contains("401"), "{results:?}");
}
