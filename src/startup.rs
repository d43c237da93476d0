//! Composition root: which routes this process hosts and which implementation each trait gets.
//! The only file that knows about deployment modes.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::bor::{diff_report, fleet_search, triage};
use crate::db::Database;
use crate::health::{self, DatabaseCheck, HealthChecks};
use crate::openapi::{self, RoutesDoc};
use crate::probe::HealthCheck;
use crate::routing;
use crate::settings::{Function, Settings};
use crate::sor::alert_rule::{self, PgAlertRuleStore};
use crate::sor::baseline::{self, PgBaselineStore};
use crate::sor::history::{self, PgHistoryStore};
use crate::sor::profile_data::pyroscope::check::PyroscopeCheck;
use crate::sor::profile_data::{self, PyroscopeProfileData};
use crate::sor::registry::{self, PgRegistryStore};
use crate::tasks::Tasks;
use crate::telemetry::{self, Metrics, PoolGauge, PoolUsage};

mod bors;
mod database;
mod error;
mod remote_sors;

use bors::{build_bors, Bors, Hosted};
use database::open_database;
pub use error::StartupError;

/// A built service, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    database: Option<Database>,
    /// The background work: the embedded PostgreSQL, the history writer.
    tasks: Tasks,
}

/// The functions backed by PostgreSQL.
const DATABASE_FUNCTIONS: [Function; 4] = [
    Function::BaselineSor,
    Function::HistorySor,
    Function::RegistrySor,
    Function::AlertRuleSor,
];

impl Application {
    /// Opens stores, wires implementations to traits, starts the background tasks, binds the
    /// listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let mut tasks = Tasks::default();
        let function = settings.function;
        let database = if DATABASE_FUNCTIONS.iter().any(|f| function.hosts(*f)) {
            Some(open_database(&settings.database, &mut tasks).await?)
        } else {
            None
        };
        // Created before the SORs, which record upstream latency and cache lookups in it.
        let metrics = Metrics::new(database.clone().map(pool_gauge))?;
        let (hosted, mut checks) = host_sors(&settings, database.as_ref(), &metrics)?;
        let (bors, history_writer) = build_bors(&settings, &hosted, &metrics)?;
        if let Some(writer) = history_writer {
            let drain = Duration::from_secs(settings.history_writes.drain_timeout_secs);
            tasks.spawn(writer.status(), drain, move |shutdown| writer.run(shutdown));
        }
        checks.extend(bors.checks.iter().cloned());
        checks.extend(tasks.health_checks());
        let health = HealthChecks {
            function: function.to_string(),
            checks,
        };
        let (port, server) = serve(&settings, hosted, bors, health, metrics)?;
        tracing::info!(port, %function, "listening");
        Ok(Application {
            port,
            server,
            database,
            tasks,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (what SIGTERM does), e.g. from tests.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT. Then, in this order: the server stops accepting and lets
    /// in-flight requests finish; the background tasks stop, newest first (the history writer
    /// stores its queue while the database is still there, then the embedded PostgreSQL
    /// stops); the pool closes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.tasks.stop().await;
        if let Some(db) = &self.database {
            db.close().await;
        }
        result
    }
}

/// The SORs this process hosts on `database` and Pyroscope, with their health checks.
fn host_sors(
    settings: &Settings,
    database: Option<&Database>,
    metrics: &Arc<Metrics>,
) -> Result<(Hosted, Vec<Arc<dyn HealthCheck>>), StartupError> {
    let function = settings.function;
    let mut hosted = Hosted::default();
    let mut checks: Vec<Arc<dyn HealthCheck>> = Vec::new();
    if let Some(db) = database {
        checks.push(Arc::new(DatabaseCheck(db.clone())));
        if function.hosts(Function::BaselineSor) {
            hosted.baseline = Some(Arc::new(PgBaselineStore::new(db.clone())));
        }
        if function.hosts(Function::HistorySor) {
            hosted.history = Some(Arc::new(PgHistoryStore::new(db.clone())));
        }
        if function.hosts(Function::RegistrySor) {
            hosted.registry = Some(Arc::new(PgRegistryStore::new(db.clone())));
        }
        if function.hosts(Function::AlertRuleSor) {
            hosted.alert_rules = Some(Arc::new(PgAlertRuleStore::new(db.clone())));
        }
    }
    if function.hosts(Function::ProfileDataSor) {
        let sor = PyroscopeProfileData::new(&settings.pyroscope, metrics.clone()).map_err(|e| {
            StartupError::Config {
                key: e.key,
                reason: e.reason,
            }
        })?;
        checks.push(Arc::new(PyroscopeCheck(sor.client())));
        hosted.profile_data = Some(Arc::new(sor));
    }
    Ok((hosted, checks))
}

/// Binds the listener and starts the HTTP server (it runs once awaited).
fn serve(
    settings: &Settings,
    hosted: Hosted,
    bors: Bors,
    health: HealthChecks,
    metrics: Arc<Metrics>,
) -> Result<(u16, Server), StartupError> {
    let metrics = web::Data::from(metrics);
    let health = web::Data::new(health);
    let doc = openapi::document(&route_docs(&hosted, &bors));
    let max_body = settings.server.max_body_bytes;
    let address = format!("{}:{}", settings.server.host, settings.server.port);
    let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
        address: address.clone(),
        source,
    })?;
    let port = listener
        .local_addr()
        .map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?
        .port();
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(telemetry::observe))
            .wrap(TracingLogger::default())
            .app_data(metrics.clone())
            .app_data(health.clone())
            .configure(|cfg| routing::extractor_config(cfg, max_body))
            .route("/health", web::get().to(health::health))
            .route("/health/live", web::get().to(health::live))
            .route("/health/ready", web::get().to(health::ready))
            .route("/metrics", web::get().to(health::metrics))
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/openapi.json", doc.clone()))
            .configure(|cfg| mount(cfg, &hosted, &bors))
            .default_service(web::to(routing::not_found))
    })
    .shutdown_timeout(settings.server.shutdown_timeout_secs);
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    let server = server
        .listen(listener)
        .map_err(|source| StartupError::Bind { address, source })?
        .run();
    Ok((port, server))
}

