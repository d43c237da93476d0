//! Setting a cluster up on this machine: finding the binaries, choosing the user it runs as,
//! preparing the data directory, `initdb` with a password (or a password set in a cluster
//! made without one), its pg_hba.conf, a free port, and the log for error messages.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// The user the server runs as: ourselves, or `postgres` when we are root.
#[derive(Clone, Copy)]
pub(super) struct RunAs {
    pub(super) uid: u32,
    pub(super) gid: u32,
}

/// A new cluster whose superuser `postgres` has `password` (scram-sha-256), given to initdb in
/// a file of its own beside the data directory (which must be empty), removed afterwards.
pub(super) fn initdb(
    bin_dir: &Path,
    data_dir: &Path,
    run_as: RunAs,
    password: &str,
) -> Result<(), EmbeddedError> {
    let pwfile = data_dir.with_extension("initdb-password");
    write_private(&pwfile, password, run_as)?;
    let mut cmd = Command::new(bin_dir.join("initdb"));
    cmd.arg("-D")
        .arg(data_dir)
        .args([
            "-U",
            "postgres",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .current_dir(data_dir)
        .stdin(Stdio::null());
    drop_privileges(&mut cmd, run_as, false);
    let output = cmd.output();
    let _ = fs::remove_file(&pwfile);
    succeeded("initdb", output)
}

/// Sets the superuser's password in an existing cluster with the server stopped (single-user
/// mode needs no connection, so nothing is trusted meanwhile): a cluster made with `trust` by
/// an older version.
pub(super) fn set_password(
    bin_dir: &Path,
    data_dir: &Path,
    run_as: RunAs,
    password: &str,
) -> Result<(), EmbeddedError> {
    let mut cmd = Command::new(bin_dir.join("postgres"));
    cmd.arg("--single")
        .arg("-D")
        .arg(data_dir)
        .args(["-c", "exit_on_error=on", "postgres"])
        .current_dir(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    drop_privileges(&mut cmd, run_as, false);
    let mut child = cmd.spawn().map_err(|e| EmbeddedError::Failed {
        step: "setting the superuser's password",
        detail: e.to_string(),
    })?;
    // The password is hex: nothing in it needs quoting.
    let script = format!(
        "set password_encryption = 'scram-sha-256';\nalter role postgres password '{password}';\n"
    );
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .map_err(|e| EmbeddedError::Failed {
                step: "setting the superuser's password",
                detail: e.to_string(),
            })?;
    }
    succeeded("setting the superuser's password", child.wait_with_output())
}

/// The pg_hba.conf of every embedded cluster: a password on every connection, nothing
/// trusted. Written at every start, so a cluster made by an older version with `trust` is
/// upgraded.
pub(super) fn write_hba(data_dir: &Path, run_as: RunAs) -> Result<(), EmbeddedError> {
    let hba = "# Written by pyroscope-functions at every start of its embedded PostgreSQL: every\n\
               # connection gives the password kept in superuser.password (scram-sha-256).\n\
               local all all scram-sha-256\n\
               host all all 127.0.0.1/32 scram-sha-256\n\
               host all all ::1/128 scram-sha-256\n";
    write_private(&data_dir.join("pg_hba.conf"), hba, run_as)
}

/// Writes `contents` to `path`, readable and writable by its owner `run_as` only (0600).
pub(super) fn write_private(
    path: &Path,
    contents: &str,
    run_as: RunAs,
) -> Result<(), EmbeddedError> {
    let io_err = |source| EmbeddedError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err)?;
    // Narrowed again: `mode` applies only when the file is created.
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(io_err)?;
    file.write_all(contents.as_bytes()).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    std::os::unix::fs::chown(path, Some(run_as.uid), Some(run_as.gid)).map_err(io_err)
}

/// A new password: 32 bytes from the kernel's generator, as hex.
pub(super) fn new_password() -> Result<String, EmbeddedError> {
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(|source| EmbeddedError::Io {
            path: PathBuf::from("/dev/urandom"),
            source,
        })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A step's outcome from its process's output: its stderr when it failed.
fn succeeded(
    step: &'static str,
    output: io::Result<std::process::Output>,
) -> Result<(), EmbeddedError> {
    let output = output.map_err(|e| EmbeddedError::Failed {
        step,
        detail: e.to_string(),
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(EmbeddedError::Failed {
            step,
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// Runs the child as `run_as` and, for the server, asks the kernel to stop it when its parent thread dies.
pub(super) fn drop_privileges(cmd: &mut Command, run_as: RunAs, die_with_parent: bool) {
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

pub(super) fn run_as() -> Result<RunAs, EmbeddedError> {
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
pub(super) fn prepare_data_dir(data_dir: &Path, run_as: RunAs) -> Result<(), EmbeddedError> {
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

pub(super) fn absolute(path: &Path) -> Result<PathBuf, EmbeddedError> {
    std::path::absolute(path).map_err(|source| EmbeddedError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub(super) fn free_port() -> Result<u16, EmbeddedError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| EmbeddedError::Failed {
            step: "finding a free port",
            detail: e.to_string(),
        })
}

/// The last few lines of the server log, for error messages.
pub(super) fn log_tail(log_path: &Path) -> String {
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
