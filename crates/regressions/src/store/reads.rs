//! Regression events as read from `regression_event`: the columns every read selects, a row
//! decoded into a [`Regression`], and one query of them with its values bound.

use super::model::{EventSignificance, Regression};
use pf_commits::{CommitRange, Suspect, SuspectsReason};
use pf_detection::leaks::Leak;
use pf_detection::model::VersionChange;
use pf_infra::db::Database;
use pf_infra::sor::SorError;
use sqlx::types::Json;

/// The columns of [`EventRow`], in its order.
pub(super) const COLUMNS: &str =
    "id, app_name, profile_type, function_name, state, kind, changed_at, \
     before_percent, after_percent, delta_percent, cost_ratio, process_cost_percent, delta_low, \
     delta_high, p_value, \
     version_before, version_after, shifted_from, suspected_at, first_recent, confirmed_at, \
     went_away_at, resolved_at, settled_at, announced, suspects, suspects_range, \
     suspects_reason, leak";

/// One `regression_event` row as read.
#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    app_name: String,
    profile_type: String,
    function_name: String,
    state: String,
    kind: String,
    changed_at: i64,
    before_percent: f64,
    after_percent: f64,
    delta_percent: f64,
    cost_ratio: Option<f64>,
    process_cost_percent: Option<f64>,
    delta_low: f64,
    delta_high: f64,
    p_value: f64,
    version_before: Option<String>,
    version_after: Option<String>,
    shifted_from: Option<String>,
    suspected_at: i64,
    first_recent: i64,
    confirmed_at: Option<i64>,
    went_away_at: Option<i64>,
    resolved_at: Option<i64>,
    settled_at: Option<i64>,
    announced: bool,
    suspects: Option<Json<Vec<Suspect>>>,
    suspects_range: Option<Json<CommitRange>>,
    suspects_reason: Option<String>,
    leak: Option<Json<Leak>>,
}

impl TryFrom<EventRow> for Regression {
    type Error = SorError;

    fn try_from(r: EventRow) -> Result<Self, SorError> {
        let unreadable = |what: String| SorError::Unexpected(format!("unreadable event: {what}"));
        Ok(Regression {
            id: r.id,
            profile_type: r
                .profile_type
                .parse()
                .map_err(|e| unreadable(format!("{e}")))?,
            app_name: r.app_name,
            function: r.function_name,
            state: r.state.parse().map_err(|e| unreadable(format!("{e}")))?,
            kind: r.kind.parse().map_err(|e| unreadable(format!("{e}")))?,
            changed_at: r.changed_at,
            before_percent: r.before_percent,
            after_percent: r.after_percent,
            delta_percent: r.delta_percent,
            cost_ratio: r.cost_ratio,
            process_cost_percent: r.process_cost_percent,
            significance: EventSignificance {
                low: r.delta_low,
                high: r.delta_high,
                p_value: r.p_value,
            },
            version: r.version_after.map(|after| VersionChange {
                before: r.version_before,
                after,
            }),
            shifted_from: r.shifted_from,
            suspected_at: r.suspected_at,
            first_recent: r.first_recent,
            confirmed_at: r.confirmed_at,
            went_away_at: r.went_away_at,
            resolved_at: r.resolved_at,
            settled_at: r.settled_at,
            announced: r.announced,
            suspects: r.suspects.map(|s| s.0).unwrap_or_default(),
            range: r.suspects_range.map(|r| r.0),
            leak: r.leak.map(|l| l.0),
            suspects_reason: match r.suspects_reason {
                Some(name) => Some(
                    SuspectsReason::named(&name)
                        .ok_or_else(|| unreadable(format!("suspects reason {name:?}")))?,
                ),
                None => None,
            },
        })
    }
}

/// The events `sql` selects (its columns [`COLUMNS`]), `binds` bound in order.
pub(super) async fn events(
    db: &Database,
    what: &'static str,
    sql: String,
    binds: Vec<Bind>,
) -> Result<Vec<Regression>, SorError> {
    let rows: Vec<EventRow> = db
        .run(what, |pool| {
            let (sql, binds) = (sql.clone(), binds.clone());
            async move {
                let mut query = sqlx::query_as::<_, EventRow>(&sql);
                for bind in binds {
                    query = match bind {
                        Bind::Int(n) => query.bind(n),
                        Bind::Text(s) => query.bind(s),
                    };
                }
                query.fetch_all(&pool).await
            }
        })
        .await?;
    rows.into_iter().map(Regression::try_from).collect()
}

/// A value bound to a query; `None` binds null.
#[derive(Clone)]
pub(super) enum Bind {
    Int(Option<i64>),
    Text(Option<String>),
}
