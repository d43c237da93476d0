//! Spawns the service on a random port against a fresh PostgreSQL database per test.
//!
//! The database server is `DATABASE_URL` when set; otherwise one embedded server per test
//! binary, started from the local PostgreSQL binaries (never skipped: no binaries, no tests).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pf_infra::db::embedded::{EmbeddedConfig, EmbeddedPostgres};
use pyroscope_functions::app::settings::{Function, Settings};
use pyroscope_functions::app::Application;
use reqwest::{Client, Method, Response};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sqlx::{Connection, PgConnection};
use url::Url;

/// The PostgreSQL server the tests create their databases on.
enum TestServer {
    External(Url),
    Embedded(EmbeddedPostgres),
}

impl TestServer {
    /// URL of `database` on this server.
    fn url(&self, database: &str) -> Url {
        let mut url = match self {
            TestServer::External(url) => url.clone(),
            // The embedded server wants its password (kept in its data directory).
            TestServer::Embedded(pg) => Url::parse(&format!(
                "postgres://postgres:{}@127.0.0.1:{}/postgres",
                pg.password().expose_secret(),
                pg.port()
            ))
            .expect("a valid URL"),
        };
        url.set_path(&format!("/{database}"));
        url
    }
}

static SERVER: OnceLock<TestServer> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

fn server() -> &'static TestServer {
    SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return TestServer::External(
                Url::parse(&url).expect("DATABASE_URL must be a valid URL"),
            );
        }
        let base = std::env::temp_dir().join(format!(
            "pyroscope-functions-test-pg-{}",
            std::process::id()
        ));
        remove_stale_test_clusters();
        let config = EmbeddedConfig {
            data_dir: base.join("data"),
            bin_dir: None,
            ephemeral: true,
            port: None,
        };
        // Started from a thread that lives as long as the process: the server is bound to it.
        let embedded = EmbeddedPostgres::start(&config).unwrap_or_else(|e| {
            panic!("tests need PostgreSQL: set DATABASE_URL or install its binaries: {e}")
        });
        TestServer::Embedded(embedded)
    })
}

