//! A stub Pyroscope of a small fleet over time, for the watcher: every app's profile of any
//! range is the sum of its minutes ([`NoisyProfiles`], one seed per app and type), the app list
//! is the same at every time, and one app changes its `version` label at a given second.
//! Calls can be slowed down, as a real Pyroscope's are.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::noisy::NoisyProfiles;
use super::{LABEL_VALUES, SELECT};

/// The fleet: its apps, who deploys when, and how slow the stub is.
#[derive(Clone)]
pub struct Fleet {
    pub apps: Vec<String>,
    /// `(app, at, before, after)`: the app's version label is `before` until `at`, then `after`.
    pub deploy: (String, i64, String, String),
    /// The version every other app carries.
    pub steady_version: String,
    /// Points `HashMap.resize` gains in the deploying app's CPU profile at its deploy (0: none).
    pub regression: f64,
    /// When the deploy is rolled back (the regression gone), if it is.
    pub rollback: Option<i64>,
    /// The log-scale spread of each minute's mix of every app (`noisy.rs`'s 0.3 by default).
    pub overdispersion: Option<f64>,
    /// `(app, from, until, points)`: a spike of `HashMap.resize` in that app's CPU profile.
    pub spike: Option<(String, i64, i64, f64)>,
    /// `(app, at)`: `HashMap.resize` renamed in that app's CPU profile from `at` on.
    pub rename: Option<(String, i64)>,
    /// `(app, from)`: Pyroscope answers 500 for that app's profiles starting at or after `from`.
    pub failing: Option<(String, i64)>,
    pub latency: Duration,
}

impl Fleet {
    /// `n` apps named `app-00`, `app-01`, …; `app-01` deploys 2.0 over 1.0 at `at`.
    pub fn of(n: usize, at: i64) -> Self {
        Fleet {
            apps: (0..n).map(|i| format!("app-{i:02}")).collect(),
            deploy: ("app-01".into(), at, "1.0".into(), "2.0".into()),
            steady_version: "7.1".into(),
            regression: 0.0,
            rollback: None,
            overdispersion: None,
            spike: None,
            rename: None,
            failing: None,
            latency: Duration::ZERO,
        }
    }

    /// The profiles of `app` for a profile-type ID (cpu and alloc differ).
    pub fn profiles(&self, app: &str, profile_type_id: &str) -> NoisyProfiles {
        let mut seed = 0x000F_1EE7_u64;
        for b in app.bytes().chain(profile_type_id.bytes().take(8)) {
            seed = seed.wrapping_mul(31).wrapping_add(u64::from(b));
        }
        // Drawn relative to the deploy, which each test places on a slice boundary relative to
        // the clock: the same test sees the same noise at any hour.
        let mut profiles = NoisyProfiles::new(seed, None).anchored_at(self.deploy.1);
        if let Some(spread) = self.overdispersion {
            profiles = profiles.with_overdispersion(spread);
        }
        if !profile_type_id.starts_with("process_cpu") {
            return profiles;
        }
        let (deployed, at, ..) = &self.deploy;
        if app == deployed && self.regression > 0.0 {
            let until = self.rollback.unwrap_or(i64::MAX);
            profiles = profiles.with_step((*at, until), self.regression);
        }
        if let Some((spiking, from, until, points)) = &self.spike {
            if app == spiking {
                profiles = profiles.with_step((*from, *until), *points);
            }
        }
        if let Some((renamed, at)) = &self.rename {
            if app == renamed {
                profiles = profiles.with_rename(*at);
            }
        }
        profiles
    }

    /// The version values of `app` in `[from, to)`, epoch seconds.
    pub fn versions(&self, app: &str, from: i64, to: i64) -> Vec<String> {
        let (deployed, at, before, after) = &self.deploy;
        if app != deployed {
            return vec![self.steady_version.clone()];
        }
        let mut v = Vec::new();
        if from < *at {
            v.push(before.clone());
        }
        if to > *at {
            v.push(after.clone());
        }
        v
    }
}

/// The app named by a selector such as `{service_name="app-01"}`.
fn app_of(selector: &str) -> Option<&str> {
    let start = selector.find("service_name=\"")? + "service_name=\"".len();
    let rest = &selector[start..];
    Some(&rest[..rest.find('"')?])
}

struct Select(Fleet);

impl Respond for Select {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let (Some(start), Some(end)) = (body["start"].as_i64(), body["end"].as_i64()) else {
            return ResponseTemplate::new(400);
        };
        let app = body["labelSelector"]
            .as_str()
            .and_then(app_of)
            .unwrap_or("");
        let id = body["profileTypeID"].as_str().unwrap_or("");
        if let Some((failing, from)) = &self.0.failing {
            if app == failing && start / 1000 >= *from {
                return ResponseTemplate::new(500).set_body_string("ingester unavailable");
            }
        }
        let profiles = self.0.profiles(app, id);
        ResponseTemplate::new(200)
            .set_body_json(profiles.flame_graph(start / 1000, end / 1000))
            .set_delay(self.0.latency)
    }
}

struct Labels(Fleet);

impl Respond for Labels {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let (from, to) = (
            body["start"].as_i64().unwrap_or(0) / 1000,
            body["end"].as_i64().unwrap_or(0) / 1000,
        );
        let names = match body["name"].as_str() {
            Some("service_name") => self.0.apps.clone(),
            Some("version") => {
                let app = body["matchers"][0].as_str().and_then(app_of).unwrap_or("");
                self.0.versions(app, from, to)
            }
            _ => Vec::new(),
        };
        ResponseTemplate::new(200)
            .set_body_json(json!({ "names": names }))
            .set_delay(self.0.latency)
    }
}

/// Starts the stub serving `fleet`.
pub async fn start(fleet: Fleet) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(Select(fleet.clone()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(Labels(fleet))
        .mount(&server)
        .await;
    server
}
