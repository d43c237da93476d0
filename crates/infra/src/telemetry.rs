//! Logging (JSON lines with a request id) and Prometheus metrics.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use tracing_actix_web::RequestId;
use tracing_subscriber::{fmt, EnvFilter};

use crate::db::{Database, PoolStats};

/// Header carrying the request id, echoed on every answer and forwarded to remote SORs.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    /// The id of the request this task serves, so calls to remote SORs can forward it and
    /// one request can be followed across processes. Unset in background tasks.
    pub static CURRENT_REQUEST_ID: String;
}

/// The id of the request being served by this task, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(Clone::clone).ok()
}

/// Installs the global subscriber: JSON lines, filtered by `RUST_LOG` (default `info`).
/// Safe to call more than once (later calls are no-ops).
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .json()
        .with_current_span(false)
        // The span list carries the request id of the root span into events of inner spans.
        .with_span_list(true)
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .try_init();
}

/// Reads the pool's usage at each scrape; the composition root registers it, so telemetry
/// does not hold the database.
pub type PoolGauge = Arc<dyn Fn() -> Option<PoolStats> + Send + Sync>;

/// `/metrics` reads `db`'s pool usage through this closure.
pub fn pool_gauge(db: Database) -> PoolGauge {
    Arc::new(move || db.pool_stats())
}

/// The service's Prometheus metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: HistogramVec,
    pub upstream_requests: HistogramVec,
    pub cache_lookups: IntCounterVec,
    pub history_writes_dropped: prometheus::IntCounter,
    pub history_write_retries: prometheus::IntCounter,
    pub history_writes_pending: IntGauge,
    pub store_rows_unreadable: IntCounterVec,
    pub alert_evaluations: IntCounterVec,
    pub alerts_firing: IntGauge,
    pub alert_notifications: IntCounterVec,
    pub profile_files_skipped: IntCounterVec,
    pub auth_rejections: IntCounterVec,
    /// Calls a peer refused as too busy (429, 503), by target.
    pub upstream_refusals: IntCounterVec,
    /// Seconds spent waiting for a place in a peer's budget or for its pause, by target.
    pub upstream_wait_seconds: prometheus::CounterVec,
    /// Calls to a peer in flight now, and the most at once since the start, by target.
    pub upstream_in_flight: IntGaugeVec,
    pub upstream_in_flight_peak: IntGaugeVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    pool: Option<PoolGauge>,
}