/// Deletes clusters left by earlier test runs whose process is gone.
fn remove_stale_test_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix("pyroscope-functions-test-pg-")
            .and_then(|p| p.parse::<i32>().ok())
        {
            // SAFETY: signal 0 only checks whether the process exists.
            let alive = unsafe { libc::kill(pid, 0) } == 0;
            if !alive {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// A fresh, empty database; dropped with the guard.
pub struct TestDatabase {
    pub name: String,
    pub url: Url,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let server = server();
        let name = format!(
            "test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        let mut admin = PgConnection::connect(server.url("postgres").as_str())
            .await
            .expect("connect to the test PostgreSQL server");
        sqlx::raw_sql(&format!("create database \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("create a test database");
        let _ = admin.close().await;
        TestDatabase {
            url: server.url(&name),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin = server().url("postgres");
        let name = self.name.clone();
        // Drop needs its own runtime: the test's may be shutting down.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = PgConnection::connect(admin.as_str()).await.ok()?;
                sqlx::raw_sql(&format!("drop database if exists \"{name}\" with (force)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// A running service with its own database.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    /// Held, not read: the database (if the app has one) is dropped with the app.
    #[allow(dead_code)]
    pub db: Option<TestDatabase>,
}

/// Settings for a test process without a database yet: loopback, random port, one worker.
/// Real programs the tests run and profile. One whose profile is judged by how it spends its
/// CPU (Go's collector in `real_runtimes`) runs alone (`write`): beside other programs its
/// runtime's locks show up as contention. The others may run beside each other (`read`).
pub static REAL_PROGRAMS: std::sync::RwLock<()> = std::sync::RwLock::new(());

pub fn settings_without_database() -> Settings {
    let mut settings = Settings::load_from(None, Vec::new()).expect("default settings load");
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.workers = 1;
    // The watcher reads every app's profiles in the background; the tests of /trends turn it on.
    settings.watch.enabled = false;
    // The stub Pyroscopes keep every profile, however old (the tests' hours are fixed): a test
    // of Pyroscope's lookback sets it (`pyroscope_limits`).
    settings.pyroscope.max_lookback_days = 0;
    // Pushes of one test never reach another's demo: a store of its own, made on first push.
    settings.ingest.store_dir =
        std::env::temp_dir().join(format!("pf-test-store-{}", uuid::Uuid::new_v4().simple()));
    // The machine's disk is shared with builds: a test of a full volume sets its own bound.
    settings.ingest.min_free_percent = 0.0;
    // The tests' receivers (webhooks, Alertmanager's stand-ins) listen on loopback, which the
    // default refuses (`outbound.deny`): allowed here by name, as an operator would allow an
    // in-cluster receiver. The tests of the refusal clear it (`webhook_guard`).
    settings.delivery.allow_cidrs = vec![LOOPBACK_V4.parse().expect("a CIDR range")];
    settings
}

/// The range the tests' receivers listen in, which `delivery.allow_cidrs` names for them.
pub const LOOPBACK_V4: &str = "127.0.0.0/8";

/// A loopback port nobody listens on right now.
/// The tests' client: a pooled connection idle for longer than the server's keep-alive (5 s)
/// may be closed by the server just as a request goes out on it (`IncompleteMessage` on a
/// loaded machine), so idle connections are dropped after 2 s.
pub fn test_client() -> Client {
    Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("a reqwest client builds")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Settings for a test process: random port, one worker, the given database.
pub fn test_settings(db: &TestDatabase) -> Settings {
    let mut settings = settings_without_database();
    settings.database.url = Some(SecretString::from(db.url.to_string()));
    settings.database.embedded.enabled = false;
    settings
}

/// Spawns the all-in-one service.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the service after `customize` adjusted its settings; waits until it is ready.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::create().await;
    let mut settings = test_settings(&db);
    customize(&mut settings);
    let app = spawn_server(settings).await;
    wait_until_ready(&app).await;
    TestApp {
        address: app,
        client: test_client(),
        db: Some(db),
    }
}

/// Spawns a process serving only the Profile Data SOR: it needs no database, only Pyroscope,
/// which `customize` points at a stub.
pub async fn spawn_profile_data_sor(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = settings_without_database();
    settings.function = Function::ProfileDataSor;
    customize(&mut settings);
    let app = spawn_server(settings).await;
    wait_until_ready(&app).await;
    TestApp::at(app)
}

/// Spawns the service against a PostgreSQL address nobody listens on; waits until it is live.
/// Every store call then answers 503, as when the database is down.
pub async fn spawn_app_without_database() -> String {
    let mut settings = settings_without_database();
    // Port 1 refuses connections at once, so the schema never gets migrated.
    settings.database.url = Some(SecretString::from(
        "postgres://postgres@127.0.0.1:1/unreachable".to_owned(),
    ));
    settings.database.embedded.enabled = false;
    let address = spawn_server(settings).await;
    eventually(10, &format!("the service at {address} is live"), || {
        answers(&address, "/health/live")
    })
    .await;
    address
}

/// Whether `address` answers `path` with a success.
async fn answers(address: &str, path: &str) -> bool {
    let res = Client::new().get(format!("{address}{path}")).send().await;
    res.is_ok_and(|r| r.status().is_success())
}

/// Builds and runs an application in the background; returns its base URL.
pub async fn spawn_server(settings: Settings) -> String {
    let app = Application::build(settings)
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// A service in this process that a test stops itself (a replica going away).
pub struct Stoppable {
    pub app: TestApp,
    handle: actix_web::dev::ServerHandle,
    running: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Stoppable {
    /// Stops it gracefully, its background tasks included, and waits until it has.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.running.await;
    }
}

/// Builds and runs an application that the test can stop; answers once it is ready.
pub async fn spawn_stoppable(settings: Settings) -> Stoppable {
    let app = Application::build(settings)
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    wait_until_ready(&address).await;
    Stoppable {
        app: TestApp::at(address),
        handle,
        running,
    }
}

/// The release-shaped binary as a child process (so a test can send it real signals), serving
/// everything on a free port against `database_url` and `pyroscope_url`; answers when ready.
pub async fn spawn_binary(
    database_url: &str,
    pyroscope_url: &str,
) -> (tokio::process::Child, String) {
    spawn_binary_with(database_url, |command| {
        command
            .env("PYROSCOPE_URL", pyroscope_url)
            .env("FUNCTION", "all");
    })
    .await
}

/// The binary as a child process on a free port against `database_url`, after `configure`
/// set the rest of its environment (and may replace the quiet log: `RUST_LOG=warn`, output
/// discarded); answers when ready.
pub async fn spawn_binary_with(
    database_url: &str,
    configure: impl FnOnce(&mut tokio::process::Command),
) -> (tokio::process::Child, String) {
    let port = free_port();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_pyroscope-functions"));
    command
        .env("RUST_LOG", "warn")
        // As in-process tests: the tests of the watcher turn it on.
        .env("APP__WATCH__ENABLED", "false")
        .env("APP__PYROSCOPE__MAX_LOOKBACK_DAYS", "0")
        .env("APP__INGEST__MIN_FREE_PERCENT", "0")
        .env(
            "APP__INGEST__STORE_DIR",
            std::env::temp_dir().join(format!("pf-test-store-{}", uuid::Uuid::new_v4().simple())),
        )
        // As in-process tests: the tests' receivers listen on loopback.
        .env("DELIVERY_ALLOW_CIDRS", LOOPBACK_V4)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    configure(&mut command);
    let service = command
        .env("DATABASE_URL", database_url)
        .env("PORT", port.to_string())
        .kill_on_drop(true)
        .spawn()
        .expect("the service binary starts");
    let address = format!("http://127.0.0.1:{port}");
    wait_until_ready(&address).await;
    (service, address)
}

/// Waits up to 15 s (enough for a restarted database to be migrated) for readiness.
pub async fn wait_until_ready(address: &str) {
    eventually(15, &format!("the service at {address} is ready"), || {
        answers(address, "/health/ready")
    })
    .await;
}

impl TestApp {
    /// A service already running at `address`, whose database (if any) someone else holds.
    pub fn at(address: String) -> Self {
        TestApp {
            address,
            client: test_client(),
            db: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends `method path` with an optional JSON body.
    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("the request is sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.request(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path, None).await
    }

    /// A direct connection to this app's database, to arrange what the API cannot (e.g. `created_at`).
    pub async fn pg(&self) -> PgConnection {
        let db = self.db.as_ref().expect("this test app has a database");
        PgConnection::connect(db.url.as_str())
            .await
            .expect("connect to the test database")
    }
}

/// Asserts `/openapi.json` documents `method path` answering 200/201 with `schema`.
pub async fn assert_documented(app: &TestApp, method: &str, path: &str, schema: Option<&str>) {
    let doc = json_with_status(app.get("/openapi.json").await, 200).await;
    let op = &doc["paths"][path][method];
    assert!(
        op.is_object(),
        "{method} {path} is not in the OpenAPI document"
    );
    if let Some(schema) = schema {
        let answers = op["responses"].to_string();
        assert!(
            answers.contains(&format!("\"#/components/schemas/{schema}\"")),
            "{method} {path} does not answer {schema}: {answers}"
        );
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} is not among the OpenAPI schemas"
        );
    }
}

/// Reads a JSON body, asserting the status first (with the body in the message).
pub async fn json_with_status(res: Response, status: u16) -> Value {
    let actual = res.status().as_u16();
    let text = res.text().await.expect("a body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts an error answer: status, `code`, and a non-empty `error` message.
pub async fn assert_error(res: Response, status: u16, code: &str) -> Value {
    let body = json_with_status(res, status).await;
    assert_eq!(body["code"], code, "wrong error code in {body}");
    assert!(
        body["error"].as_str().is_some_and(|m| !m.is_empty()),
        "no error message in {body}"
    );
    body
}

/// The `/health` answer of the service at `address`, whatever its status.
pub async fn health_of(address: &str) -> Value {
    let res = Client::new().get(format!("{address}/health")).send().await;
    res.expect("the service answers")
        .json()
        .await
        .expect("health is JSON")
}

/// Checks `condition` every 100 ms for `secs` seconds and fails as soon as it does not hold:
/// how a test shows that something does not happen (a second announcement, say).
pub async fn throughout<F, Fut>(secs: u64, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        assert!(condition().await, "it stopped being true that {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `condition` every 100 ms for up to `secs` seconds.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// `(name, selfSamples)` of a `/profiles` answer's functions that have self value, in the
/// answer's order.
pub fn self_samples(body: &Value) -> Vec<(String, u64)> {
    body["functions"]
        .as_array()
        .expect("a /profiles answer has functions")
        .iter()
        .map(|f| {
            let name = f["name"].as_str().expect("a function has a name");
            (
                name.to_owned(),
                f["selfSamples"].as_u64().expect("selfSamples"),
            )
        })
        .filter(|(_, v)| *v > 0)
        .collect()
}
