//! Retention of the watcher's store: whole day partitions of summaries past it are dropped,
//! and what the watcher has worked stops there (docs/profiles-over-time.md#whole-or-live):
//! a fleet answer reaching back past retention is answered live.

use sqlx::PgPool;

/// The summary partitions whose days end at or before `$1`.
const OLD: &str = "select c.relname::text from pg_inherits i \
     join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent \
     where p.relname = 'profile_summary' \
     and (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''?(-?\\d+)'))[1]::bigint <= $1";

/// Drops the summaries' days ending at or before `before`, moves every series' worked range
/// to start no earlier than it and forgets the settled backfill items before it; the names of
/// the partitions dropped.
pub(super) async fn drop_days_before(
    pool: PgPool,
    before: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(OLD)
        .bind(before)
        .fetch_all(&pool)
        .await?;
    sqlx::query("update watch_series set watched_from = $1 where watched_from < $1")
        .bind(before)
        .execute(&pool)
        .await?;
    sqlx::query("delete from watch_backfill where slice_start < $1 and state <> 'pending'")
        .bind(before)
        .execute(&pool)
        .await?;
    for name in &names {
        // Names come from the catalog, quoted as identifiers.
        let sql = format!("drop table if exists \"{}\"", name.replace('"', "\"\""));
        sqlx::query(&sql).execute(&pool).await?;
    }
    Ok(names)
}