impl Metrics {
    /// A fresh registry (one per `Application`, so tests do not share counters).
    pub fn new(pool: Option<PoolGauge>) -> Result<Arc<Self>, prometheus::Error> {
        let registry = Registry::new();
        let http_requests = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                    30.0,
                ],
            ),
            &["route", "method", "status"],
        )?;
        let upstream_requests = HistogramVec::new(
            HistogramOpts::new(
                "upstream_request_duration_seconds",
                "Latency of calls to Pyroscope and remote SORs",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["target", "outcome"],
        )?;
        let cache_lookups = IntCounterVec::new(
            Opts::new(
                "cache_lookups_total",
                "Profile cache lookups by result (hit, miss, coalesced)",
            ),
            &["cache", "result"],
        )?;
        let history_writes_dropped = prometheus::IntCounter::new(
            "history_writes_dropped_total",
            "Assessment history records given up: the queue was full, the store refused them, \
             or shutdown came before the store took them",
        )?;
        let history_write_retries = prometheus::IntCounter::new(
            "history_write_retries_total",
            "Retries of assessment history writes",
        )?;
        let history_writes_pending = IntGauge::new(
            "history_writes_pending",
            "Assessment history records queued or being written",
        )?;
        let store_rows_unreadable = IntCounterVec::new(
            Opts::new(
                "store_rows_unreadable_total",
                "Stored rows left out of a listing because they cannot be read",
            ),
            &["store"],
        )?;
        let alert_evaluations = IntCounterVec::new(
            Opts::new(
                "alert_rule_evaluations_total",
                "Alert rule evaluations by result (ok, error)",
            ),
            &["result"],
        )?;
        let alerts_firing =
            IntGauge::new("alerts_firing", "Alerts firing after the last evaluation")?;
        let alert_notifications = IntCounterVec::new(
            Opts::new(
                "alert_notifications_total",
                "Alert notifications by target (alertmanager, webhook) and outcome",
            ),
            &["target", "outcome"],
        )?;
        let profile_files_skipped = IntCounterVec::new(
            Opts::new(
                "profile_files_skipped_total",
                "pprof files skipped as unreadable, by reason",
            ),
            &["reason"],
        )?;
        let auth_rejections = IntCounterVec::new(
            Opts::new(
                "http_auth_rejections_total",
                "Requests refused by access control: 401 (no known token), 403 (read-only token)",
            ),
            &["status"],
        )?;
        let upstream_refusals = IntCounterVec::new(
            Opts::new(
                "upstream_refusals_total",
                "Calls a peer refused as too busy (429 or 503), waited out or given up",
            ),
            &["target"],
        )?;
        let upstream_wait_seconds = prometheus::CounterVec::new(
            Opts::new(
                "upstream_wait_seconds_total",
                "Time calls waited for a place in the peer's budget or for its asked pause",
            ),
            &["target"],
        )?;
        let upstream_in_flight = IntGaugeVec::new(
            Opts::new("upstream_in_flight", "Calls to the peer in flight now"),
            &["target"],
        )?;
        let upstream_in_flight_peak = IntGaugeVec::new(
            Opts::new(
                "upstream_in_flight_peak",
                "The most calls to the peer in flight at once since the start",
            ),
            &["target"],
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )?;
        let pool_max = IntGauge::new("db_pool_max_connections", "Database pool size limit")?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(upstream_requests.clone()))?;
        registry.register(Box::new(cache_lookups.clone()))?;
        registry.register(Box::new(history_writes_dropped.clone()))?;
        registry.register(Box::new(history_write_retries.clone()))?;
        registry.register(Box::new(history_writes_pending.clone()))?;
        registry.register(Box::new(store_rows_unreadable.clone()))?;
        registry.register(Box::new(alert_evaluations.clone()))?;
        registry.register(Box::new(alerts_firing.clone()))?;
        registry.register(Box::new(alert_notifications.clone()))?;
        registry.register(Box::new(profile_files_skipped.clone()))?;
        registry.register(Box::new(auth_rejections.clone()))?;
        registry.register(Box::new(upstream_refusals.clone()))?;
        registry.register(Box::new(upstream_wait_seconds.clone()))?;
        registry.register(Box::new(upstream_in_flight.clone()))?;
        registry.register(Box::new(upstream_in_flight_peak.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        Ok(Arc::new(Metrics {
            registry,
            http_requests,
            upstream_requests,
            cache_lookups,
            history_writes_dropped,
            history_write_retries,
            history_writes_pending,
            store_rows_unreadable,
            alert_evaluations,
            alerts_firing,
            alert_notifications,
            profile_files_skipped,
            auth_rejections,
            upstream_refusals,
            upstream_wait_seconds,
            upstream_in_flight,
            upstream_in_flight_peak,
            pool_connections,
            pool_max,
            pool,
        }))
    }

    /// Adds metrics a part of the service keeps itself (the watcher's series, for one).
    pub fn register(
        &self,
        collector: Box<dyn prometheus::core::Collector>,
    ) -> prometheus::Result<()> {
        self.registry.register(collector)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        if let Some(stats) = self.pool.as_ref().and_then(|read| read()) {
            self.pool_connections
                .with_label_values(&["idle"])
                .set(i64::from(stats.idle));
            self.pool_connections
                .with_label_values(&["in_use"])
                .set(i64::from(stats.size.saturating_sub(stats.idle)));
            self.pool_max.set(i64::from(stats.max));
        }
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        String::from_utf8(buf).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// Records latency by route pattern, method and status, and echoes the request id.
/// A request method as a metric label: one of the standard methods, else `other`, so that no
/// client can grow the label set (SPEC §34).
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    const STANDARD: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::PATCH, "PATCH"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    STANDARD
        .iter()
        .find(|(m, _)| m == method)
        .map_or("other", |&(_, name)| name)
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let method = method_label(req.method());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let mut res = match request_id.clone() {
        Some(id) => CURRENT_REQUEST_ID.scope(id, next.call(req)).await?,
        None => next.call(req).await?,
    };
    let elapsed = started.elapsed();
    let status = res.status();
    if let Some(metrics) = metrics {
        metrics
            .http_requests
            .with_label_values(&[route.as_str(), method, status.as_str()])
            .observe(elapsed.as_secs_f64());
    }
    // One line per request, inside the request's span (so it carries the request id).
    tracing::info!(
        %method,
        route,
        status = status.as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request completed"
    );
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(id.as_str()).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), id);
    }
    Ok(res)
}
