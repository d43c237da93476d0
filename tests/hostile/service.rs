//! The release build under an address-space limit, watched: its peak resident memory from
//! `/proc/<pid>/status` (`VmHWM`), and `/health/live` asked every 200 ms with a one-second
//! timeout for as long as it runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The manifests' memory limit, which the service's defaults must keep under (SPEC §34).
pub const RESIDENT_BOUND_KIB: u64 = 512 * 1024;

/// The address space the process may map: past it an allocation fails and the process aborts,
/// so a leak shows as a crash, not as a slow machine. Virtual, not resident: glibc reserves
/// 64 MiB of address space per arena and each thread a stack.
const ADDRESS_SPACE_BYTES: u64 = 4 << 30;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The release build of the service, built (or found fresh) by cargo once per run.
pub fn release_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(&cargo)
            .args([
                "build",
                "--release",
                "--quiet",
                "--bin",
                "pyroscope-functions",
            ])
            .current_dir(root())
            .status()
            .unwrap_or_else(|e| panic!("{cargo} build --release could not start: {e}"));
        assert!(status.success(), "cargo build --release failed: {status}");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root().join("target"), PathBuf::from);
        target.join("release/pyroscope-functions")
    })
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// What the prober saw of `/health/live`.
#[derive(Default)]
struct Liveness {
    asked: AtomicU64,
    slowest_millis: AtomicU64,
    failures: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// The service, running.
pub struct Service {
    child: Child,
    pub address: String,
    pub client: reqwest::Client,
    live: Arc<Liveness>,
}

impl Service {
    /// Starts the release build under `prlimit --as` with `env`, its log in `log`, and waits
    /// until it is ready (on another port when another process took the one it was given).
    pub async fn start(env: &[(&str, String)], log: &Path) -> Service {
        for _ in 0..3 {
            if let Some(service) = Service::try_start(env, log).await {
                return service;
            }
        }
        panic!("no free port for the service: {}", tail(log));
    }

    async fn try_start(env: &[(&str, String)], log: &Path) -> Option<Service> {
        let port = free_port();
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--as={ADDRESS_SPACE_BYTES}"))
            .arg("--")
            .arg(release_binary())
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .env_remove("PYROSCOPE_URL")
            .env_remove("DATABASE_URL")
            .env_remove("API_TOKENS")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("the service's log"));
        for (name, value) in env {
            command.env(name, value);
        }
        // prlimit sets the limit on itself and executes the service: the child is the service.
        let child = command
            .spawn()
            .expect("prlimit (util-linux) runs the service");
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("a client");
        let mut service = Service {
            child,
            address,
            client,
            live: Arc::default(),
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Ok(res) = service
                .client
                .get(service.url("/health/ready"))
                .send()
                .await
            {
                if res.status().is_success() {
                    break;
                }
            }
            if let Ok(Some(status)) = service.child.try_wait() {
                if tail(log).contains("Address already in use") {
                    return None;
                }
                panic!("the service ended at start ({status}): {}", tail(log));
            }
            assert!(Instant::now() < deadline, "not ready: {}", tail(log));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        service.watch_liveness();
        Some(service)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks `/health/live` every 200 ms, each within a second, until the service stops.
    fn watch_liveness(&self) {
        let (live, url) = (self.live.clone(), self.url("/health/live"));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()
            .expect("a client");
        tokio::spawn(async move {
            while !live.stop.load(Ordering::Relaxed) {
                let asked = Instant::now();
                let outcome = client.get(&url).send().await;
                let took = asked.elapsed();
                live.asked.fetch_add(1, Ordering::Relaxed);
                live.slowest_millis
                    .fetch_max(took.as_millis() as u64, Ordering::Relaxed);
                let failure = match outcome {
                    Ok(res) if res.status() == 200 => None,
                    Ok(res) => Some(format!("{} after {took:?}", res.status())),
                    Err(e) => Some(format!("{e} after {took:?}")),
                };
                if let Some(failure) = failure {
                    if !live.stop.load(Ordering::Relaxed) {
                        live.failures.lock().unwrap().push(failure);
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
    }

    /// The peak resident memory so far (`VmHWM`), KiB; panics when the process has ended.
    pub fn peak_resident_kib(&mut self) -> u64 {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("the service ended: {status}");
        }
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("the service's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }

    /// Asserts that the process is up, `/health/live` answered every time within a second, and
    /// the peak resident memory is under [`RESIDENT_BOUND_KIB`]; returns the peak.
    pub fn assert_sound(&mut self, after: &str) -> u64 {
        let peak = self.peak_resident_kib();
        let failures = self.live.failures.lock().unwrap().clone();
        let slowest = self.live.slowest_millis.load(Ordering::Relaxed);
        let asked = self.live.asked.load(Ordering::Relaxed);
        eprintln!("after {after}: VmHWM {peak} KiB; /health/live asked {asked} times, slowest {slowest} ms");
        assert!(
            failures.is_empty(),
            "after {after}: /health/live failed {} times: {failures:?}",
            failures.len()
        );
        assert!(
            slowest < 1000,
            "after {after}: /health/live took {slowest} ms"
        );
        assert!(
            peak < RESIDENT_BOUND_KIB,
            "after {after}: the peak resident memory is {peak} KiB"
        );
        peak
    }

    /// Stops the service with SIGTERM and waits for it (SIGKILL after 40 s).
    pub async fn stop(mut self) {
        self.live.stop.store(true, Ordering::Relaxed);
        // SAFETY: sends a signal to our own child.
        unsafe {
            libc::kill(self.pid() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    /// SIGTERM first, so that the service stops its embedded PostgreSQL; SIGKILL after 10 s.
    fn drop(&mut self) {
        self.live.stop.store(true, Ordering::Relaxed);
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: sends a signal to our own child.
            unsafe {
                libc::kill(self.pid() as libc::pid_t, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last lines of a log, for a failure's message.
pub fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A small tmpfs of its own, unmounted when dropped: a volume the test can fill.
pub struct SmallVolume {
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallVolume {
    pub fn mount(bytes: u64) -> SmallVolume {
        let dir = tempfile::tempdir().expect("a directory to mount on");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a {bytes}-byte tmpfs failed ({status}): the hostile tests fill a small \
             volume of their own and need root (or CAP_SYS_ADMIN) to mount it"
        );
        SmallVolume {
            path: dir.path().to_path_buf(),
            _dir: dir,
        }
    }

    /// Bytes free for an unprivileged writer, and the volume's size.
    pub fn free_and_size(&self) -> (u64, u64) {
        let out = Command::new("df")
            .args(["-B1", "--output=avail,size"])
            .arg(&self.path)
            .output()
            .expect("df runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let numbers: Vec<u64> = text
            .lines()
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        (numbers[0], numbers[1])
    }

    /// Fills the volume until `percent` of it is free; the filler's path.
    pub fn fill_until_free(&self, percent: f64) -> PathBuf {
        let (free, size) = self.free_and_size();
        let keep = (size as f64 * percent / 100.0) as u64;
        let filler = self.path.join(".filler");
        let status = Command::new("fallocate")
            .args(["-l", &free.saturating_sub(keep).to_string()])
            .arg(&filler)
            .status()
            .expect("fallocate runs");
        assert!(status.success(), "fallocate: {status}");
        filler
    }
}

impl Drop for SmallVolume {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}
