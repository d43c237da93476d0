//! Regression events read from PostgreSQL: listings, one event, a series' open events, what
//! Alertmanager is to be told, and the counts `/metrics` shows.

use async_trait::async_trait;

use super::events::{EventSignificance, Regression, RegressionCounts, RegressionFilter};
use super::model::Series;
use super::postgres::PgSummaryStore;
use crate::profile::regression::{EventKind, EventState, VersionChange};
use crate::profile::AppName;
use crate::sor::{RegressionSor, SorError};

const COLUMNS: &str = "id, app_name, profile_type, function_name, state, kind, changed_at, \
     before_percent, after_percent, delta_percent, cost_ratio, process_cost_percent, delta_low, \
     delta_high, p_value, \
     version_before, version_after, shifted_from, suspected_at, first_recent, confirmed_at, \
     went_away_at, resolved_at, settled_at, announced";

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
        })
    }
}

impl PgSummaryStore {
    /// The events `sql` selects (its columns [`COLUMNS`]), `binds` bound in order.
    async fn events(
        &self,
        what: &'static str,
        sql: String,
        binds: Vec<Bind>,
    ) -> Result<Vec<Regression>, SorError> {
        let rows: Vec<EventRow> = self
            .db
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
}

/// A value bound to a query; `None` binds null.
#[derive(Clone)]
enum Bind {
    Int(Option<i64>),
    Text(Option<String>),
}

#[async_trait]
impl RegressionSor for PgSummaryStore {
    async fn list(&self, filter: RegressionFilter) -> Result<Vec<Regression>, SorError> {
        // A filter left out is bound as null, which lets every row through.
        let sql = format!(
            "select {COLUMNS} from regression_event where ($1::text is null or app_name = $1) \
             and ($2::text is null or state = $2) and ($3::bigint is null or changed_at >= $3) \
             and ($4::bigint is null or changed_at < $4) \
             order by changed_at desc, id desc limit $5"
        );
        let binds = vec![
            Bind::Text(filter.app.map(AppName::into_inner)),
            Bind::Text(filter.state.map(|s| s.as_str().to_owned())),
            Bind::Int(filter.window.map(|w| w.from)),
            Bind::Int(filter.window.map(|w| w.to)),
            Bind::Int(Some(i64::from(filter.limit))),
        ];
        self.events("listing regressions", sql, binds).await
    }

    async fn get(&self, id: i64) -> Result<Regression, SorError> {
        let sql = format!("select {COLUMNS} from regression_event where id = $1");
        self.events("reading a regression", sql, vec![Bind::Int(Some(id))])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| SorError::NotFound(format!("no regression with id {id}")))
    }

    async fn open(&self, series: &Series) -> Result<Vec<Regression>, SorError> {
        let sql = format!(
            "select {COLUMNS} from regression_event where app_name = $1 and profile_type = $2 \
             and state in ('suspected', 'confirmed') order by id"
        );
        let binds = vec![
            Bind::Text(Some(series.app.as_str().to_owned())),
            Bind::Text(Some(series.profile_type.as_str().to_owned())),
        ];
        self.events("reading open regressions", sql, binds).await
    }

    async fn announcements(&self) -> Result<(Vec<Regression>, Vec<Regression>), SorError> {
        let firing = format!(
            "select {COLUMNS} from regression_event where state = 'confirmed' and announced \
             order by id"
        );
        let resolved = format!(
            "select {COLUMNS} from regression_event where state in ('resolved', 'settled') \
             and announced and alert_resolved_time is null order by id"
        );
        Ok((
            self.events("reading firing regressions", firing, Vec::new())
                .await?,
            self.events("reading resolved regressions", resolved, Vec::new())
                .await?,
        ))
    }

    async fn resolutions_sent(&self, ids: &[i64]) -> Result<(), SorError> {
        let ids = ids.to_vec();
        self.db
            .run("recording sent resolutions", |pool| {
                let ids = ids.clone();
                async move {
                    sqlx::query(
                        "update regression_event set alert_resolved_time = now() \
                         where id = any($1)",
                    )
                    .bind(ids)
                    .execute(&pool)
                    .await
                }
            })
            .await?;
        Ok(())
    }

    async fn counts(&self) -> Result<RegressionCounts, SorError> {
        let rows: Vec<(String, String, i64)> = self
            .db
            .run("counting regressions", |pool| async move {
                sqlx::query_as(
                    "select kind, state, count(*) from regression_event group by kind, state",
                )
                .fetch_all(&pool)
                .await
            })
            .await?;
        let mut counts = RegressionCounts::default();
        for (kind, state, n) in rows {
            let (Ok(kind), Ok(state)) = (kind.parse::<EventKind>(), state.parse::<EventState>())
            else {
                continue;
            };
            let n = u64::try_from(n).unwrap_or(0);
            if state == EventState::Confirmed {
                counts.active += n;
            }
            counts.by_kind_and_state.push((kind, state, n));
        }
        Ok(counts)
    }
}
