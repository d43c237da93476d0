//! How a BOR process reaches a SOR over HTTP (rule 1 of
//! docs/split-deployment.md#the-dependency-rule): one spec per SOR, and the one resolution rule —
//! URL set, in-process, or absent.

use std::sync::Arc;

use super::StartupError;
use crate::settings::{Function, Settings, SorUrls};
use pf_alerts::rules::remote::RemoteAlertRuleStore;
use pf_alerts::rules::AlertRuleSor;
use pf_baselines::remote::RemoteBaselineStore;
use pf_baselines::BaselineSor;
use pf_history::remote::RemoteHistoryStore;
use pf_history::HistorySor;
use pf_infra::probe::HealthCheck;
use pf_infra::sor::remote::{RemoteSor, RemoteSorCheck};
use pf_infra::telemetry::Metrics;
use pf_profiles::remote::RemoteProfileData;
use pf_profiles::ProfileDataSor;
use pf_registry::remote::RemoteRegistryStore;
use pf_registry::RegistrySor;
use pf_watch::remote::RemoteTrends;
use pf_watch::WatcherReads;

/// Health checks of the remote SORs a process's BORs use.
pub(super) type RemoteChecks = Vec<Arc<dyn HealthCheck>>;

/// How one SOR is reached over HTTP: its name, settings key, health-check key and client; and
/// which setting names its URL and which function hosts it in-process.
pub(super) struct RemoteSpec<T: ?Sized> {
    /// Human name for messages, e.g. `Baseline`.
    pub(super) name: &'static str,
    /// The settings key of its URL, and its environment variable, for startup errors.
    pub(super) key: &'static str,
    pub(super) env: &'static str,
    /// The key of its check under `/health`'s `checks`.
    pub(super) check: &'static str,
    /// Whether this process is unready while that SOR is down.
    pub(super) required: bool,
    /// Wraps the HTTP client in the trait implementation.
    pub(super) client: fn(RemoteSor) -> Arc<T>,
    /// Its URL among the settings (`key`).
    pub(super) url: fn(&SorUrls) -> Option<&url::Url>,
    /// The function whose process serves it in-process.
    pub(super) hosted_by: Function,
}

/// Resolves each SOR a process's BORs use, collecting the health checks of the remote ones.
pub(super) struct RemoteSors<'a> {
    settings: &'a Settings,
    metrics: &'a Arc<Metrics>,
    pub(super) checks: RemoteChecks,
}

impl<'a> RemoteSors<'a> {
    /// None resolved yet.
    pub(super) fn new(settings: &'a Settings, metrics: &'a Arc<Metrics>) -> Self {
        RemoteSors {
            settings,
            metrics,
            checks: Vec::new(),
        }
    }

    /// One SOR for the BORs: `<SOR>_URL` set → the remote client (and a health check of it);
    /// else `in_process`, this process's implementation, when it hosts that SOR; else absent
    /// (the BOR behaves as v1 for it).
    pub(super) fn resolve<T: ?Sized>(
        &mut self,
        spec: RemoteSpec<T>,
        in_process: Option<&Arc<T>>,
    ) -> Result<Option<Arc<T>>, StartupError> {
        if let Some(url) = (spec.url)(&self.settings.sors) {
            let timeout = self.settings.sors.request_timeout_secs;
            let metrics = self.metrics.clone();
            let remote = RemoteSor::new(spec.name, spec.check, url.clone(), timeout, metrics)
                .map_err(|e| StartupError::Config {
                    key: spec.key,
                    reason: e.to_string(),
                })?
                .with_token(self.settings.sors.token.clone());
            self.checks.push(Arc::new(RemoteSorCheck {
                key: spec.check,
                required: spec.required,
                sor: remote.clone(),
            }));
            return Ok(Some((spec.client)(remote)));
        }
        Ok(if self.settings.function.hosts(spec.hosted_by) {
            in_process.cloned()
        } else {
            None
        })
    }

    /// [`RemoteSors::resolve`] for a SOR that `user` cannot start without.
    pub(super) fn require<T: ?Sized>(
        &mut self,
        spec: RemoteSpec<T>,
        in_process: Option<&Arc<T>>,
        user: &str,
    ) -> Result<Arc<T>, StartupError> {
        let (name, env) = (spec.name, spec.env);
        self.resolve(spec, in_process)?
            .ok_or_else(|| StartupError::Config {
                key: "sors",
                reason: format!("{user} needs the {name} SOR: set {env}"),
            })
    }
}

pub(super) const PROFILE_DATA_SPEC: RemoteSpec<dyn ProfileDataSor> = RemoteSpec {
    name: "Profile Data",
    key: "sors.profile_data_url",
    env: "PROFILE_DATA_URL",
    check: "profileDataSor",
    // Without profiles no BOR can answer anything.
    required: true,
    client: |r| Arc::new(RemoteProfileData::new(r)),
    url: |urls| urls.profile_data_url.as_ref(),
    hosted_by: Function::ProfileDataSor,
};

// Optional v2 dependencies are not required: while one is down the BOR still answers (as v1
// for it), so taking the process out of service would lose answers; `/health` shows
// `degraded` with the dependency `down` instead.
pub(super) const BASELINE_SPEC: RemoteSpec<dyn BaselineSor> = RemoteSpec {
    name: "Baseline",
    key: "sors.baseline_url",
    env: "BASELINE_URL",
    check: "baselineSor",
    required: false,
    client: |r| Arc::new(RemoteBaselineStore::new(r)),
    url: |urls| urls.baseline_url.as_ref(),
    hosted_by: Function::BaselineSor,
};

pub(super) const HISTORY_SPEC: RemoteSpec<dyn HistorySor> = RemoteSpec {
    name: "History",
    key: "sors.history_url",
    env: "HISTORY_URL",
    check: "historySor",
    required: false,
    client: |r| Arc::new(RemoteHistoryStore::new(r)),
    url: |urls| urls.history_url.as_ref(),
    hosted_by: Function::HistorySor,
};

pub(super) const REGISTRY_SPEC: RemoteSpec<dyn RegistrySor> = RemoteSpec {
    name: "Registry",
    key: "sors.registry_url",
    env: "REGISTRY_URL",
    check: "registrySor",
    required: false,
    client: |r| Arc::new(RemoteRegistryStore::new(r)),
    url: |urls| urls.registry_url.as_ref(),
    hosted_by: Function::RegistrySor,
};

/// The watcher's reads: trends drawn on the triage page, summaries the fleet answers from;
/// optional like the v2 dependencies (without them, no trend panel and live fleet answers).
pub(super) const TREND_SPEC: RemoteSpec<dyn WatcherReads> = RemoteSpec {
    name: "Profile watcher",
    key: "sors.watch_url",
    env: "WATCH_URL",
    check: "profileWatcher",
    required: false,
    client: |r| Arc::new(RemoteTrends::new(r)),
    url: |urls| urls.watch_url.as_ref(),
    hosted_by: Function::Watch,
};

/// The rules the alert evaluator evaluates: without them it has nothing to do.
pub(super) const ALERT_RULE_SPEC: RemoteSpec<dyn AlertRuleSor> = RemoteSpec {
    name: "Alert Rule",
    key: "sors.alert_rule_url",
    env: "ALERT_RULE_URL",
    check: "alertRuleSor",
    required: true,
    client: |r| Arc::new(RemoteAlertRuleStore::new(r)),
    url: |urls| urls.alert_rule_url.as_ref(),
    hosted_by: Function::AlertRuleSor,
};
