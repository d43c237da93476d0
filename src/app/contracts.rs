//! The contracts a module may host for other processes (rule 1 of
//! docs/split-deployment.md#the-dependency-rule), each declared once: its name, the setting that
//! names another process hosting it, its `/health` check, and its remote client. What a user of a
//! contract gets is chosen once, by the table, in [`Contract::choose`]: the URL set → the remote
//! client; else this process's own implementation (`Served`); else nothing (an optional
//! contract: its users behave as v1 for it) or a refusal to start (a required one).

use std::sync::Arc;

use actix_web::web;

use super::module::{Name, Offers, Served};
use crate::settings::{Function, Settings, SorUrls};
use pf_alerts::{AlertRuleSor, RemoteAlertRuleStore};
use pf_baselines::{BaselineSor, RemoteBaselineStore};
use pf_history::{HistorySor, RemoteHistoryStore};
use pf_http::access::AppOwners;
use pf_infra::probe::HealthCheck;
use pf_infra::sor::remote::{RemoteSor, RemoteSorCheck};
use pf_infra::telemetry::Metrics;
use pf_module::ModuleError;
use pf_profiles::{ProfileDataSor, RemoteProfileData};
use pf_registry::{RegistryOwners, RegistrySor, RemoteRegistryStore};
use pf_watch::{RemoteTrends, WatcherReads};

/// How one contract is reached over HTTP, and how its users are given it.
pub(super) struct Contract {
    /// The module that hosts it.
    pub(super) module: Name,
    /// Human name for messages, e.g. `Baseline`.
    pub(super) name: &'static str,
    /// The settings key of its URL, and its environment variable, for startup errors.
    pub(super) key: &'static str,
    pub(super) env: &'static str,
    /// The key of its check under `/health`'s `checks`.
    pub(super) check: &'static str,
    /// Whether its users cannot start without it, and this process is unready while it is down.
    pub(super) required: bool,
    /// Its URL among the settings (`key`).
    pub(super) url: fn(&SorUrls) -> Option<&url::Url>,
    /// Offers the remote client as what its users get.
    pub(super) remote: fn(RemoteSor, &mut Offers),
    /// Offers this process's implementation (`Served`) as what its users get; false when this
    /// process serves none.
    pub(super) served: fn(&mut Offers) -> bool,
}

/// What a contract's user gets from `Served<T>`: the same implementation, as `Arc<T>`.
fn served<T: ?Sized + Send + Sync + 'static>(offers: &mut Offers) -> bool {
    let Some(Served(own)) = offers.get::<Served<T>>() else {
        return false;
    };
    offers.put::<Arc<T>>(own);
    true
}

/// Whose an app is, for team-bound tokens (docs/api.md#teams-and-admin-tokens): the registry as
/// its contract gives it (this process's, or the one `REGISTRY_URL` names), offered as the route
/// data the SORs' routes read. True when there is a registry.
fn offer_owners(offers: &mut Offers) -> bool {
    let Some(registry) = offers.get::<Arc<dyn RegistrySor>>() else {
        return false;
    };
    let owners: Arc<dyn AppOwners> = Arc::new(RegistryOwners(registry));
    offers.put(web::Data::from(owners));
    true
}

/// What the table decided for one contract a started module needs.
pub(super) enum Choice {
    /// Over HTTP, with the health check of the process that hosts it.
    Remote(Arc<dyn HealthCheck>),
    /// This process's own implementation.
    Served,
    /// Nowhere: its users do without it.
    Absent,
}

