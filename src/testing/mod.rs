//! Builders shared by the BOR tests, and the tests of the one threshold rule across BORs.

pub mod trees;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use crate::alerts::rules::AlertRule;
use crate::baselines::{Baseline, MockBaselineSor};
use crate::diff_report::DiffRequest;
use crate::history::{history_queue, HistoryRecorder, MockHistorySor, NewHistoryRecord};
use crate::profiles::{Profile, ProfileQuery};
use pf_infra::backoff::Backoff;
use pf_infra::sor::SorError;
use pf_infra::tasks::shutdown_signal;
use pf_infra::telemetry::Metrics;
use pf_model::{FunctionStat, ProfileType, ReportFormat, Severity, TimeWindow};

/// Answers `request` with the routes `configure` mounts over `service`, behind the extractor
/// settings every process has.
pub async fn call_routes<T: 'static>(
    service: T,
    configure: fn(&mut actix_web::web::ServiceConfig),
    request: actix_web::test::TestRequest,
) -> actix_web::dev::ServiceResponse {
    use actix_web::{test, web, App};
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(service))
            .configure(|cfg| pf_http::routing::extractor_config(cfg, 1024))
            .configure(configure),
    )
    .await;
    test::call_service(&app, request.to_request()).await
}

/// A function with `self_samples` out of `total` samples.
pub fn stat(name: &str, self_samples: u64, total: u64) -> FunctionStat {
    FunctionStat {
        part_self_samples: Vec::new(),
        name: name.to_owned(),
        self_percent: self_samples as f64 / total as f64 * 100.0,
        self_samples,
        total_samples: self_samples,
    }
}

/// A function with `self_samples` of a 1 000-sample profile (selfPercent = samples / 10).
pub fn per_mille(name: &str, self_samples: u64) -> FunctionStat {
    FunctionStat {
        part_self_samples: Vec::new(),
        name: name.to_owned(),
        self_percent: self_samples as f64 / 10.0,
        self_samples,
        total_samples: self_samples,
    }
}

/// A JSON diff of `checkout`'s CPU, the hour 3600–7200 against the hour before, without
/// labels, requester or parts.
pub fn diff_request(limit: u32) -> DiffRequest {
    DiffRequest {
        app: "checkout".parse().unwrap(),
        profile_type: ProfileType::Cpu,
        current: TimeWindow::new(3600, 7200).unwrap(),
        baseline: TimeWindow::new(0, 3600).unwrap(),
        limit,
        format: ReportFormat::Json,
        labels: Default::default(),
        baseline_labels: Default::default(),
        current_labels: Default::default(),
        requested_by: None,
        slices: 0,
        repository: None,
    }
}

/// An alert rule on `checkout`'s CPU, critical, with no channel and no `forSeconds`.
pub fn alert_rule(id: i32, pattern: Option<&str>, threshold: f64, enabled: bool) -> AlertRule {
    let at = Utc
        .timestamp_opt(1_700_000_000, 0)
        .single()
        .unwrap_or_default();
    AlertRule {
        id,
        app_name: "checkout".into(),
        profile_type: ProfileType::Cpu,
        function_pattern: pattern.map(str::to_owned),
        threshold_percent: threshold,
        severity: Severity::Critical,
        notification_channel: None,
        enabled,
        for_seconds: 0,
        created_by: None,
        created_at: at,
        updated_at: at,
    }
}

/// A function with a given selfPercent (of 10 000 samples).
pub fn pct(name: &str, percent: f64) -> FunctionStat {
    FunctionStat {
        part_self_samples: Vec::new(),
        name: name.to_owned(),
        self_percent: percent,
        self_samples: (percent * 100.0).round() as u64,
        total_samples: (percent * 100.0).round() as u64,
    }
}

/// `app`'s CPU profile of the hour 0–3600: `functions` of 10 000 samples, as [`pct`] counts
/// them.
pub fn cpu_profile(app: &str, functions: Vec<FunctionStat>) -> Profile {
    Profile {
        labels: Default::default(),
        app_name: app.into(),
        profile_type: ProfileType::Cpu,
        from: 0,
        to: 3600,
        profile_type_id: "cpu:id".into(),
        total_samples: 10_000,
        truncated_percent: 0.0,
        functions,
        partial: None,
    }
}

/// Profile Data's answer to `q`, of its app, type and window: `functions` of 1 000 samples, as
/// [`per_mille`] counts them, read as `profile_type_id`.
pub fn per_mille_answer(
    q: ProfileQuery,
    profile_type_id: &str,
    functions: Vec<FunctionStat>,
) -> Profile {
    Profile {
        labels: Default::default(),
        app_name: q.app.into_inner(),
        profile_type: q.profile_type,
        from: q.window.from,
        to: q.window.to,
        profile_type_id: profile_type_id.into(),
        total_samples: 1000,
        truncated_percent: 0.0,
        functions,
        partial: None,
    }
}

/// A recorder whose writer runs until the test ends, writing into `store` and retrying
/// after a millisecond or two.
pub fn recorder(store: MockHistorySor, metrics: Arc<Metrics>) -> HistoryRecorder {
    let policy = Backoff {
        base: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
        max_retries: u32::MAX,
    };
    let (recorder, writer) = history_queue(Arc::new(store), policy, 100, metrics);
    let (stopper, shutdown) = shutdown_signal();
    tokio::spawn(async move {
        // Held for as long as the writer runs: dropping it would stop the writer.
        let _stopper = stopper;
        writer.run(shutdown).await;
    });
    recorder
}

/// A history store that hands every record it stores to the test.
pub fn recording_history() -> (MockHistorySor, UnboundedReceiver<NewHistoryRecord>) {
    let (tx, rx) = unbounded_channel();
    let mut history = MockHistorySor::new();
    history.expect_create_many().returning(move |records| {
        for record in records {
            let _ = tx.send(record.clone());
        }
        Ok(())
    });
    (history, rx)
}

/// The next record `recording_history`'s store was handed, waited for up to 5 s.
pub async fn next_record(rx: &mut UnboundedReceiver<NewHistoryRecord>) -> NewHistoryRecord {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a record within 5 s")
        .expect("the store still open")
}

/// A history store that refuses its one write as invalid, and the metrics that count the drop.
pub fn refusing_history() -> (MockHistorySor, Arc<Metrics>) {
    let mut history = MockHistorySor::new();
    history
        .expect_create_many()
        .times(1)
        .returning(|_| Err(SorError::Invalid("value too long".into())));
    let metrics = Metrics::new(None).unwrap();
    (history, metrics)
}

/// Waits (up to 5 s) until `metrics` counted `n` dropped history writes.
pub async fn dropped_writes(metrics: &Metrics, n: u64) {
    for _ in 0..500 {
        if metrics.history_writes_dropped.get() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(metrics.history_writes_dropped.get(), n);
}

/// A baseline store whose database is down.
pub fn failing_baselines() -> MockBaselineSor {
    let mut baselines = MockBaselineSor::new();
    baselines
        .expect_list()
        .returning(|_, _| Err(SorError::Unavailable("database down".into())));
    baselines
}

pub fn baseline(app: &str, t: ProfileType, function: &str, max: f64) -> Baseline {
    let at = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    Baseline {
        id: 1,
        app_name: app.to_owned(),
        profile_type: t,
        function_name: function.to_owned(),
        max_self_percent: max,
        severity: Severity::Warning,
        created_by: None,
        created_at: at,
        updated_at: at,
    }
}

mod threshold_tests;
