//! Composition root: the table of modules (`table.rs`) this process starts, each given what the
//! modules it needs offer, then the server over the routes they registered. The only folder
//! that knows about deployment modes.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::openapi::RoutesDoc;
use crate::settings::Settings;
use pf_front_door::HealthLine;
use pf_health::HealthChecks;
use pf_http::routing;
use pf_infra::db::{open_database, Database};
use pf_infra::tasks::Tasks;
use pf_infra::telemetry;
use pf_infra::telemetry::{pool_gauge, Metrics};
use pf_infra::tls;
use pf_regressions::RegressionEventSettings;

mod access;
mod contracts;
mod error;
mod module;
pub mod openapi;
mod table;

/// The settings and the `healthcheck` command keep their public paths under `app`, where the
/// library's users found them.
pub use crate::settings;
pub use error::StartupError;
use module::{Ground, Offers, ProcessHealth, RouteModule};
pub use pf_health::healthcheck;
pub use pf_module::Name as ModuleName;
use table::{start_all, Plan, Registered};

/// A built service, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    database: Option<Database>,
    /// The background work: the embedded PostgreSQL, migrations, alerts, the history writer.
    tasks: Tasks,
}

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
        // What the table starts, and whether a required contract is missing, before anything
        // starts.
        let plan = Plan::of(&settings)?;
        let mut tasks = Tasks::default();
        let function = settings.function;
        let database = if table::needs_database(function) {
            Some(open_database(&settings.database, &mut tasks).await?)
        } else {
            None
        };
        // Created before the SORs, which record upstream latency and cache lookups in it.
        let metrics = Metrics::new(database.clone().map(pool_gauge))?;
        // This process's `/health`, which the front door shows and which is set once every
        // module has started.
        let process_health = Arc::new(ProcessHealth::default());
        let sections = sections(&settings, process_health.clone());
        let mut ground = Ground {
            function,
            sections: &sections,
            database,
            metrics,
            tasks,
        };
        let Registered { routes, mut checks } = start_all(&mut ground, &settings, &plan)?;
        let Ground {
            database,
            metrics,
            tasks,
            ..
        } = ground;
        checks.extend(tasks.health_checks());
        let health = HealthChecks::new(function.to_string(), checks);
        process_health.set(health.clone());
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

/// What the modules read of the settings, by type (`Ground::section`), with this process's
/// health line.
fn sections(settings: &Settings, health: Arc<ProcessHealth>) -> Offers {
    let repositories = settings.repositories_with_demo();
    let mut sections = Offers::default();
    sections.put(health as Arc<dyn HealthLine>);
    sections.put(settings.watch.clone());
    sections.put(settings.watch.slice_secs);
    sections.put(settings.profiles.clone());
    sections.put(settings.pyroscope.clone());
    sections.put(settings.ingest.clone());
    sections.put(settings.leaks.clone());
    sections.put(RegressionEventSettings {
        public_url: settings.alerts.public_url.clone(),
        judgement: settings.diff.judgement(),
        repositories: repositories.clone(),
        memory_limit_bytes: settings.memory_limit_with_demo(),
    });
    sections.put(access::address_guard(settings));
    sections.put(settings.alerts.delivery());
    sections.put(settings.alerts.clone());
    sections.put(settings.triage.clone());
    sections.put(settings.diff.clone());
    sections.put(repositories);
    sections.put(settings.fleet.clone());
    sections.put(settings.history_writes.clone());
    sections
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
            .configure(pf_health::ROUTES.configure)
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
