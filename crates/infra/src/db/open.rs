//! The database of a process: an external PostgreSQL, the embedded one (run as a supervised
//! background task), or none, in which case its stores answer 503 saying how to enable one.

use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;

use super::embedded::{EmbeddedConfig, EmbeddedError, EmbeddedPostgres};
use super::settings::DatabaseSettings;
use super::tls::TlsChoice;
use super::{admin, Database};
use crate::tasks::{StartError, TaskStatus, Tasks};

/// How long the embedded server may take to stop once asked (a fast shutdown takes a second).
const EMBEDDED_STOP_WITHIN: Duration = Duration::from_secs(10);

/// The database, its schema migrated in the background; an embedded server runs under `tasks`.
pub async fn open_database(
    settings: &DatabaseSettings,
    tasks: &mut Tasks,
) -> Result<Database, StartError> {
    let (db, embedded) = connect(settings).await?;
    if let Some(embedded) = embedded {
        supervise_embedded(tasks, embedded, db.clone());
    }
    migrate_in_background(tasks, db.clone());
    Ok(db)
}

/// Migrations as a task: retried until PostgreSQL answers, shown in `/health` until done.
fn migrate_in_background(tasks: &mut Tasks, db: Database) {
    if db.is_disabled() {
        return;
    }
    let status = Arc::new(SchemaStatus(db.clone()));
    let gate = db.clone();
    tasks.spawn(status, Duration::ZERO, |mut shutdown| async move {
        tokio::select! {
            () = db.migrate_until_done() => {}
            _ = shutdown.requested() => return,
        }
        // Stays until shutdown, so `/health` keeps showing the schema as migrated.
        shutdown.requested().await;
    });
    // The rounds of the tasks started from now on (watcher, delivery, evaluator, announcer,
    // store upkeep) begin on a migrated schema, rather than failing with 503s until it is.
    tasks.first_waiting_for(Arc::new(move || Box::pin(gate.schema_migrated())));
}

/// Whether the schema is in place yet.
struct SchemaStatus(Database);

impl TaskStatus for SchemaStatus {
    fn name(&self) -> &'static str {
        "databaseSchema"
    }

    fn state(&self) -> Result<Option<serde_json::Value>, String> {
        if self.0.schema_ready() {
            Ok(Some(serde_json::json!({ "migrated": true })))
        } else {
            Err("migrations are retried until PostgreSQL answers".to_owned())
        }
    }
}

/// The embedded server as a task: shown in `/health`, and at shutdown (after every task
/// started later, the history writer included) the pool is closed, then the server stopped.
fn supervise_embedded(tasks: &mut Tasks, embedded: EmbeddedPostgres, db: Database) {
    let status = Arc::new(EmbeddedStatus {
        port: embedded.port(),
        server: Arc::new(Mutex::new(Some(embedded))),
    });
    let server = status.server.clone();
    tasks.spawn(status, EMBEDDED_STOP_WITHIN, |mut shutdown| async move {
        shutdown.requested().await;
        // Sessions end cleanly before the server goes, rather than being cut off by it.
        db.close().await;
        let taken = server.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut embedded) = taken {
            // Blocking: it signals the server and joins its supervisor thread.
            let _ = tokio::task::spawn_blocking(move || embedded.shutdown()).await;
        }
    });
}

/// The embedded server, until it is stopped.
struct EmbeddedStatus {
    port: u16,
    server: Arc<Mutex<Option<EmbeddedPostgres>>>,
}

impl TaskStatus for EmbeddedStatus {
    fn name(&self) -> &'static str {
        "embeddedPostgres"
    }

    fn state(&self) -> Result<Option<serde_json::Value>, String> {
        let server = self.server.lock().unwrap_or_else(PoisonError::into_inner);
        match server.as_ref() {
            Some(embedded) if embedded.is_running() => {
                Ok(Some(serde_json::json!({ "port": self.port })))
            }
            Some(_) => Err(
                "the embedded PostgreSQL server is not running; it is restarted \
                            when it exits, a few times at most (see its log)"
                    .to_owned(),
            ),
            None => Err("the embedded PostgreSQL server was stopped".to_owned()),
        }
    }
}

/// External database from `DATABASE_URL` or `DB_*`; else the embedded one; else none (503s with a hint).
async fn connect(
    settings: &DatabaseSettings,
) -> Result<(Database, Option<EmbeddedPostgres>), StartError> {
    if let Some(url) = &settings.url {
        let options = PgConnectOptions::from_str(url.expose_secret()).map_err(|e| StartError {
            key: "database.url",
            reason: format!("is not a valid PostgreSQL URL: {e}"),
        })?;
        TlsChoice::of_url(url.expose_secret(), &options)
            .check(&options)
            .await?;
        return Ok((Database::connect(options, settings), None));
    }
    if let Some(host) = &settings.host {
        let mut options = PgConnectOptions::new()
            .host(host)
            .port(settings.port)
            .database(&settings.name)
            .username(&settings.user);
        if let Some(password) = &settings.password {
            options = options.password(password.expose_secret());
        }
        let (tls, options) = TlsChoice::of_settings(settings, options);
        tls.check(&options).await?;
        return Ok((Database::connect(options, settings), None));
    }
    if !settings.embedded.enabled {
        return Ok((
            Database::disabled(
                "no database is configured: set DATABASE_URL or DB_HOST (with DB_NAME, DB_USER, DB_PASSWORD), \
                 or enable the embedded PostgreSQL (database.embedded.enabled = true)",
            ),
            None,
        ));
    }
    let config = EmbeddedConfig {
        data_dir: settings.embedded.data_dir.clone(),
        bin_dir: settings.embedded.bin_dir.clone(),
        ephemeral: false,
        port: None,
    };
    let started = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&config)).await;
    let embedded = match started {
        Ok(Ok(embedded)) => embedded,
        Ok(Err(e)) => return Ok((Database::disabled(embedded_hint(&e)), None)),
        Err(e) => {
            return Ok((
                Database::disabled(format!("embedded PostgreSQL failed to start: {e}")),
                None,
            ))
        }
    };
    if let Err(e) =
        admin::create_database_if_missing(embedded.connect_options("postgres"), &settings.name)
            .await
    {
        tracing::error!(error = %e, "cannot create the embedded database");
        return Ok((
            Database::disabled(format!("embedded PostgreSQL started but {e}")),
            Some(embedded),
        ));
    }
    let db = Database::connect(embedded.connect_options(&settings.name), settings);
    Ok((db, Some(embedded)))
}

fn embedded_hint(e: &EmbeddedError) -> String {
    tracing::warn!(error = %e, "running without PostgreSQL: the database-backed routes answer 503");
    format!("PostgreSQL is not available: {e}")
}
