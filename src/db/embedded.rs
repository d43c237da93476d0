//! A local PostgreSQL started and supervised from the machine's installed binaries.
//!
//! Used when no database is configured (SPEC §9) and by the tests. The server listens on
//! 127.0.0.1 only, trusts local connections, and is stopped when this process stops: a
//! dedicated supervisor thread owns the child, restarts it if it dies, and the child gets
//! SIGINT (fast shutdown) if that thread or this process goes away.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;

/// Why the embedded server could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("no PostgreSQL binaries found (looked for initdb and postgres in {searched}); install PostgreSQL (e.g. `apt-get install postgresql`) or set DATABASE_URL / DB_HOST")]
    BinariesNotFound { searched: String },
    #[error("running as root needs a `postgres` system user to own the embedded database")]
    NoPostgresUser,
    #[error("{step} failed: {detail}")]
    Failed { step: &'static str, detail: String },
    #[error("embedded PostgreSQL I/O error at {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

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
    control: Arc<Control>,
    supervisor: Option<JoinHandle<()>>,
}

struct Control {
    stopping: AtomicBool,
    pid: AtomicU32,
}

/// The user the server runs as: ourselves, or `postgres` when we are root.
#[derive(Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
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
        if !data_dir.join("PG_VERSION").exists() {
            initdb(&bin_dir, &data_dir, run_as)?;
        }
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

    /// Options for the superuser on `database`.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("postgres")
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

fn initdb(bin_dir: &Path, data_dir: &Path, run_as: RunAs) -> Result<(), EmbeddedError> {
    let mut cmd = Command::new(bin_dir.join("initdb"));
    cmd.arg("-D")
        .arg(data_dir)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .current_dir(data_dir)
        .stdin(Stdio::null());
    drop_privileges(&mut cmd, run_as, false);
    let output = cmd.output().map_err(|e| EmbeddedError::Failed {
        step: "initdb",
        detail: e.to_string(),
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(EmbeddedError::Failed {
            step: "initdb",
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// Runs the child as `run_as` and, for the server, asks the kernel to stop it when its parent thread dies.
fn drop_privileges(cmd: &mut Command, run_as: RunAs, die_with_parent: bool) {
    // SAFETY: geteuid/getpid are async-signal-safe and have no preconditions.
    let (euid, parent) = unsafe { (libc::geteuid(), libc::getpid()) };
    let RunAs { uid, gid } = run_as;
    // SAFETY: the closure only calls async-signal-safe libc functions between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if euid == 0
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0)
            {
                return Err(io::Error::last_os_error());
            }
            // Set after the uid change: changing credentials clears the parent-death signal.
            if die_with_parent {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    return Err(io::Error::other("parent exited before postgres started"));
                }
            }
            Ok(())
        });
    }
}

fn run_as() -> Result<RunAs, EmbeddedError> {
    // SAFETY: these calls have no preconditions.
    let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if euid != 0 {
        return Ok(RunAs {
            uid: euid,
            gid: egid,
        });
    }
    let passwd = fs::read_to_string("/etc/passwd").map_err(|source| EmbeddedError::Io {
        path: PathBuf::from("/etc/passwd"),
        source,
    })?;
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == "postgres")
        .and_then(|f| {
            Some(RunAs {
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
            })
        })
        .ok_or(EmbeddedError::NoPostgresUser)
}

/// Creates the data directory (0700, owned by the server's user) with traversable parents.
fn prepare_data_dir(data_dir: &Path, run_as: RunAs) -> Result<(), EmbeddedError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| EmbeddedError::Io { path, source }
    };
    if let Some(parent) = data_dir.parent() {
        fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    if !data_dir.exists() {
        fs::create_dir(data_dir).map_err(io_err(data_dir))?;
    }
    std::os::unix::fs::chown(data_dir, Some(run_as.uid), Some(run_as.gid))
        .map_err(io_err(data_dir))?;
    fs::set_permissions(data_dir, fs::Permissions::from_mode(0o700)).map_err(io_err(data_dir))?;
    Ok(())
}

/// The directory holding `initdb` and `postgres`: the configured one, PATH, or Debian's layout.
pub fn find_binaries(configured: Option<&Path>) -> Result<PathBuf, EmbeddedError> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(dir) = configured {
        candidates.push(dir.to_path_buf());
    } else {
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(std::env::split_paths(&path));
        }
        for root in ["/usr/lib/postgresql", "/usr/local/pgsql"] {
            let mut versions: Vec<PathBuf> = fs::read_dir(root)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path().join("bin"))
                .collect();
            // Newest major version first.
            versions.sort_by_key(|p| {
                std::cmp::Reverse(
                    p.parent()
                        .and_then(|v| v.file_name())
                        .and_then(|v| v.to_str())
                        .and_then(|v| v.parse::<u32>().ok())
                        .unwrap_or(0),
                )
            });
            candidates.extend(versions);
            candidates.push(PathBuf::from(root).join("bin"));
        }
    }
    candidates
        .iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
        .cloned()
        .ok_or_else(|| EmbeddedError::BinariesNotFound {
            searched: if configured.is_some() {
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                "PATH, /usr/lib/postgresql/*/bin, /usr/local/pgsql/bin".into()
            },
        })
}

fn absolute(path: &Path) -> Result<PathBuf, EmbeddedError> {
    std::path::absolute(path).map_err(|source| EmbeddedError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn free_port() -> Result<u16, EmbeddedError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| EmbeddedError::Failed {
            step: "finding a free port",
            detail: e.to_string(),
        })
}

/// The last few lines of the server log, for error messages.
fn log_tail(log_path: &Path) -> String {
    let mut buf = String::new();
    if let Ok(mut f) = fs::File::open(log_path) {
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(2000)));
        let _ = f.read_to_string(&mut buf);
    }
    let lines: Vec<&str> = buf.lines().collect();
    let tail = lines[lines.len().saturating_sub(5)..].join("\n");
    if tail.is_empty() {
        format!("postgres exited; see {}", log_path.display())
    } else {
        tail
    }
}
