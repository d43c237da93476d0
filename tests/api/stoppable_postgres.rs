//! A PostgreSQL server of one test's own, which it can stop and start again on the same port
//! to play an outage under a running service.

use std::path::PathBuf;

use pf_infra::db::embedded::{EmbeddedConfig, EmbeddedPostgres, PASSWORD_FILE};

use crate::helpers::free_port;

/// A scratch directory under the system temp dir, traversable by the `postgres` user.
pub fn scratch_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pyroscope-functions-test-pg-{}-{label}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An embedded server on a fixed port; its files are removed when it is dropped.
pub struct StoppablePostgres {
    dir: PathBuf,
    config: EmbeddedConfig,
    running: Option<EmbeddedPostgres>,
}

impl StoppablePostgres {
    /// Initialises and starts a server in a scratch directory named after `label`.
    pub async fn start(label: &str) -> Self {
        let dir = scratch_dir(label);
        let port = free_port();
        let config = EmbeddedConfig {
            data_dir: dir.join("data"),
            bin_dir: None,
            ephemeral: true,
            port: Some(port),
        };
        let mut pg = StoppablePostgres {
            dir,
            config,
            running: None,
        };
        pg.restart().await;
        pg
    }

    /// The URL of its `postgres` database, with the superuser's password the server keeps in
    /// its data directory (there while it is stopped too).
    pub fn url(&self) -> String {
        let port = self.config.port.unwrap_or_default();
        let password = std::fs::read_to_string(self.config.data_dir.join(PASSWORD_FILE))
            .expect("the embedded server keeps its password");
        format!(
            "postgres://postgres:{}@127.0.0.1:{port}/postgres",
            password.trim()
        )
    }

    /// Its data directory (owned by the user the server runs as).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.config.data_dir
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.config.port.unwrap_or_default()
    }

    /// Its superuser's password, kept in its data directory.
    pub fn password(&self) -> String {
        let kept = std::fs::read_to_string(self.config.data_dir.join(PASSWORD_FILE))
            .expect("the embedded server keeps its password");
        kept.trim().to_owned()
    }

    /// Shuts the server down; connections to it are refused until [`Self::restart`].
    pub async fn stop(&mut self) {
        if let Some(mut pg) = self.running.take() {
            tokio::task::spawn_blocking(move || pg.shutdown())
                .await
                .unwrap();
        }
    }

    /// Starts the server again, on the same port and data.
    pub async fn restart(&mut self) {
        let config = self.config.clone();
        let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&config))
            .await
            .unwrap()
            .unwrap();
        self.running = Some(pg);
    }
}

impl Drop for StoppablePostgres {
    fn drop(&mut self) {
        // The server stops with its handle, before its files go.
        drop(self.running.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
