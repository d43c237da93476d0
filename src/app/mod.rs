//! Composition root: which routes this process hosts and which implementation each trait gets.
//! The only folder that knows about deployment modes.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::openapi::RoutesDoc;
use crate::settings::{Function, Settings};
use pf_alerts::rules::PgAlertRuleStore;
use pf_baselines::PgBaselineStore;
use pf_front_door::{FrontDoorNeeds, FrontDoorService};
use pf_health::{DatabaseCheck, HealthChecks};
use pf_history::PgHistoryStore;
use pf_http::routing;
use pf_infra::db::{open_database, Database};
use pf_infra::probe::HealthCheck;
use pf_infra::tasks::Tasks;
use pf_infra::telemetry;
use pf_infra::telemetry::{pool_gauge, Metrics};
use pf_infra::tls;
use pf_ingest::start::{self as ingest, IntakeSettings};
use pf_querier::Querier;
use pf_registry::PgRegistryStore;

mod access;
mod alerts;
mod bors;
mod delivery;
mod error;
mod ground;
pub mod openapi;
mod profile_source;
mod remote_sors;
mod route_table;
mod watch;
mod watcher_stores;

/// The settings and the `healthcheck` command keep their public paths under `app`, where the
/// library's users found them.
pub use crate::settings;
use alerts::start_alert_evaluator;
use bors::{build_bors, Bors, Hosted};
use delivery::start_delivery;
pub use error::StartupError;
use ground::Ground;
pub use pf_health::healthcheck;
use profile_source::start_profile_source;
use route_table::route_modules;
use watch::start_watch;
use watcher_stores::WatcherStores;

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
        let (hosted, mut checks) = host_sors(&settings, database.as_ref(), &metrics, &mut tasks)?;
        let (mut bors, history_writer) = build_bors(&settings, &hosted, &metrics)?;
        let delivery = start_delivery(&settings, database.as_ref(), &metrics, &mut tasks)?;
        let ground = Ground {
            settings: &settings,
            hosted: &hosted,
            database: database.as_ref(),
            delivery: delivery.as_ref(),
            metrics: &metrics,
        };
        start_alert_evaluator(ground, &mut bors, &mut tasks)?;
        start_watch(ground, &mut bors, &mut tasks)?;
        if let Some(writer) = history_writer {
            let drain = settings.history_writes.drain_timeout_secs;
            tasks.spawn(writer.status(), drain, move |shutdown| writer.run(shutdown));
        }
        checks.extend(bors.checks.iter().cloned());
        checks.extend(tasks.health_checks());
        let health = HealthChecks::new(function.to_string(), checks);
        bors.front_door = front_door(&settings, &hosted, &bors, &health);
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

/// The SORs this process hosts on `database` and the profile source, with their health checks.
fn host_sors(
    settings: &Settings,
    database: Option<&Database>,
    metrics: &Arc<Metrics>,
    tasks: &mut Tasks,
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
            hosted.history = Some(Arc::new(PgHistoryStore::new(db.clone(), metrics.clone())));
        }
        if function.hosts(Function::RegistrySor) {
            hosted.registry = Some(Arc::new(PgRegistryStore::new(db.clone(), metrics.clone())));
        }
        if function.hosts(Function::AlertRuleSor) {
            hosted.alert_rules = Some(Arc::new(PgAlertRuleStore::new(db.clone())));
        }
        if function.hosts(Function::Watch) {
            hosted.watcher = Some(WatcherStores::on(db, settings.watch.slices()));
        }
    }
    if function.hosts(Function::ProfileDataSor) {
        let source = start_profile_source(settings, metrics)?;
        checks.push(source.check);
        hosted.profile_data = Some(source.sor);
        let sections = IntakeSettings {
            ingest: &settings.ingest,
            app_label: &settings.pyroscope.app_label,
            limits: settings.profiles.limits(),
            snapshot_types: settings.profiles.snapshot_types(),
            slice_secs: settings.watch.slice_secs,
        };
        let querier = Querier::new(source.files.clone(), &settings.profiles);
        hosted.querier = Some(Arc::new(querier));
        let ingest = ingest::start(sections, source.files, metrics, tasks)?;
        hosted.intake = Some(ingest.intake);
    }
    Ok((hosted, checks))
}

/// `GET /` where the watcher runs: its summaries, its regression events and this process's
/// health line (docs/front-door.md). In split mode it is served by `WatchPyroscopeProfiles.v1`.
fn front_door(
    settings: &Settings,
    hosted: &Hosted,
    bors: &Bors,
    health: &HealthChecks,
) -> Option<web::Data<FrontDoorService>> {
    let stores = hosted.watcher.as_ref()?;
    Some(web::Data::new(FrontDoorService::new(
        FrontDoorNeeds {
            series: stores.recent.clone(),
            regressions: stores.regressions.clone(),
            profiles: bors.watched_profiles.clone(),
            followed: settings.watch.profile_types(),
        },
        Arc::new(health.clone()),
    )))
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
    let modules = route_modules(&hosted, &bors);
    let docs: Vec<RoutesDoc> = modules.iter().map(|m| m.doc).collect();
    let access::Edge { auth, guard, doc } = access::edge(settings, &docs);
    let allowed = web::Data::new(routing::AllowedMethods::of(&doc));
    let max_body = settings.server.max_body_bytes.get();
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
            .wrap(from_fn(telemetry::observe))
            .wrap(TracingLogger::default())
            .app_data(metrics.clone())
            .app_data(health.clone())
            .app_data(auth.clone())
            .app_data(guard.clone())
            .app_data(allowed.clone())
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
