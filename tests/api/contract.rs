//! One contract per SOR trait, run against the in-process implementation and against the HTTP
//! client talking to a process that serves only that SOR: both must answer the same.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use pf_baselines::{BaselinePatch, BaselineSor, NewBaseline, PgBaselineStore, RemoteBaselineStore};
use pf_history::{
    AssessmentSeverity, HistoryQuery, HistorySor, NewHistoryRecord, PgHistoryStore, RecordKey,
    RemoteHistoryStore,
};
use pf_infra::db::Database;
use pf_infra::sor::json_text::JsonText;
use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::Severity;
use pf_model::{AppName, ProfileType};
use pyroscope_functions::app::settings::Function;
use serde_json::json;
use sqlx::postgres::PgConnectOptions;
use url::Url;

use crate::helpers::{spawn_server, test_settings, wait_until_ready, TestDatabase};

/// An app name with a space, `/`, `#`, `?` and non-ASCII: it must survive the URL path.
pub const ODD_APP: &str = "team a/β#1?x";

pub fn app(name: &str) -> AppName {
    AppName::from_str(name).unwrap()
}

/// A migrated database and a pool on it, for the in-process implementations.
pub async fn in_process_database() -> (TestDatabase, Database) {
    let db = TestDatabase::create().await;
    let settings = test_settings(&db);
    let options = PgConnectOptions::from_str(db.url.as_str()).unwrap();
    let database = Database::connect(options, &settings.database);
    database.migrate().await.unwrap();
    (db, database)
}

/// A process serving only `function` on its own database, and a client for it.
pub async fn remote_sor(function: Function, name: &'static str) -> (TestDatabase, RemoteSor) {
    let db = TestDatabase::create().await;
    let mut settings = test_settings(&db);
    settings.function = function;
    let address = spawn_server(settings).await;
    wait_until_ready(&address).await;
    let remote = RemoteSor::new(
        name,
        "sor",
        Url::parse(&address).unwrap(),
        Duration::from_secs(10),
        Metrics::new(None).unwrap(),
    );
    (db, remote.unwrap())
}

fn new_baseline(profile_type: ProfileType, max: f64) -> NewBaseline {
    NewBaseline {
        app_name: app(ODD_APP),
        profile_type,
        function_name: "G1 Young Generation".into(),
        max_self_percent: max,
        severity: Severity::Warning,
        created_by: Some("alice".into()),
        on_behalf_of: None,
    }
}

async fn baseline_contract(store: Arc<dyn BaselineSor>) {
    let first = store
        .upsert(new_baseline(ProfileType::Cpu, 15.0))
        .await
        .unwrap();
    let again = store
        .upsert(new_baseline(ProfileType::Cpu, 20.0))
        .await
        .unwrap();
    assert_eq!(again.id, first.id, "an upsert keeps the id");
    assert_eq!(again.max_self_percent, 20.0);
    assert_eq!(again.app_name, ODD_APP);
    store
        .upsert(new_baseline(ProfileType::Alloc, 5.0))
        .await
        .unwrap();

    assert_eq!(store.list(app(ODD_APP), None).await.unwrap().len(), 2);
    let cpu = store
        .list(app(ODD_APP), Some(ProfileType::Cpu))
        .await
        .unwrap();
    assert_eq!(cpu, vec![again.clone()]);
    assert!(store.list(app("nobody"), None).await.unwrap().is_empty());

    let patch = BaselinePatch {
        max_self_percent: None,
        severity: Some(Severity::Critical),
    };
    let updated = store.update(first.id, patch.clone()).await.unwrap();
    assert_eq!(
        (updated.severity, updated.max_self_percent),
        (Severity::Critical, 20.0)
    );
    let missing = SorError::NotFound("baseline 999999 not found".into());
    assert_eq!(store.update(999_999, patch).await.unwrap_err(), missing);

    store.delete(first.id).await.unwrap();
    let gone = SorError::NotFound(format!("baseline {} not found", first.id));
    assert_eq!(store.delete(first.id).await.unwrap_err(), gone);
    assert_eq!(store.list(app(ODD_APP), None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn baseline_contract_in_process() {
    let (_db, database) = in_process_database().await;
    baseline_contract(Arc::new(PgBaselineStore::new(database))).await;
}

#[tokio::test]
async fn baseline_contract_remote() {
    let (_db, remote) = remote_sor(Function::BaselineSor, "Baseline").await;
    baseline_contract(Arc::new(RemoteBaselineStore::new(remote))).await;
}

fn record(diagnosis: &str) -> NewHistoryRecord {
    NewHistoryRecord {
        labels: Default::default(),
        key: RecordKey::new(),
        app_name: app(ODD_APP),
        profile_types: "cpu,alloc".into(),
        diagnosis: diagnosis.into(),
        severity: AssessmentSeverity::High,
        top_functions: JsonText::of(
            &json!([{"name": "java/util/HashMap.resize", "selfPercent": 12.5}]),
        )
        .ok(),
        recommendation: Some("size the map".into()),
        requested_by: Some("alice".into()),
        on_behalf_of: None,
    }
}

fn all_records() -> HistoryQuery {
    HistoryQuery {
        limit: 50,
        offset: 0,
        from: None,
        to: None,
    }
}

async fn history_contract(store: Arc<dyn HistorySor>) {
    let first = record("gc_pressure");
    let older = store.create(first.clone()).await.unwrap();
    // Written again with its key (a retry after a lost answer): the same row, not a new one.
    assert_eq!(store.create(first.clone()).await.unwrap(), older);
    store.create_many(&[first]).await.unwrap();
    let newer = store.create(record("lock_contention")).await.unwrap();
    assert_eq!(newer.top_functions, record("x").top_functions);

    let listed = store.list(app(ODD_APP), all_records()).await.unwrap();
    assert_eq!(listed, vec![newer.clone(), older.clone()], "newest first");
    let page = HistoryQuery {
        limit: 1,
        offset: 1,
        ..all_records()
    };
    assert_eq!(
        store.list(app(ODD_APP), page).await.unwrap(),
        vec![older.clone()]
    );
    // An exclusive upper bound at the newer record's exact instant keeps only the older one.
    let window = HistoryQuery {
        from: Some(older.created_at),
        to: Some(newer.created_at),
        ..all_records()
    };
    if older.created_at < newer.created_at {
        assert_eq!(
            store.list(app(ODD_APP), window).await.unwrap(),
            vec![older.clone()]
        );
    }

    assert_eq!(store.latest(app(ODD_APP)).await.unwrap(), newer);
    assert!(matches!(
        store.latest(app("nobody")).await.unwrap_err(),
        SorError::NotFound(_)
    ));

    store.delete(newer.id).await.unwrap();
    assert_eq!(store.latest(app(ODD_APP)).await.unwrap(), older);
    let gone = store.delete(newer.id).await.unwrap_err();
    assert!(matches!(gone, SorError::NotFound(_)), "{gone:?}");
}

#[tokio::test]
async fn history_contract_in_process() {
    let (_db, database) = in_process_database().await;
    history_contract(Arc::new(PgHistoryStore::new(
        database,
        Metrics::new(None).unwrap(),
    )))
    .await;
}

#[tokio::test]
async fn history_contract_remote() {
    let (_db, remote) = remote_sor(Function::HistorySor, "History").await;
    history_contract(Arc::new(RemoteHistoryStore::new(remote))).await;
}
