//! The detector's changes written in the caller's transaction (the summary store's, of the
//! slice that caused them, fenced by the series' lease), with the webhooks they deliver: all
//! of a slice's work is stored, or none of it.

use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres};

use super::model::EventWrite;
use pf_delivery::enqueue;
use pf_detection::model::{Change, Confirmation, EventKind, Finding};
use pf_watch::Series;
use sqlx::types::Json;

use pf_commits::SuspectsReason;

/// Stores `changes` of `series` in `tx`, each with its webhook in the outbox. A suspicion
/// already stored (same function and slice) is left as it is; a decision applies only to an
/// event still in the state it decides on.
pub async fn write_events(
    tx: &mut PgConnection,
    series: &Series,
    changes: &[EventWrite],
) -> Result<(), sqlx::Error> {
    for write in changes {
        match &write.change {
            Change::Suspected {
                suspected_at,
                first_recent,
                finding,
            } => {
                let at = (*suspected_at, *first_recent);
                suspect(tx, series, at, finding, write.kind).await?;
            }
            Change::Confirmed(confirmation) => {
                confirm(tx, confirmation, write).await?;
            }
            Change::WentAway { id, at, finding } => {
                let query = sqlx::query(
                    "update regression_event set state = 'went_away', went_away_at = $2, \
                         decided_time = now(), changed_at = $3, before_percent = $4, \
                         after_percent = $5, delta_percent = $6, delta_low = $7, \
                         delta_high = $8, p_value = $9, cost_ratio = $10, \
                         process_cost_percent = $11, leak = $12 \
                     where id = $1 and state = 'suspected'",
                )
                .bind(id)
                .bind(at);
                with_finding(query, finding).execute(&mut *tx).await?;
            }
            Change::Remeasured { id, finding, .. } => {
                let query = sqlx::query(
                    "update regression_event set changed_at = $2, before_percent = $3, \
                         after_percent = $4, delta_percent = $5, delta_low = $6, \
                         delta_high = $7, p_value = $8, cost_ratio = $9, \
                         process_cost_percent = $10, leak = $11 \
                     where id = $1 and state = 'confirmed'",
                )
                .bind(id);
                with_finding(query, finding).execute(&mut *tx).await?;
            }
            Change::Settled { id, at } => {
                sqlx::query(
                    "update regression_event set state = 'settled', settled_at = $2, \
                         resolved_time = now() \
                     where id = $1 and state = 'confirmed'",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            Change::Resolved {
                id,
                at,
                share_percent,
            } => {
                sqlx::query(
                    "update regression_event set state = 'resolved', resolved_at = $2, \
                         resolved_share = $3, resolved_time = now() \
                     where id = $1 and state = 'confirmed'",
                )
                .bind(id)
                .bind(at)
                .bind(share_percent)
                .execute(&mut *tx)
                .await?;
            }
        }
        if let Some(webhook) = &write.webhook {
            enqueue(&mut *tx, webhook, &subject(&write.change)).await?;
        }
    }
    Ok(())
}

/// Confirms a suspected event with the numbers of its change-point test.
async fn confirm(
    tx: &mut PgConnection,
    c: &Confirmation,
    write: &EventWrite,
) -> Result<(), sqlx::Error> {
    let suspects = write.suspects.as_ref();
    let (before, after) = match &c.version {
        Some(v) => (v.before.as_deref(), Some(v.after.as_str())),
        None => (None, None),
    };
    let query = sqlx::query(
        "update regression_event set state = 'confirmed', kind = $3, \
             shifted_from = $4, version_before = $5, version_after = $6, \
             confirmed_at = $2, announced = $7, decided_time = now(), \
             changed_at = $8, before_percent = $9, after_percent = $10, \
             delta_percent = $11, delta_low = $12, delta_high = $13, p_value = $14, \
             cost_ratio = $15, process_cost_percent = $16, leak = $17, suspects = $18, \
             suspects_range = $19, suspects_reason = $20 \
         where id = $1 and state = 'suspected'",
    )
    .bind(c.id)
    .bind(c.at)
    .bind(c.kind.as_str())
    .bind(c.shifted_from.as_deref())
    .bind(before)
    .bind(after)
    .bind(write.announce);
    with_finding(query, &c.finding)
        .bind(suspects.map(|s| Json(&s.suspects)))
        .bind(suspects.and_then(|s| s.range.as_ref()).map(Json))
        .bind(
            suspects
                .and_then(|s| s.suspects_reason)
                .map(SuspectsReason::as_str),
        )
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn suspect(
    tx: &mut PgConnection,
    series: &Series,
    (suspected_at, first_recent): (i64, i64),
    finding: &Finding,
    kind: EventKind,
) -> Result<(), sqlx::Error> {
    // The kind is written with the suspicion: a leak is one from the start (a change of share
    // may still turn out a cost shift at its confirmation).
    let query = sqlx::query(
        "insert into regression_event (app_name, profile_type, function_name, state, \
             suspected_at, first_recent, changed_at, before_percent, after_percent, \
             delta_percent, delta_low, delta_high, p_value, cost_ratio, process_cost_percent, \
             leak, kind) \
         values ($1, $2, $3, 'suspected', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16) \
         on conflict (app_name, profile_type, function_name, suspected_at) do nothing",
    )
    .bind(series.app.as_str())
    .bind(series.profile_type.as_str())
    .bind(&finding.function)
    .bind(suspected_at)
    .bind(first_recent);
    with_finding(query, finding)
        .bind(kind.as_str())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// `query` with the numbers of `finding` bound after what it has: change point, before and
/// after shares, delta, its interval and p-value, the cost ratio and the process's extra cost
/// (docs/regressions.md; null when unbounded) and a leak's fitted line
/// (docs/regressions.md#memory-that-only-grows), in the order every statement here names their
/// columns.
fn with_finding<'q>(
    query: Query<'q, Postgres, PgArguments>,
    finding: &Finding,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(finding.changed_at)
        .bind(finding.before_percent)
        .bind(finding.after_percent)
        .bind(finding.delta_percent)
        .bind(finding.low)
        .bind(finding.high)
        .bind(finding.p_value)
        .bind(finding.cost_ratio())
        .bind(finding.process_cost_percent())
        .bind(finding.leak.clone().map(Json))
}

/// What caused a notification, for operators reading the outbox.
fn subject(change: &Change) -> String {
    match change {
        Change::Confirmed(c) => format!("regression:{}:confirmed", c.id),
        Change::Resolved { id, .. } => format!("regression:{id}:resolved"),
        Change::Settled { id, .. } => format!("regression:{id}:settled"),
        Change::Remeasured { id, .. } => format!("regression:{id}:remeasured"),
        Change::WentAway { id, .. } => format!("regression:{id}:went_away"),
        Change::Suspected { finding, .. } => format!("regression:{}", finding.function),
    }
}