impl Contract {
    /// The contract hosted by `module`, if other processes may host it.
    pub(super) fn of(module: Name) -> Option<&'static Contract> {
        CONTRACTS.iter().find(|c| c.module == module)
    }

    /// Whether its URL is set: then its users reach it over HTTP, even where this process
    /// hosts it too.
    pub(super) fn is_remote(&self, settings: &Settings) -> bool {
        (self.url)(&settings.sors).is_some()
    }

    /// Chooses what `user`, a module of this process, gets of it, and offers that in `offers`
    /// (which holds what this process serves of it, when it does).
    pub(super) fn choose(
        &self,
        settings: &Settings,
        metrics: &Arc<Metrics>,
        offers: &mut Offers,
        user: Name,
    ) -> Result<Choice, ModuleError> {
        if let Some(url) = (self.url)(&settings.sors) {
            let timeout = settings.sors.request_timeout_secs;
            let remote =
                RemoteSor::new(self.name, self.check, url.clone(), timeout, metrics.clone())
                    .map_err(|e| ModuleError::Config {
                        key: self.key,
                        reason: e.to_string(),
                    })?
                    .with_token(settings.sors.token.clone());
            let check = Arc::new(RemoteSorCheck {
                key: self.check,
                required: self.required,
                sor: remote.clone(),
            });
            (self.remote)(remote, offers);
            return Ok(Choice::Remote(check));
        }
        Ok(match (self.served)(offers) {
            true => Choice::Served,
            false if self.required => return Err(self.missing(settings.function, user)),
            false => Choice::Absent,
        })
    }

    /// Why `user`, run for `function`, cannot start: this required contract is neither hosted
    /// here nor named.
    pub(super) fn missing(&self, function: Function, user: Name) -> ModuleError {
        ModuleError::Missing {
            function,
            user,
            contract: self.name,
            env: self.env,
        }
    }
}

/// Every contract. Optional ones are not required: while one is down its users still answer (as
/// v1 for it), so taking the process out of service would lose answers; `/health` shows
/// `degraded` with the dependency `down` instead.
pub(super) const CONTRACTS: [Contract; 6] = [
    Contract {
        module: Name::ProfileData,
        name: "Profile Data",
        key: "sors.profile_data_url",
        env: "PROFILE_DATA_URL",
        check: "profileDataSor",
        // Without profiles no business function, evaluator or watcher can answer anything.
        required: true,
        url: |urls| urls.profile_data_url.as_ref(),
        remote: |r, offers| {
            offers.put::<Arc<dyn ProfileDataSor>>(Arc::new(RemoteProfileData::new(r)));
        },
        served: served::<dyn ProfileDataSor>,
    },
    Contract {
        module: Name::Baselines,
        name: "Baseline",
        key: "sors.baseline_url",
        env: "BASELINE_URL",
        check: "baselineSor",
        required: false,
        url: |urls| urls.baseline_url.as_ref(),
        remote: |r, offers| {
            offers.put::<Arc<dyn BaselineSor>>(Arc::new(RemoteBaselineStore::new(r)))
        },
        served: served::<dyn BaselineSor>,
    },
    Contract {
        module: Name::History,
        name: "History",
        key: "sors.history_url",
        env: "HISTORY_URL",
        check: "historySor",
        required: false,
        url: |urls| urls.history_url.as_ref(),
        remote: |r, offers| offers.put::<Arc<dyn HistorySor>>(Arc::new(RemoteHistoryStore::new(r))),
        served: served::<dyn HistorySor>,
    },
    Contract {
        module: Name::Registry,
        name: "Registry",
        key: "sors.registry_url",
        env: "REGISTRY_URL",
        check: "registrySor",
        required: false,
        url: |urls| urls.registry_url.as_ref(),
        remote: |r, offers| {
            offers.put::<Arc<dyn RegistrySor>>(Arc::new(RemoteRegistryStore::new(r)));
            offer_owners(offers);
        },
        served: |offers| served::<dyn RegistrySor>(offers) && offer_owners(offers),
    },
    // The watcher's reads: trends drawn on the triage page, summaries the fleet answers from;
    // optional (without them, no trend panel and live fleet answers).
    Contract {
        module: Name::WatcherStores,
        name: "Profile watcher",
        key: "sors.watch_url",
        env: "WATCH_URL",
        check: "profileWatcher",
        required: false,
        url: |urls| urls.watch_url.as_ref(),
        remote: |r, offers| offers.put::<Arc<dyn WatcherReads>>(Arc::new(RemoteTrends::new(r))),
        served: served::<dyn WatcherReads>,
    },
    // The rules the alert evaluator evaluates: without them it has nothing to do.
    Contract {
        module: Name::AlertRules,
        name: "Alert Rule",
        key: "sors.alert_rule_url",
        env: "ALERT_RULE_URL",
        check: "alertRuleSor",
        required: true,
        url: |urls| urls.alert_rule_url.as_ref(),
        remote: |r, offers| {
            offers.put::<Arc<dyn AlertRuleSor>>(Arc::new(RemoteAlertRuleStore::new(r)));
        },
        served: served::<dyn AlertRuleSor>,
    },
];
