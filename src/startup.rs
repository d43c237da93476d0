//! Composition root: which routes this process hosts and which implementation each trait gets.
//! The only file that knows about deployment modes.

use std::net::TcpListener;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::bor::{diff_report, fleet_search, triage};
use crate::db::embedded::{EmbeddedConfig, EmbeddedError, EmbeddedPostgres};
use crate::db::Database;
use crate::health::{self, DatabaseCheck, HealthChecks};
use crate::openapi::{self, RoutesDoc};
use crate::probe::HealthCheck;
use crate::routing;
use crate::settings::{DatabaseSettings, Function, Settings};
use crate::sor::alert_rule::{self, PgAlertRuleStore};
use crate::sor::baseline::{self, PgBaselineStore};
use crate::sor::history::{self, PgHistoryStore};
use crate::sor::profile_data::pyroscope::check::PyroscopeCheck;
use crate::sor::profile_data::{self, PyroscopeProfileData};
use crate::sor::registry::{self, PgRegistryStore};
use crate::telemetry::{self, Metrics, PoolGauge, PoolUsage};

mod bors;
mod error;

use bors::{build_bors, Bors, Hosted};
pub use error::StartupError;

/// A built service, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    database: Option<Database>,
    embedded: Option<EmbeddedPostgres>,
}

/// The functions backed by PostgreSQL.
const DATABASE_FUNCTIONS: [Function; 4] = [
    Function::BaselineSor,
    Function::HistorySor,
    Function::RegistrySor,
    Function::AlertRuleSor,
];

impl Application {
    /// Opens stores, wires implementations to traits, binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let function = settings.function;
        let needs_database = DATABASE_FUNCTIONS.iter().any(|f| function.hosts(*f));
        let (database, embedded) = if needs_database {
            let (db, embedded) = open_database(&settings.database).await?;
            db.migrate_in_background();
            (Some(db), embedded)
        } else {
            (None, None)
        };

        // Created before the SORs, which record upstream latency and cache lookups in it.
        let metrics = Metrics::new(database.clone().map(pool_gauge))?;
        let mut hosted = Hosted::default();
        let mut checks: Vec<Arc<dyn HealthCheck>> = Vec::new();
        if let Some(db) = &database {
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
            let sor =
                PyroscopeProfileData::new(&settings.pyroscope, metrics.clone()).map_err(|e| {
                    StartupError::Config {
                        key: e.key,
                        reason: e.reason,
                    }
                })?;
            checks.push(Arc::new(PyroscopeCheck(sor.client())));
            hosted.profile_data = Some(Arc::new(sor));
        }

        let bors = build_bors(&settings, &hosted, &metrics)?;
        checks.extend(bors.checks.iter().cloned());
        let metrics = web::Data::from(metrics);
        let health = web::Data::new(HealthChecks {
            function: function.to_string(),
            checks,
        });
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
        tracing::info!(port, %function, "listening");
        Ok(Application {
            port,
            server,
            database,
            embedded,
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

    /// Serves until SIGTERM/SIGINT, drains in-flight requests, then closes the stores.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some(db) = &self.database {
            db.close().await;
        }
        if let Some(mut embedded) = self.embedded {
            let _ = tokio::task::spawn_blocking(move || embedded.shutdown()).await;
        }
        result
    }
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

/// External database from `DATABASE_URL` or `DB_*`; else the embedded one; else none (503s with a hint).
async fn open_database(
    settings: &DatabaseSettings,
) -> Result<(Database, Option<EmbeddedPostgres>), StartupError> {
    if let Some(url) = &settings.url {
        let options =
            PgConnectOptions::from_str(url.expose_secret()).map_err(|e| StartupError::Config {
                key: "database.url",
                reason: format!("is not a valid PostgreSQL URL: {e}"),
            })?;
        return Ok((Database::connect(options, settings), None));
    }
    if let Some(host) = &settings.host {
        let mut options = PgConnectOptions::new()
            .host(host)
            .port(settings.port)
            .database(&settings.name)
            .username(&settings.user);
        if let Some(password) = &settings.password {
            options = options.password(password.expose_secret());
        }
        return Ok((Database::connect(options, settings), None));
    }
    if !settings.embedded.enabled {
        return Ok((
            Database::disabled(
                "no database is configured: set DATABASE_URL or DB_HOST (with DB_NAME, DB_USER, DB_PASSWORD), \
                 or enable the embedded PostgreSQL (database.embedded.enabled = true)",
            ),
            None,
        ));
    }
    let config = EmbeddedConfig {
        data_dir: settings.embedded.data_dir.clone(),
        bin_dir: settings.embedded.bin_dir.clone(),
        ephemeral: false,
        port: None,
    };
    let started = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&config)).await;
    let embedded = match started {
        Ok(Ok(embedded)) => embedded,
        Ok(Err(e)) => return Ok((Database::disabled(embedded_hint(&e)), None)),
        Err(e) => {
            return Ok((
                Database::disabled(format!("embedded PostgreSQL failed to start: {e}")),
                None,
            ))
        }
    };
    if let Err(e) =
        create_database_if_missing(embedded.connect_options("postgres"), &settings.name).await
    {
        tracing::error!(error = %e, "cannot create the embedded database");
        return Ok((
            Database::disabled(format!("embedded PostgreSQL started but {e}")),
            Some(embedded),
        ));
    }
    let db = Database::connect(embedded.connect_options(&settings.name), settings);
    Ok((db, Some(embedded)))
}

fn embedded_hint(e: &EmbeddedError) -> String {
    tracing::warn!(error = %e, "running without PostgreSQL: the database-backed routes answer 503");
    format!("PostgreSQL is not available: {e}")
}

/// Creates `name` on the embedded server the first time the service runs.
pub async fn create_database_if_missing(admin: PgConnectOptions, name: &str) -> Result<(), String> {
    let connect = tokio::time::timeout(Duration::from_secs(10), PgConnection::connect_with(&admin));
    let mut conn = match connect.await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return Err(format!("cannot connect: {e}")),
        Err(_) => return Err("cannot connect: timed out".into()),
    };
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| format!("cannot look up database {name}: {e}"))?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        sqlx::raw_sql(&format!("create database {quoted}"))
            .execute(&mut conn)
            .await
            .map_err(|e| format!("cannot create database {name}: {e}"))?;
    }
    let _ = conn.close().await;
    Ok(())
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
