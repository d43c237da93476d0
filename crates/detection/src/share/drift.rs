//! Seeded processes profiled the way agents profile them: one profile per period, each window
//! starting where the last ended, so the windows drift against the watcher's slice grid and
//! some slices hold no profile and some two. A deploy stops one process and starts the next
//! after a gap. Slices are summed from the profiles whose start lies in them (every profile
//! counted once), and the detector runs after every slice that holds one, with the history
//! the watcher passes it: the summaries of the last `history_slices()` slices in time.

use super::simulation::{stat, SplitMix};
use super::simulation_store::Store;
use super::{examine, DetectorSettings};
use pf_model::trend::SliceSummary;

/// Start of the simulated time, epoch seconds (2024-01-01 00:00 UTC).
const EPOCH: i64 = 1_704_067_200;

/// One process: the true self shares of its functions (fractions; the rest of the profile is
/// in functions never kept) and the code it runs.
#[derive(Debug, Clone)]
pub(super) struct Process {
    pub(super) shares: Vec<f64>,
    pub(super) version: &'static str,
}

/// How a fleet of one app is profiled and deployed.
#[derive(Debug, Clone)]
pub(super) struct Profiling {
    /// Function names, one per share of each process.
    pub(super) names: Vec<String>,
    /// The processes in turn, each running `run_secs` of them.
    pub(super) processes: Vec<(Process, f64)>,
    /// The nominal profile period, seconds (10 for the agents).
    pub(super) period: f64,
    /// Each window runs this much longer than the period, drawn uniformly in [0, drift]:
    /// what a program's own loop and the writing of the profile add.
    pub(super) drift: f64,
    /// A deploy's gap between one process's last profile and the next one's first, drawn
    /// uniformly in [0, gap] seconds.
    pub(super) gap: f64,
    /// Samples a second of profile holds (100 Hz of one busy core).
    pub(super) rate: f64,
    /// σ of the overdispersion of each profile's mix, share × exp(σ·N(0,1)).
    pub(super) jitter: f64,
    /// Each profile's samples are scaled by a uniform draw in [1 − load, 1]: the share of the
    /// core another process takes.
    pub(super) load: f64,
}

/// One profile: its start (epoch seconds, fractional) and counts.
struct Profile {
    start: f64,
    total: u64,
    counts: Vec<u64>,
    version: &'static str,
}

impl Profiling {
    /// Every profile of the run, in time order, from a random phase against the grid.
    fn profiles(&self, rng: &mut SplitMix) -> Vec<Profile> {
        let mut at = EPOCH as f64 + 3_600.0 * rng.uniform();
        let mut profiles = Vec::new();
        for (i, (process, run_secs)) in self.processes.iter().enumerate() {
            if i > 0 {
                at += self.gap * rng.uniform();
            }
            // A process runs `run_secs`: its last window is cut short when it stops.
            let end = at + run_secs;
            while at < end - 0.5 {
                let length = (self.period + self.drift * rng.uniform()).min(end - at);
                profiles.push(self.profile(rng, process, at, length));
                at += length;
            }
        }
        profiles
    }

    fn profile(&self, rng: &mut SplitMix, process: &Process, start: f64, length: f64) -> Profile {
        let busy = 1.0 - self.load * rng.uniform();
        let total = (self.rate * length * busy).round().max(1.0);
        let mix: Vec<f64> = process
            .shares
            .iter()
            .map(|p| p * (self.jitter * rng.normal()).exp())
            .collect();
        let scale = process.shares.iter().sum::<f64>() / mix.iter().sum::<f64>().max(1e-12);
        let counts = mix
            .iter()
            .map(|p| {
                let p = (p * scale).clamp(0.0, 1.0);
                let sd = (total * p * (1.0 - p)).sqrt();
                (total * p + sd * rng.normal()).round().clamp(0.0, total) as u64
            })
            .collect();
        Profile {
            start,
            total: total as u64,
            counts,
            version: process.version,
        }
    }

    /// The run's slices of `slice_secs`, from the first profile's to the last one's: `None`
    /// for a slice no profile starts in; each summary with the number of profiles summed.
    fn slices(
        &self,
        rng: &mut SplitMix,
        slice_secs: i64,
    ) -> Vec<(i64, Option<(SliceSummary, usize)>)> {
        let profiles = self.profiles(rng);
        let slice_of = |p: &Profile| p.start.floor() as i64 / slice_secs * slice_secs;
        let (Some(first), Some(last)) = (profiles.first(), profiles.last()) else {
            return Vec::new();
        };
        let (first, last) = (slice_of(first), slice_of(last));
        let mut slices = Vec::new();
        let mut next = profiles.iter().peekable();
        let mut start = first;
        while start <= last {
            let mut total = 0;
            let mut count = 0;
            let mut counts = vec![0u64; self.names.len()];
            let mut versions: Vec<String> = Vec::new();
            while let Some(p) = next.next_if(|p| slice_of(p) == start) {
                total += p.total;
                count += 1;
                for (sum, c) in counts.iter_mut().zip(&p.counts) {
                    *sum += c;
                }
                if !versions.iter().any(|v| v == p.version) {
                    versions.push(p.version.to_owned());
                }
            }
            let summary = (total > 0).then(|| {
                versions.sort();
                let stats = self
                    .names
                    .iter()
                    .zip(&counts)
                    .map(|(name, &count)| stat(name, count))
                    .collect();
                let summary = SliceSummary::of(start, total, versions.clone(), stats, 100);
                (summary.with_refs(versions), count)
            });
            slices.push((start, summary));
            start += slice_secs;
        }
        slices
    }
}

/// A summarized slice, and whether it held more profiles than a slice's length of them.
pub(super) struct Seen {
    pub(super) summary: SliceSummary,
    pub(super) doubled: bool,
}

/// Runs the detector after every slice that holds a profile, with the summaries of the last
/// `history_slices()` slices (in time) as its history, as the watcher does; slices without a
/// profile are not examined. Also answers the slices summarized and how many held no profile.
pub(super) fn watch(
    profiling: &Profiling,
    seed: u64,
    settings: &DetectorSettings,
) -> (Store, Vec<Seen>, usize) {
    let mut rng = SplitMix(seed);
    let slice_secs = settings.slices.slice_secs.secs();
    let reach = i64::try_from(settings.history_slices()).unwrap_or(i64::MAX) - 1;
    let per_slice = (slice_secs as f64 / profiling.period).ceil() as usize;
    let mut history: Vec<SliceSummary> = Vec::new();
    let mut seen = Vec::new();
    let mut empty = 0;
    let mut store = Store::default();
    for (k, (start, summary)) in profiling
        .slices(&mut rng, slice_secs)
        .into_iter()
        .enumerate()
    {
        let Some((summary, count)) = summary else {
            empty += 1;
            continue;
        };
        seen.push(Seen {
            summary: summary.clone(),
            doubled: count > per_slice,
        });
        history.push(summary);
        history.retain(|s| s.start >= start - reach * slice_secs);
        let changes = examine(&history, &store.open, settings);
        store.apply(k, changes);
    }
    (store, seen, empty)
}
