//! Seeded synthetic series for the tests; `simulation_store.rs` applies the detector's changes
//! to them the way the caller does.

pub(super) use pf_model::random::SplitMix;
use pf_model::trend::SliceSummary;
use pf_model::FunctionStat;

/// Start of slice 0 of every simulated series, epoch seconds (2024-01-01 00:00 UTC).
pub(super) const EPOCH: i64 = 1_704_067_200;

/// Function `function`'s true share is `share` (a fraction) in slices `from..until`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub(super) function: usize,
    pub(super) from: usize,
    pub(super) until: usize,
    pub(super) share: f64,
}

/// How a slice's samples are drawn from its true shares.
#[derive(Debug, Clone, Copy)]
pub(super) enum Draw {
    /// One mix per slice jittered by `Model::jitter`, 16 000–24 000 samples, binomial counts.
    Slice,
    /// As the API tests' noisy stub (`tests/api/stubs/noisy.rs`): the sum of `minutes` minutes,
    /// each its own mix jittered by `Model::jitter`, of `per_minute` samples (multinomial).
    Minutes { minutes: usize, per_minute: u64 },
}

/// Slices in a day of five-minute slices: the period of a daily swing.
pub(super) const DAY: usize = 288;

/// A mix that wanders (SPEC §36): each function's log-multiplier an AR(1) process from slice to
/// slice, zₖ = ρ·zₖ₋₁ + √(1 − ρ²)·σ·N(0,1), so that σ is each slice's deviation.
#[derive(Debug, Clone, Copy)]
pub(super) struct Wander {
    pub(super) rho: f64,
    pub(super) sigma: f64,
}

/// A daily swing (SPEC §36): `function`'s share times 1 + `amplitude`·sin(2π·(k + phase)/288),
/// the others renormalized.
#[derive(Debug, Clone, Copy)]
pub(super) struct Swing {
    pub(super) function: usize,
    pub(super) amplitude: f64,
}

/// Bursts (SPEC §36): with probability `probability` a slice has one function, drawn uniformly,
/// doing `factor` times its work.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bursts {
    pub(super) probability: f64,
    pub(super) factor: f64,
}

/// A series' true profile over time: function names, base shares, steps and versions.
#[derive(Debug, Clone)]
pub(super) struct Model {
    pub(super) names: Vec<String>,
    /// True self shares (fractions); the rest of the profile is in functions never kept.
    pub(super) shares: Vec<f64>,
    pub(super) steps: Vec<Step>,
    /// (first slice, value): the version label's value from that slice on.
    pub(super) versions: Vec<(usize, &'static str)>,
    /// σ of the overdispersion of each mix (a slice's or a minute's), share × exp(σ·N(0,1)).
    pub(super) jitter: f64,
    pub(super) draw: Draw,
    pub(super) wander: Option<Wander>,
    pub(super) swings: Vec<Swing>,
    /// Slice 0's place in the day, in slices, for the swings.
    pub(super) phase: usize,
    pub(super) bursts: Option<Bursts>,
}

/// One slice drawn: its summary and the counts of every function of the model, in its order.
pub(super) struct Drawn {
    pub(super) summary: SliceSummary,
    pub(super) total: u64,
    pub(super) counts: Vec<u64>,
}

impl Model {
    /// `n` functions `app{app}.f{i}` with shares ∝ 1/(i+1)^0.9 summing to 80 %: from a few
    /// percent down to tenths of a percent.
    pub(super) fn stable(app: usize, n: usize) -> Self {
        let weights: Vec<f64> = (0..n).map(|i| ((i + 1) as f64).powf(-0.9)).collect();
        let sum: f64 = weights.iter().sum();
        Model {
            names: (0..n).map(|i| format!("app{app}.f{i}")).collect(),
            shares: weights.iter().map(|w| 0.8 * w / sum).collect(),
            steps: Vec::new(),
            versions: vec![(0, "1.0.0")],
            jitter: 0.08,
            draw: Draw::Slice,
            wander: None,
            swings: Vec::new(),
            phase: 0,
            bursts: None,
        }
    }

    /// The stub with a daily swing (the false-alarm runs' daily model): G1 (25 %) +30 % and
    /// Logger.info (10 %) −30 % of their share over 24 h, from phase 0.
    pub(super) fn daily() -> Self {
        let mut model = Model::stub();
        model.swings = vec![
            Swing {
                function: 1,
                amplitude: 0.3,
            },
            Swing {
                function: 5,
                amplitude: -0.3,
            },
        ];
        model
    }

