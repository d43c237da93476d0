//! A local PostgreSQL started and supervised from the machine's installed binaries.
//!
//! Used when no database is configured (docs/configuration.md) and by the tests. The server listens
//! on 127.0.0.1 only and trusts no one: every connection gives the superuser's password
//! (scram-sha-256), generated at the first start and kept 0600 in the data directory as
//! `superuser.password` (docs/deployment.md#the-embedded-postgresql). It is stopped when this
//! process stops: a dedicated supervisor thread owns the child, restarts it if it dies, and
//! the child gets SIGINT (fast shutdown) if that thread or this process goes away.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::PgConnectOptions;

mod setup;

use setup::{
    absolute, drop_privileges, free_port, initdb, log_tail, new_password, prepare_data_dir, run_as,
    set_password, write_hba, write_private, RunAs,
};
pub use setup::{find_binaries, EmbeddedError};

/// The file in the data directory that keeps the superuser's password (0600).
pub const PASSWORD_FILE: &str = "superuser.password";

/// How to run the embedded server.
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    /// The cluster's data directory; created with `initdb` when empty.
    pub data_dir: PathBuf,
    /// Where `initdb` and `postgres` live; searched when `None`.
    pub bin_dir: Option<PathBuf>,
    /// Trade durability for speed (tests only).
    pub ephemeral: bool,
    /// Listen on this port instead of a free one (to come back on the same address).
    pub port: Option<u16>,
}

/// A running embedded PostgreSQL. Stopping (or dropping) it shuts the server down.
pub struct EmbeddedPostgres {
    port: u16,
    password: SecretString,
    control: Arc<Control>,
    supervisor: Option<JoinHandle<()>>,
}

struct Control {
    stopping: AtomicBool,
    pid: AtomicU32,
}

const MAX_RESTARTS: u32 = 5;
const START_TIMEOUT: Duration = Duration::from_secs(60);

impl EmbeddedPostgres {
    /// Initialises the cluster if needed, starts the server and waits until it accepts connections.
    /// Blocking: call it from a blocking context.
    pub fn start(config: &EmbeddedConfig) -> Result<Self, EmbeddedError> {
        let bin_dir = find_binaries(config.bin_dir.as_deref())?;
        let run_as = run_as()?;
        let data_dir = absolute(&config.data_dir)?;
        prepare_data_dir(&data_dir, run_as)?;
        let password = superuser_password(&bin_dir, &data_dir, run_as)?;
        write_hba(&data_dir, run_as)?;
        let port = match config.port {
            Some(port) => port,
            None => free_port()?,
        };
        let log_path = data_dir.with_extension("log");
        let control = Arc::new(Control {
            stopping: AtomicBool::new(false),
            pid: AtomicU32::new(0),
        });
        let server = ServerCommand {
            postgres: bin_dir.join("postgres"),
            data_dir: data_dir.clone(),
            log_path: log_path.clone(),
            port,
            ephemeral: config.ephemeral,
            run_as,
        };
        // The first start happens on the caller's thread so errors surface here; the
        // supervisor thread then owns the child (the parent-death signal follows that thread).
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let supervisor_control = Arc::clone(&control);
        let supervisor = std::thread::Builder::new()
            .name("embedded-postgres".into())
            .spawn(move || supervise(server, supervisor_control, started_tx))
            .map_err(|e| EmbeddedError::Failed {
                step: "starting the supervisor thread",
                detail: e.to_string(),
            })?;
        let mut embedded = EmbeddedPostgres {
            port,
            password,
            control,
            supervisor: Some(supervisor),
        };
        match started_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(EmbeddedError::Failed {
                    step: "starting postgres",
                    detail: "the supervisor stopped unexpectedly".into(),
                })
            }
        }
        if let Err(e) = wait_until_ready(&data_dir, &log_path, &embedded.control) {
            embedded.shutdown();
            return Err(e);
        }
        tracing::info!(port, data_dir = %data_dir.display(), "embedded PostgreSQL is ready");
        Ok(embedded)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the server process runs now: not between a crash and its restart, nor after
    /// the supervisor gave up restarting it.
    pub fn is_running(&self) -> bool {
        self.control.pid.load(Ordering::SeqCst) != 0
    }

    /// The superuser's password (also in the data directory's [`PASSWORD_FILE`]).
    pub fn password(&self) -> &SecretString {
        &self.password
    }

    /// Options for the superuser on `database`.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("postgres")
            .password(self.password.expose_secret())
            .database(database)
    }

    /// Fast shutdown: in-flight transactions roll back, the data stays consistent.
    pub fn shutdown(&mut self) {
        self.control.stopping.store(true, Ordering::SeqCst);
        let pid = self.control.pid.load(Ordering::SeqCst);
        if pid != 0 {
            // SAFETY: sending a signal has no memory-safety preconditions.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGINT);
            }
        }
        if let Some(handle) = self.supervisor.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The superuser's password: read from the data directory, or made and kept there, at the
