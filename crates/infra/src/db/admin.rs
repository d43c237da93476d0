//! Cluster administration the service does itself: creating its database on first start.

use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

/// Creates `name` on the embedded server the first time the service runs.
pub async fn create_database_if_missing(admin: PgConnectOptions, name: &str) -> Result<(), String> {
    let connect = tokio::time::timeout(Duration::from_secs(10), PgConnection::connect_with(&admin));
    let mut conn = match connect.await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return Err(format!("cannot connect: {e}")),
        Err(_) => return Err("cannot connect: timed out".into()),
    };
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| format!("cannot look up database {name}: {e}"))?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        sqlx::raw_sql(&format!("create database {quoted}"))
            .execute(&mut conn)
            .await
            .map_err(|e| format!("cannot create database {name}: {e}"))?;
    }
    let _ = conn.close().await;
    Ok(())
}
