//! The alert evaluator's one way to start (docs/alerting.md): given its settings, what it needs
//! of other capabilities and the task supervisor, it builds its state store, its dry-run
//! service and its evaluation task, starts the task (which evaluates on the leader only), and
//! hands back the service of its routes.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::evaluator::Evaluator;
use crate::firing::{AlertStateSor, PgAlertStateStore};
use crate::notice::RuleNotices;
use crate::rules::AlertRuleSor;
use crate::settings::AlertSettings;
use crate::task::{EvaluatorStatus, EvaluatorTask};
use crate::AlertEvaluationService;
use pf_delivery::AlertmanagerQueue;
use pf_infra::db::Database;
use pf_infra::leader::PgLeadership;
use pf_infra::tasks::Tasks;
use pf_infra::telemetry::Metrics;
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_triage::RuleSet;

/// How long the evaluator may take to finish an evaluation once asked to stop.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// What the evaluator needs of the process.
pub struct AlertNeeds {
    /// The database its firing state and its leader's lease are on.
    pub database: Database,
    /// The rules and the profiles they are evaluated on (both required:
    /// docs/split-deployment.md#the-dependency-rule).
    pub rules: Arc<dyn AlertRuleSor>,
    pub profiles: Arc<dyn ProfileDataSor>,
    /// Teams and channels, when the process reaches a registry.
    pub registry: Option<Arc<dyn RegistrySor>>,
    /// The triage rules a rule's diagnosis comes from.
    pub triage_rules: Arc<RuleSet>,
    /// Where its alerts go: Alertmanager's queue when one is set, and the outbox drain's wake.
    pub alertmanager: Option<Arc<AlertmanagerQueue>>,
    pub wake: Arc<Notify>,
    pub metrics: Arc<Metrics>,
}

/// Starts the evaluator under `tasks` and answers the service of its routes.
pub fn start(
    settings: &AlertSettings,
    needs: AlertNeeds,
    tasks: &mut Tasks,
) -> AlertEvaluationService {
    let state: Arc<dyn AlertStateSor> = Arc::new(PgAlertStateStore::new(needs.database.clone()));
    let window_secs = i64::try_from(settings.window_secs.as_secs()).unwrap_or(i64::MAX);
    let service = AlertEvaluationService::new(
        needs.rules.clone(),
        needs.profiles.clone(),
        state.clone(),
        needs.triage_rules.clone(),
        window_secs,
    );
    let notices = Arc::new(RuleNotices {
        public_url: settings.public_url.clone(),
        interval: settings.interval_secs,
        registry: needs.registry,
    });
    let task = EvaluatorTask {
        evaluator: Evaluator {
            rules: needs.rules,
            profiles: needs.profiles,
            state,
            triage_rules: needs.triage_rules,
            window_secs,
            notices,
        },
        leadership: Arc::new(PgLeadership::new(needs.database)),
        alertmanager: needs.alertmanager,
        wake: needs.wake,
        interval: settings.interval_secs,
        metrics: needs.metrics,
        status: Arc::new(EvaluatorStatus::default()),
    };
    tasks.spawn_restarting(task.status.clone(), STOP_WITHIN, move |shutdown| {
        task.clone().run(shutdown)
    });
    service
}