/// Mounts each hosted SOR's and BOR's routes with its implementation; one line per function.
fn mount(cfg: &mut web::ServiceConfig, hosted: &Hosted, bors: &Bors) {
    if let Some(store) = &hosted.baseline {
        cfg.app_data(web::Data::from(store.clone()))
            .configure(baseline::routes::configure);
    }
    if let Some(store) = &hosted.history {
        cfg.app_data(web::Data::from(store.clone()))
            .configure(history::routes::configure);
    }
    if let Some(store) = &hosted.registry {
        cfg.app_data(web::Data::from(store.clone()))
            .configure(registry::routes::configure);
    }
    if let Some(store) = &hosted.alert_rules {
        cfg.app_data(web::Data::from(store.clone()))
            .configure(alert_rule::routes::configure);
    }
    if let Some(sor) = &hosted.profile_data {
        cfg.app_data(web::Data::from(sor.clone()))
            .configure(profile_data::routes::configure);
    }
    if let Some(service) = &bors.triage {
        cfg.app_data(service.clone())
            .configure(triage::routes::configure);
    }
    if let Some(service) = &bors.diff {
        cfg.app_data(service.clone())
            .configure(diff_report::routes::configure);
    }
    if let Some(service) = &bors.fleet {
        cfg.app_data(service.clone())
            .configure(fleet_search::routes::configure);
    }
}

/// The OpenAPI paths of the route modules `mount` mounts.
fn route_docs(hosted: &Hosted, bors: &Bors) -> Vec<RoutesDoc> {
    [
        (
            hosted.baseline.is_some(),
            baseline::routes::RoutesDoc::openapi as RoutesDoc,
        ),
        (
            hosted.history.is_some(),
            history::routes::RoutesDoc::openapi,
        ),
        (
            hosted.registry.is_some(),
            registry::routes::RoutesDoc::openapi,
        ),
        (
            hosted.alert_rules.is_some(),
            alert_rule::routes::RoutesDoc::openapi,
        ),
        (
            hosted.profile_data.is_some(),
            profile_data::routes::RoutesDoc::openapi,
        ),
        (bors.triage.is_some(), triage::routes::RoutesDoc::openapi),
        (bors.diff.is_some(), diff_report::routes::RoutesDoc::openapi),
        (
            bors.fleet.is_some(),
            fleet_search::routes::RoutesDoc::openapi,
        ),
    ]
    .into_iter()
    .filter_map(|(hosted, doc)| hosted.then_some(doc))
    .collect()
}

/// `/metrics` reads the pool's usage through this closure.
fn pool_gauge(db: Database) -> PoolGauge {
    Arc::new(move || {
        db.pool_stats().map(|stats| PoolUsage {
            size: stats.size,
            idle: stats.idle,
            max: stats.max,
        })
    })
}
