//! A window of in-use snapshots (docs/runtimes.md). Memory held is a state, not a count: ten
//! snapshots of the same 100 MB are 100 MB, not 1 GB. Each file of a window counts for the time it
//! covers (its pprof duration; an instant counts as one second) over the time the window's files
//! cover together, so one source's snapshots average, and sources that run side by side add up.

use crate::model::saturate;
use crate::pprof::Weight;
use crate::profiles::files::listed::ProfileFile;

const NANOS: i64 = 1_000_000_000;

/// Each file's weight in its window: its share of the mean for snapshots, else one.
pub fn weights<'a>(files: impl Iterator<Item = &'a ProfileFile>, snapshots: bool) -> Vec<Weight> {
    let files: Vec<&ProfileFile> = files.collect();
    if snapshots {
        snapshot_weights(&files)
    } else {
        vec![Weight::ONE; files.len()]
    }
}

/// The weight of each of `files` (in order) in their window's mean.
fn snapshot_weights(files: &[&ProfileFile]) -> Vec<Weight> {
    let spans: Vec<(i64, i64)> = files.iter().map(|f| span(f)).collect();
    let covered = covered(spans.clone()).max(1);
    spans
        .iter()
        .map(|(start, end)| Weight {
            num: saturate(end - start),
            den: saturate(covered),
        })
        .collect()
}

/// `[time, time + duration)` of a file in nanoseconds, one second long when it has no duration.
fn span(file: &ProfileFile) -> (i64, i64) {
    let length = match file.profile.duration_nanos {
        d if d > 0 => d,
        _ => NANOS,
    };
    (file.time_nanos, file.time_nanos.saturating_add(length))
}

/// The length of the union of `spans`.
fn covered(mut spans: Vec<(i64, i64)>) -> i64 {
    spans.sort_unstable();
    let mut total: i64 = 0;
    let mut reach = i64::MIN;
    for (start, end) in spans {
        let from = start.max(reach);
        if end > from {
            total = total.saturating_add(end - from);
        }
        reach = reach.max(end);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::covered;

    const S: i64 = super::NANOS;

    #[test]
    fn the_covered_time_counts_overlaps_once_and_gaps_not_at_all() {
        assert_eq!(covered(vec![(0, 10 * S), (10 * S, 20 * S)]), 20 * S);
        assert_eq!(covered(vec![(0, 10 * S), (0, 10 * S)]), 10 * S);
        assert_eq!(
            covered(vec![(0, 10 * S), (5 * S, 12 * S), (30 * S, 31 * S)]),
            13 * S
        );
        assert_eq!(covered(vec![(20 * S, 30 * S), (0, 10 * S)]), 20 * S);
        assert_eq!(covered(Vec::new()), 0);
    }
}
