//! A stub Pyroscope whose profiles move with time as real ones do: the profile of any range is
//! the sum of its minutes' profiles, each minute drawn from one fixed distribution of a few Java
//! functions with overdispersion (every minute's mix wobbles, ±30 % in log terms) and
//! multinomial noise (1 000 samples a minute). Seeded and deterministic. A regression can be
//! switched on in every second hour from a given time: `HashMap.resize` then takes 3 more points
//! of each minute of those hours.
//!
//! Built on wiremock with a responder of our own (`Respond`), which reads the queried range from
//! the request body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::SELECT;

/// The functions and their true shares.
pub const FUNCTIONS: [(&str, f64); 6] = [
    ("java/util/HashMap.resize", 0.15),
    ("G1 Young Generation", 0.25),
    ("com/acme/Checkout.handle", 0.20),
    (
        "com/fasterxml/jackson/databind/ObjectMapper.readValue",
        0.15,
    ),
    ("sun/nio/ch/SocketDispatcher.read", 0.15),
    ("org/slf4j/Logger.info", 0.10),
];
/// What `HashMap.resize` is called after a rename.
pub const RENAMED: &str = "java/util/HashMap.resizeTable";
/// Samples in one minute.
pub const PER_MINUTE: u64 = 1_000;
/// The log-scale spread of each minute's mix.
const OVERDISPERSION: f64 = 0.3;

/// The minute profiles, made on first use and kept.
#[derive(Clone)]
pub struct NoisyProfiles {
    seed: u64,
    /// From this epoch second on, `HashMap.resize` gains 3 points in every second hour (the
    /// hours starting 1, 3, 5, … hours after it).
    regression_from: Option<i64>,
    /// `(from, until, points)`: in `[from, until)` (epoch seconds) `HashMap.resize` gains
    /// `points`, the others giving them up in proportion: a deploy that regressed (`until`
    /// far away) or a spike.
    step: Option<(i64, i64, f64)>,
    /// From this epoch second on, `HashMap.resize` is called [`RENAMED`] (a refactoring).
    renamed_from: Option<i64>,
    /// The log-scale spread of each minute's mix ([`OVERDISPERSION`] unless set).
    overdispersion: f64,
    /// The epoch second minutes are drawn from: minute `m` draws from `m - anchor / 60`, so a
    /// test that places its events relative to a fixed anchor sees the same noise at any hour.
    anchor: i64,
    minutes: Arc<Mutex<HashMap<i64, [u64; 6]>>>,
}

impl NoisyProfiles {
    pub fn new(seed: u64, regression_from: Option<i64>) -> Self {
        NoisyProfiles {
            seed,
            regression_from,
            step: None,
            renamed_from: None,
            overdispersion: OVERDISPERSION,
            anchor: 0,
            minutes: Arc::default(),
        }
    }

    /// The same profiles, each minute drawn by its offset from `anchor` (epoch seconds), not
    /// by its epoch minute.
    pub fn anchored_at(mut self, anchor: i64) -> Self {
        self.anchor = anchor;
        self
    }

    /// The same profiles, with `HashMap.resize` up `points` (0–100) in `[from, until)`.
    pub fn with_step(mut self, (from, until): (i64, i64), points: f64) -> Self {
        self.step = Some((from, until, points));
        self
    }

    /// The same profiles, each minute's mix spread by `overdispersion` (log scale).
    pub fn with_overdispersion(mut self, overdispersion: f64) -> Self {
        self.overdispersion = overdispersion;
        self
    }

    /// The same profiles, `HashMap.resize` renamed [`RENAMED`] from `at` on.
    pub fn with_rename(mut self, at: i64) -> Self {
        self.renamed_from = Some(at);
        self
    }

    /// Self samples of each function in minute `m` (epoch minutes).
    pub fn minute(&self, m: i64) -> [u64; 6] {
        let mut minutes = self.minutes.lock().unwrap();
        *minutes.entry(m).or_insert_with(|| self.draw(m))
    }

    /// Self samples of each function in `[from, to)`, epoch seconds on whole minutes.
    pub fn range(&self, from: i64, to: i64) -> [u64; 6] {
        let mut sum = [0; 6];
        for m in from.div_euclid(60)..to.div_euclid(60) {
            for (s, c) in sum.iter_mut().zip(self.minute(m)) {
                *s += c;
            }
        }
        sum
    }

    fn draw(&self, m: i64) -> [u64; 6] {
        let drawn = m - self.anchor.div_euclid(60);
        let mut rng = SplitMix(self.seed ^ (drawn as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let shift = self
            .regression_from
            .is_some_and(|t| m * 60 >= t && (m * 60 - t) / 3600 % 2 == 1);
        let gain = match self.step {
            Some((from, until, points)) if (from..until).contains(&(m * 60)) => points / 100.0,
            _ if shift => 0.03,
            _ => 0.0,
        };
        let mut weights: Vec<f64> = FUNCTIONS
            .iter()
            .enumerate()
            .map(|(i, (_, p))| {
                let p = match i {
                    0 => p + gain,
                    _ => p * (1.0 - gain / 0.85),
                };
                p * (self.overdispersion * rng.normal()).exp()
            })
            .collect();
        let sum: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= sum);
        // Multinomial as a chain of binomials, each by its normal approximation.
        let (mut left, mut mass, mut counts) = (PER_MINUTE as f64, 1.0, [0u64; 6]);
        for (i, w) in weights.iter().enumerate() {
            let c = if i == 5 {
                left
            } else {
                let q = (w / mass).clamp(0.0, 1.0);
                (left * q + (left * q * (1.0 - q)).sqrt() * rng.normal())
                    .round()
                    .clamp(0.0, left)
            };
            counts[i] = c as u64;
            left -= c;
            mass -= w;
        }
        counts
    }

    /// Connect flame-graph JSON of `[from, to)`: every function a child of the root.
    pub fn flame_graph(&self, from: i64, to: i64) -> Value {
        let mut counts = self.range(from, to).to_vec();
        // The renamed function's minutes go to its new name.
        let renamed = match self.renamed_from {
            Some(at) if to > at => self.range(from.max(at), to)[0],
            _ => 0,
        };
        counts[0] -= renamed;
        counts.push(renamed);
        let total: u64 = counts.iter().sum();
        let mut names = vec!["total"];
        names.extend(FUNCTIONS.iter().map(|(n, _)| *n));
        names.push(RENAMED);
        let mut level = Vec::new();
        for (i, c) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            level.extend([0, *c, *c, i as u64 + 1]);
        }
        let text = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>();
        json!({"flamegraph": {"names": names, "levels": [
            {"values": text(&[0, total, 0, 0])}, {"values": text(&level)}],
            "total": total.to_string(), "maxSelf": "0"}})
    }
}

impl Respond for NoisyProfiles {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let (Some(start), Some(end)) = (body["start"].as_i64(), body["end"].as_i64()) else {
            return ResponseTemplate::new(400);
        };
        ResponseTemplate::new(200).set_body_json(self.flame_graph(start / 1000, end / 1000))
    }
}

/// Starts the stub serving `profiles` for every app.
pub async fn start(profiles: NoisyProfiles) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SELECT))
        .respond_with(profiles)
        .mount(&server)
        .await;
    server
}

/// SplitMix64, and normal draws from it by Box–Muller.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}
