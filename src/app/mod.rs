//! Composition root: the table of modules (`modules.rs`) this process starts, each with the
//! implementation each trait gets, then the server over the routes they registered. The only
//! folder that knows about deployment modes.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::openapi::RoutesDoc;
use crate::settings::{Function, Settings};
use pf_health::HealthChecks;
use pf_http::routing;
use pf_infra::db::{open_database, Database};
use pf_infra::tasks::Tasks;
use pf_infra::telemetry;
use pf_infra::telemetry::{pool_gauge, Metrics};
use pf_infra::tls;

mod access;
mod alerts;
mod bors;
mod delivery;
mod error;
mod modules;
pub mod openapi;
mod profile_source;
mod remote_sors;
mod started;
mod watch;
mod watcher_stores;

/// The settings and the `healthcheck` command keep their public paths under `app`, where the
/// library's users found them.
pub use crate::settings;
pub use error::StartupError;
use modules::start_all;
pub use pf_health::healthcheck;
use started::{RouteModule, Started};

/// A built service, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    database: Option<Database>,
    /// The background work: the embedded PostgreSQL, migrations, alerts, the history writer.
    tasks: Tasks,
}

/// The functions backed by PostgreSQL.
const DATABASE_FUNCTIONS: [Function; 6] = [
    Function::BaselineSor,
    Function::HistorySor,
    Function::RegistrySor,
    Function::AlertRuleSor,
    Function::AlertEvaluator,
    Function::Watch,
];

impl Application {
    /// Opens stores, wires implementations to traits, starts the background tasks, binds the
    /// listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        // Before anything is started: every outbound client reads them, and a bad one would only
        // show as refused certificates, call after call.
        match tls::check_system_roots() {
            Ok(Some(count)) => {
                tracing::info!(count, "outbound TLS trusts SSL_CERT_FILE / SSL_CERT_DIR");
            }
            Ok(None) => {}
            Err(e) => {
                return Err(StartupError::Config {
                    key: e.setting,
                    reason: e.to_string(),
                })
            }
        }
        let mut tasks = Tasks::default();
        let function = settings.function;
        let database = if DATABASE_FUNCTIONS.iter().any(|f| function.hosts(*f)) {
            Some(open_database(&settings.database, &mut tasks).await?)
        } else {
            None
        };
        // Created before the SORs, which record upstream latency and cache lookups in it.
        let metrics = Metrics::new(database.clone().map(pool_gauge))?;
        let mut started = Started::new(&settings, database, metrics, tasks);
        start_all(&mut started)?;
        let Started {
            database,
            metrics,
            tasks,
            routes,
            health,
            ..
        } = started;
        let (port, server) = serve(&settings, routes, health, metrics)?;
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

/// Binds the listener and starts the HTTP server (it runs once awaited).
fn serve(
    settings: &Settings,
    modules: Vec<RouteModule>,
    health: HealthChecks,
    metrics: Arc<Metrics>,
) -> Result<(u16, Server), StartupError> {
    let metrics = web::Data::from(metrics);
    let health = web::Data::new(health);
    let docs: Vec<RoutesDoc> = modules.iter().map(|m| m.doc).collect();
    let access::Edge { auth, guard, doc } = access::edge(settings, &docs);
    let allowed = web::Data::new(routing::AllowedMethods::of(&doc));
    let max_body = settings.server.max_body_bytes.get();
    let edge = web::Data::new(pf_http::extract::EdgeLimits {
        max_window_days: settings.http.max_window_days.get(),
        body_timeout: settings.server.body_timeout_secs,
    });
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
            // Inside `observe`, so refusals are timed, logged and carry the request id.
            .wrap(from_fn(pf_http::auth::require_token))
            .wrap(from_fn(pf_http::routing::within_head_limits))
            .wrap(from_fn(telemetry::observe))
            .wrap(TracingLogger::default())
            .app_data(metrics.clone())
            .app_data(health.clone())
            .app_data(auth.clone())
            .app_data(guard.clone())
            .app_data(allowed.clone())
            .app_data(edge.clone())
            .configure(|cfg| routing::extractor_config(cfg, max_body))
            .configure(pf_health::routes::configure)
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/openapi.json", doc.clone()))
            .configure(|cfg| modules.iter().for_each(|m| (m.mount)(cfg)))
            .default_service(web::to(routing::not_found))
    })
    .shutdown_timeout(settings.server.shutdown_timeout_secs.as_secs());
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    let server = server
        .listen(listener)
        .map_err(|source| StartupError::Bind { address, source })?
        .run();
    Ok((port, server))
}