/// first start (initdb) or for a cluster an older version made with `trust` (its data kept).
fn superuser_password(
    bin_dir: &Path,
    data_dir: &Path,
    run_as: RunAs,
) -> Result<SecretString, EmbeddedError> {
    let file = data_dir.join(PASSWORD_FILE);
    if !data_dir.join("PG_VERSION").exists() {
        let password = new_password()?;
        initdb(bin_dir, data_dir, run_as, &password)?;
        write_private(&file, &password, run_as)?;
        return Ok(SecretString::from(password));
    }
    match fs::read_to_string(&file) {
        Ok(kept) if !kept.trim().is_empty() => return Ok(SecretString::from(kept.trim())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(EmbeddedError::Io { path: file, source }),
    }
    tracing::warn!(
        data_dir = %data_dir.display(),
        "the embedded PostgreSQL has no password (an older version made it with `trust`): \
         setting one and requiring it from now on"
    );
    let password = new_password()?;
    set_password(bin_dir, data_dir, run_as, &password)?;
    write_private(&file, &password, run_as)?;
    Ok(SecretString::from(password))
}

struct ServerCommand {
    postgres: PathBuf,
    data_dir: PathBuf,
    log_path: PathBuf,
    port: u16,
    ephemeral: bool,
    run_as: RunAs,
}

impl ServerCommand {
    fn spawn(&self) -> Result<std::process::Child, EmbeddedError> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(|source| EmbeddedError::Io {
                path: self.log_path.clone(),
                source,
            })?;
        let log_err = log.try_clone().map_err(|source| EmbeddedError::Io {
            path: self.log_path.clone(),
            source,
        })?;
        let mut cmd = Command::new(&self.postgres);
        cmd.arg("-D")
            .arg(&self.data_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "max_connections=200"]);
        if self.ephemeral {
            cmd.args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]);
        }
        cmd.current_dir(&self.data_dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        drop_privileges(&mut cmd, self.run_as, true);
        cmd.spawn().map_err(|e| EmbeddedError::Failed {
            step: "starting postgres",
            detail: e.to_string(),
        })
    }
}

/// Owns the server process: starts it, waits on it, restarts it when it dies unexpectedly.
fn supervise(
    server: ServerCommand,
    control: Arc<Control>,
    started: std::sync::mpsc::Sender<Result<(), EmbeddedError>>,
) {
    let mut restarts = 0;
    let mut first = Some(started);
    loop {
        let mut child = match server.spawn() {
            Ok(child) => child,
            Err(e) => {
                match first.take() {
                    Some(tx) => {
                        let _ = tx.send(Err(e));
                    }
                    None => tracing::error!(error = %e, "could not restart embedded PostgreSQL"),
                }
                return;
            }
        };
        control.pid.store(child.id(), Ordering::SeqCst);
        if let Some(tx) = first.take() {
            let _ = tx.send(Ok(()));
        }
        let status = child.wait();
        control.pid.store(0, Ordering::SeqCst);
        if control.stopping.load(Ordering::SeqCst) {
            return;
        }
        restarts += 1;
        if restarts > MAX_RESTARTS {
            tracing::error!(?status, "embedded PostgreSQL keeps exiting; giving up");
            return;
        }
        tracing::warn!(?status, restarts, "embedded PostgreSQL exited; restarting");
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Waits until postmaster.pid says "ready" (PostgreSQL >= 10 writes it when it accepts connections).
fn wait_until_ready(
    data_dir: &Path,
    log_path: &Path,
    control: &Control,
) -> Result<(), EmbeddedError> {
    let started = Instant::now();
    let pid_file = data_dir.join("postmaster.pid");
    while started.elapsed() < START_TIMEOUT {
        if let Ok(contents) = fs::read_to_string(&pid_file) {
            if contents.lines().nth(7).is_some_and(|l| l.trim() == "ready") {
                return Ok(());
            }
        }
        if control.pid.load(Ordering::SeqCst) == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(EmbeddedError::Failed {
        step: "waiting for postgres to accept connections",
        detail: log_tail(log_path),
    })
}