    /// The noisy stub's series (`tests/api/stubs/noisy.rs`, its `FUNCTIONS`): six Java
    /// functions that are the whole profile, each minute's mix jittered by 0.3, 1 000 samples
    /// a minute, five minutes a slice.
    pub(super) fn stub() -> Self {
        let functions = [
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
        Model {
            names: functions
                .iter()
                .map(|(name, _)| (*name).to_owned())
                .collect(),
            shares: functions.iter().map(|(_, share)| *share).collect(),
            steps: Vec::new(),
            versions: vec![(0, "1.0.0")],
            jitter: 0.3,
            draw: Draw::Minutes {
                minutes: 5,
                per_minute: 1_000,
            },
            wander: None,
            swings: Vec::new(),
            phase: 0,
            bursts: None,
        }
    }

    /// `stable(app, n)` scaled to 1 − `share`, with `app{app}.big` at `share`: a function that
    /// is a large part of its process. Returns the model and the big function's index.
    pub(super) fn with_big(app: usize, n: usize, share: f64) -> (Self, usize) {
        let mut model = Model::stable(app, n);
        for s in &mut model.shares {
            *s *= 1.0 - share;
        }
        let big = model.add(&format!("app{app}.big"));
        model.shares[big] = share;
        (model, big)
    }

    /// From slice `from` on, `function` does `factor` times its work and the rest of the
    /// process the same: its share b becomes f·b / (1 + (f − 1)·b), every other share (the
    /// part never kept too) is divided by 1 + (f − 1)·b.
    pub(super) fn grown(self, function: usize, factor: f64, from: usize) -> Self {
        let b = self.shares[function];
        let rest = 1.0 + (factor - 1.0) * b;
        self.reshaped(from, |i, share| match i == function {
            true => factor * b / rest,
            false => share / rest,
        })
    }

    /// From slice `from` on, `function` gains `points` (0–100) and every other function gives
    /// them up in proportion to its share, as the noisy stub's `with_step` does.
    pub(super) fn stepped(self, function: usize, points: f64, from: usize) -> Self {
        let gain = points / 100.0;
        let others = self.shares.iter().sum::<f64>() - self.shares[function];
        self.reshaped(from, |i, share| match i == function {
            true => share + gain,
            false => share * (1.0 - gain / others),
        })
    }

    /// From slice `from` on, every function `i` of base share `share` is at `share_of(i, share)`.
    fn reshaped(mut self, from: usize, share_of: impl Fn(usize, f64) -> f64) -> Self {
        let steps: Vec<Step> = (0..self.shares.len())
            .map(|i| Step {
                function: i,
                from,
                until: usize::MAX,
                share: share_of(i, self.shares[i]),
            })
            .collect();
        self.steps.extend(steps);
        self
    }

    /// Adds a function of share 0 (a name the code does not have yet); returns its index.
    pub(super) fn add(&mut self, name: &str) -> usize {
        self.names.push(name.to_owned());
        self.shares.push(0.0);
        self.shares.len() - 1
    }

    /// The true shares of slice `k`.
    fn shares_at(&self, k: usize) -> Vec<f64> {
        let mut shares = self.shares.clone();
        for step in &self.steps {
            if (step.from..step.until).contains(&k) {
                shares[step.function] = step.share;
            }
        }
        shares
    }

    /// The true shares of slice `k` with the daily swings, renormalized to their sum: what a
    /// slice's share is around (the oracle's level).
    pub(super) fn expected(&self, k: usize) -> Vec<f64> {
        let truth = self.shares_at(k);
        if self.swings.is_empty() {
            return truth;
        }
        let mut swung = truth.clone();
        let angle = 2.0 * std::f64::consts::PI * ((k + self.phase) % DAY) as f64 / DAY as f64;
        for swing in &self.swings {
            if let Some(share) = swung.get_mut(swing.function) {
                *share *= 1.0 + swing.amplitude * angle.sin();
            }
        }
        renormalized(swung, truth.iter().sum())
    }

    /// The slices `0..slices` of the series seeded `seed`, in order.
    pub(super) fn series(&self, seed: u64, slices: usize) -> Vec<Drawn> {
        let mut rng = SplitMix(seed);
        let mut wander = vec![0.0; self.shares.len()];
        if let Some(w) = self.wander {
            // From the stationary distribution.
            wander.iter_mut().for_each(|z| *z = w.sigma * rng.normal());
        }
        (0..slices)
            .map(|k| self.slice(&mut rng, &mut wander, k))
            .collect()
    }

    /// Slice `k` drawn as `draw` says, the top 100 kept, after the wander's state `wander`
    /// (advanced here). `Draw::Slice`: a total of 16 000–24 000 samples, shares jittered and
    /// renormalized to their true sum, self counts binomial by the normal approximation.
    fn slice(&self, rng: &mut SplitMix, wander: &mut [f64], k: usize) -> Drawn {
        let expected = self.expected(k);
        let sum: f64 = expected.iter().sum();
        let mut truth = expected;
        if let Some(w) = self.wander {
            let keep = (1.0 - w.rho * w.rho).sqrt() * w.sigma;
            for (share, z) in truth.iter_mut().zip(wander.iter_mut()) {
                *z = w.rho * *z + keep * rng.normal();
                *share *= z.exp();
            }
        }
        if let Some(b) = self.bursts {
            if rng.uniform() < b.probability {
                let i = ((rng.uniform() * truth.len() as f64) as usize).min(truth.len() - 1);
                truth[i] *= b.factor;
            }
        }
        let truth = renormalized(truth, sum);
        let (total, counts) = match self.draw {
            Draw::Slice => {
                let total = (16_000.0 + 8_000.0 * rng.uniform()).floor();
                let counts = self
                    .jittered(rng, &truth)
                    .into_iter()
                    .map(|p| {
                        let sd = (total * p * (1.0 - p)).sqrt();
                        (total * p + sd * rng.normal()).round().max(0.0) as u64
                    })
                    .collect();
                (total as u64, counts)
            }
            Draw::Minutes {
                minutes,
                per_minute,
            } => {
                let mut counts = vec![0; truth.len()];
                for _ in 0..minutes {
                    let mix = self.jittered(rng, &truth);
                    for (sum, count) in counts.iter_mut().zip(multinomial(rng, &mix, per_minute)) {
                        *sum += count;
                    }
                }
                (minutes as u64 * per_minute, counts)
            }
        };
        let stats = self
            .names
            .iter()
            .zip(&counts)
            .map(|(name, &count)| stat(name, count))
            .collect();
        let version = self.versions.iter().rev().find(|(from, _)| *from <= k);
        let versions = version
            .map(|(_, v)| vec![(*v).to_owned()])
            .unwrap_or_default();
        Drawn {
            summary: SliceSummary::of(start(k), total, versions, stats, 100),
            total,
            counts,
        }
    }

    /// `truth` jittered by `jitter` and renormalized to its sum, each clamped to [0, 1].
    fn jittered(&self, rng: &mut SplitMix, truth: &[f64]) -> Vec<f64> {
        let jittered: Vec<f64> = truth
            .iter()
            .map(|p| p * (self.jitter * rng.normal()).exp())
            .collect();
        let scale = truth.iter().sum::<f64>() / jittered.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        jittered
            .into_iter()
            .map(|p| (p * scale).clamp(0.0, 1.0))
            .collect()
    }
}

/// `shares` scaled to sum to `sum`, each clamped to [0, 1].
fn renormalized(shares: Vec<f64>, sum: f64) -> Vec<f64> {
    let scale = sum / shares.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    shares
        .into_iter()
        .map(|p| (p * scale).clamp(0.0, 1.0))
        .collect()
}

/// `n` samples spread over `shares` (their rest, 1 − Σ, to functions never kept) as a chain of
/// binomials, each by its normal approximation, as the stub draws them.
fn multinomial(rng: &mut SplitMix, shares: &[f64], n: u64) -> Vec<u64> {
    let (mut left, mut mass) = (n as f64, 1.0_f64);
    shares
        .iter()
        .map(|&w| {
            let q = (w / mass.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0);
            let sd = (left * q * (1.0 - q)).sqrt();
            let count = (left * q + sd * rng.normal()).round().clamp(0.0, left);
            left -= count;
            mass -= w;
            count as u64
        })
        .collect()
}

/// Start of slice `k`.
pub(super) fn start(k: usize) -> i64 {
    EPOCH + 300 * k as i64
}

/// A function with `count` self (and total) samples.
pub(super) fn stat(name: &str, count: u64) -> FunctionStat {
    FunctionStat {
        name: name.to_owned(),
        self_percent: 0.0,
        self_samples: count,
        total_samples: count,
        part_self_samples: Vec::new(),
    }
}
