//! A window of in-use snapshots (docs/runtimes.md). Memory held is a state, not a count: ten
//! snapshots of the same 100 MB are 100 MB, not 1 GB. Each file of a window counts for the time it
//! covers (its pprof duration; an instant counts as one second) over the time the window's files
//! cover together, so one source's snapshots average, and sources that run side by side add up.

use pf_model::saturate;
use pf_pprof::Weight;

const NANOS: i64 = 1_000_000_000;

/// Each file's weight in its window, given each file's time and pprof duration (nanoseconds):
/// its share of the mean for snapshots, else one.
pub fn weights(files: impl Iterator<Item = (i64, i64)>, snapshots: bool) -> Vec<Weight> {
    let files: Vec<(i64, i64)> = files.collect();
    if snapshots {
        snapshot_weights(&files)
    } else {
        vec![Weight::ONE; files.len()]
    }
}

/// The weight of each of `files` (time, duration; in order) in their window's mean.
fn snapshot_weights(files: &[(i64, i64)]) -> Vec<Weight> {
    let spans: Vec<(i64, i64)> = files
        .iter()
        .map(|&(time, duration)| span(time, duration))
        .collect();
    let covered = covered(spans.clone()).max(1);
    spans
        .iter()
        .map(|(start, end)| Weight {
            num: saturate(end - start),
            den: saturate(covered),
        })
        .collect()
}

/// The in-use level of a window read from Pyroscope, which keeps each snapshot's time and
/// value but not how long it stood: each series' snapshots (time in nanoseconds, value), each
/// standing until that series' next one (its last one as long as the series' median interval,
/// a lone one a second, as a file without a duration), weighed as [`weights`] weighs files:
/// its time over the time all of them cover. So one series' snapshots average, series that run
/// side by side add up, and series that follow one another (a deploy) average by the time each
/// ran: what the same snapshots pushed to the service give when each push covers its interval.
pub fn level_of_series(series: &[Vec<(i64, f64)>]) -> f64 {
    let mut spans: Vec<(i64, i64)> = Vec::new();
    let mut weighted = 0.0;
    for points in series {
        let mut points = points.clone();
        points.sort_by_key(|&(t, _)| t);
        let mut gaps: Vec<i64> = points
            .windows(2)
            .map(|w| w[1].0.saturating_sub(w[0].0))
            .collect();
        let last = match gaps.len() {
            0 => NANOS,
            n => {
                gaps.sort_unstable();
                gaps[n / 2].max(1)
            }
        };
        for (i, &(time, value)) in points.iter().enumerate() {
            let end = points
                .get(i + 1)
                .map_or(time.saturating_add(last), |next| next.0);
            spans.push((time, end));
            weighted += value * (end - time) as f64;
        }
    }
    match covered(spans) {
        0 => 0.0,
        covered => weighted / covered as f64,
    }
}

/// `[time, time + duration)` of a file in nanoseconds, one second long when it has no duration.
fn span(time_nanos: i64, duration_nanos: i64) -> (i64, i64) {
    let length = match duration_nanos {
        d if d > 0 => d,
        _ => NANOS,
    };
    (time_nanos, time_nanos.saturating_add(length))
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
    use super::{covered, level_of_series};

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

    #[test]
    fn series_side_by_side_add_up_and_series_in_turn_average_by_their_time() {
        let every = |from: i64, step: i64, n: i64, value: f64| -> Vec<(i64, f64)> {
            (0..n).map(|k| ((from + k * step) * S, value)).collect()
        };
        // One series: six snapshots of 96 MiB are 96 MiB.
        let mib = 1024.0 * 1024.0;
        assert_eq!(level_of_series(&[every(0, 10, 6, 96.0 * mib)]), 96.0 * mib);
        // Two pods side by side, one sending twice as often: 30 + 50.
        let pods = [every(0, 10, 6, 30.0), every(0, 5, 12, 50.0)];
        assert_eq!(level_of_series(&pods), 80.0);
        // A deploy: 40 for the first 30 s, then 60 for 30 s, by another series: 50.
        let deploy = [every(0, 10, 3, 40.0), every(30, 10, 3, 60.0)];
        assert_eq!(level_of_series(&deploy), 50.0);
        // A lone snapshot stands a second; nothing is nothing.
        assert_eq!(level_of_series(&[vec![(7 * S, 5.0)]]), 5.0);
        assert_eq!(level_of_series(&[]), 0.0);
    }
}
