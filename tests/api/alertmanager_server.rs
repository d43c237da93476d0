//! A real Prometheus Alertmanager (Debian `prometheus-alertmanager`) for the tests, started on a
//! free port like PostgreSQL and killed when dropped.

use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::helpers::{eventually, free_port};

/// A running Alertmanager; killed when dropped.
pub struct Alertmanager {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> &'static str {
    for candidate in ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"] {
        if std::path::Path::new(candidate).exists() {
            return candidate;
        }
    }
    panic!("Prometheus Alertmanager is not installed: scripts/test installs it (apt-get install -y prometheus-alertmanager)");
}

/// Starts Alertmanager, routing every alert to `receiver` at once.
pub async fn start_alertmanager(receiver: &str) -> Alertmanager {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        format!(
            "route:\n  receiver: test\n  group_by: [alertname, rule_id]\n  group_wait: 0s\n  \
             group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: test\n    \
             webhook_configs:\n      - url: {receiver}\n        send_resolved: true\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let child = Command::new(binary())
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.path().display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Alertmanager starts");
    let url = format!("http://127.0.0.1:{port}");
    let alertmanager = Alertmanager {
        url,
        child,
        _dir: dir,
    };
    // 30 s: on 2 busy cores beside the other tests, its start has taken more than 10.
    eventually(30, "Alertmanager is ready", || async {
        let ready = reqwest::get(format!("{}/-/ready", alertmanager.url)).await;
        ready.is_ok_and(|r| r.status().is_success())
    })
    .await;
    alertmanager
}

pub async fn active_alerts(alertmanager: &Alertmanager) -> Vec<Value> {
    let url = format!(
        "{}/api/v2/alerts?active=true&silenced=false&inhibited=false",
        alertmanager.url
    );
    reqwest::get(url).await.unwrap().json().await.unwrap()
}
