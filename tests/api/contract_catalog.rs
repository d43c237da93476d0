//! The Registry and Alert Rule contracts, in-process and over HTTP.

use std::sync::Arc;

use pf_alerts::{
    AlertRulePatch, AlertRuleSor, NewAlertRule, PgAlertRuleStore, RemoteAlertRuleStore,
};
use pf_infra::sor::json_text::JsonObject;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::ProfileType;
use pf_model::Severity;
use pf_registry::{
    NewService, PgRegistryStore, RegistrySor, RemoteRegistryStore, ServicePatch, Tier,
};
use pyroscope_functions::app::settings::Function;
use serde_json::{json, Value};

use crate::contract::{app, in_process_database, remote_sor, ODD_APP};

fn labels_value() -> Value {
    json!({"service_name": ODD_APP, "env": "prod"})
}

fn labels() -> JsonObject {
    serde_json::from_str(&labels_value().to_string()).unwrap()
}

/// The value of stored JSON, whatever spelling the store gave it.
fn value_of(object: &JsonObject) -> Value {
    serde_json::from_str(object.text().get()).unwrap()
}

fn service(name: &str, tier: Tier) -> NewService {
    NewService {
        app_name: app(name),
        team_owner: Some("payments-team".into()),
        tier,
        environment: Some("prod".into()),
        notification_channel: Some("#payments-oncall".into()),
        pyroscope_labels: labels(),
        metadata: JsonObject::empty(),
    }
}

async fn registry_contract(store: Arc<dyn RegistrySor>) {
    let first = store.upsert(service(ODD_APP, Tier::High)).await.unwrap();
    let again = store
        .upsert(service(ODD_APP, Tier::Critical))
        .await
        .unwrap();
    assert_eq!(again.id, first.id, "an upsert keeps the id");
    assert_eq!(
        (again.tier, again.app_name.as_str()),
        (Tier::Critical, ODD_APP)
    );
    store.upsert(service("inventory", Tier::Low)).await.unwrap();

    assert_eq!(store.list(None).await.unwrap().len(), 2);
    assert_eq!(
        store.list(Some(Tier::Critical)).await.unwrap(),
        vec![again.clone()]
    );
    assert_eq!(store.get(app(ODD_APP)).await.unwrap(), again);
    assert!(matches!(
        store.get(app("nobody")).await.unwrap_err(),
        SorError::NotFound(_)
    ));

    // Clearing one field (explicit null) must not touch the others.
    let patch = ServicePatch {
        team_owner: Some(None),
        ..ServicePatch::default()
    };
    let updated = store.update(app(ODD_APP), patch.clone()).await.unwrap();
    assert_eq!(updated.team_owner, None);
    assert_eq!(
        updated.notification_channel.as_deref(),
        Some("#payments-oncall")
    );
    assert_eq!(value_of(&updated.pyroscope_labels), labels_value());
    assert!(matches!(
        store.update(app("nobody"), patch).await.unwrap_err(),
        SorError::NotFound(_)
    ));

    store.delete(app(ODD_APP)).await.unwrap();
    assert!(matches!(
        store.delete(app(ODD_APP)).await.unwrap_err(),
        SorError::NotFound(_)
    ));
    assert_eq!(store.list(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn registry_contract_in_process() {
    let (_db, database) = in_process_database().await;
    registry_contract(Arc::new(PgRegistryStore::new(
        database,
        Metrics::new(None).unwrap(),
    )))
    .await;
}

#[tokio::test]
async fn registry_contract_remote() {
    let (_db, remote) = remote_sor(Function::RegistrySor, "Registry").await;
    registry_contract(Arc::new(RemoteRegistryStore::new(remote))).await;
}

fn rule(name: &str) -> NewAlertRule {
    NewAlertRule {
        app_name: app(name),
        profile_type: ProfileType::Cpu,
        function_pattern: Some("HashMap.*".into()),
        threshold_percent: 10.0,
        severity: Severity::Critical,
        notification_channel: Some("#alerts".into()),
        enabled: true,
        for_seconds: 120,
        created_by: Some("alice".into()),
        on_behalf_of: None,
    }
}

async fn alert_rule_contract(store: Arc<dyn AlertRuleSor>) {
    let first = store.create(rule(ODD_APP)).await.unwrap();
    assert_eq!(first.for_seconds, 120);
    let other = store.create(rule("inventory")).await.unwrap();
    assert_ne!(first.id, other.id);
    assert_eq!(store.get(first.id).await.unwrap(), first);
    assert_eq!(
        store.list(None).await.unwrap(),
        vec![first.clone(), other.clone()]
    );
    assert_eq!(
        store.list(Some(app(ODD_APP))).await.unwrap(),
        vec![first.clone()]
    );
    assert_eq!(
        store.active(app(ODD_APP)).await.unwrap(),
        vec![first.clone()]
    );

    let patch = AlertRulePatch {
        enabled: Some(false),
        function_pattern: Some(None),
        profile_type: Some(ProfileType::Alloc),
        for_seconds: Some(0),
        ..AlertRulePatch::default()
    };
    let updated = store.update(first.id, patch.clone()).await.unwrap();
    assert_eq!(
        (
            updated.enabled,
            updated.function_pattern.clone(),
            updated.profile_type
        ),
        (false, None, ProfileType::Alloc)
    );
    assert_eq!(updated.notification_channel.as_deref(), Some("#alerts"));
    assert_eq!(updated.for_seconds, 0);
    assert!(store.active(app(ODD_APP)).await.unwrap().is_empty());

    let missing = SorError::NotFound("alert rule 999999 not found".into());
    assert_eq!(store.get(999_999).await.unwrap_err(), missing);
    assert_eq!(store.update(999_999, patch).await.unwrap_err(), missing);
    store.delete(first.id).await.unwrap();
    assert!(matches!(
        store.delete(first.id).await.unwrap_err(),
        SorError::NotFound(_)
    ));
    assert_eq!(store.list(None).await.unwrap(), vec![other]);
}

#[tokio::test]
async fn alert_rule_contract_in_process() {
    let (_db, database) = in_process_database().await;
    alert_rule_contract(Arc::new(PgAlertRuleStore::new(database))).await;
}

#[tokio::test]
async fn alert_rule_contract_remote() {
    let (_db, remote) = remote_sor(Function::AlertRuleSor, "Alert Rule").await;
    alert_rule_contract(Arc::new(RemoteAlertRuleStore::new(remote))).await;
}
