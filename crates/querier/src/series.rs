//! `SelectSeries`' points (docs/grafana.md#series): each profile's value lands in the step
//! holding its start, `[start + k·step, start + (k+1)·step)`, stamped with the step's start;
//! a step's point is the sum of its profiles' values, or their mean for `average`. `limit` keeps
//! the series of the largest totals.

use std::collections::BTreeMap;

use pf_formats::formats::pyroscope_api::{LabelPair, Point, Series, TimeSeriesAggregationType};
use pf_http::error::ApiError;

use super::request::WindowMs;

/// Most points one series may have, as Prometheus bounds a range query.
pub const MAX_POINTS: i64 = 11_000;

/// A group's labels, by name.
type Group = Vec<(String, String)>;

/// One profile's value in one group at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    pub group: Vec<(String, String)>,
    /// Epoch milliseconds.
    pub time_ms: i64,
    pub value: f64,
}

/// The step in milliseconds of `step_secs`, with at most [`MAX_POINTS`] steps in `window`.
pub fn step_ms(step_secs: f64, window: WindowMs) -> Result<i64, ApiError> {
    let invalid = |m: String| ApiError::bad_request("invalid_argument", m);
    if !step_secs.is_finite() || step_secs <= 0.0 {
        return Err(invalid(format!(
            "step {step_secs} is not a positive number of seconds"
        )));
    }
    let ms = (step_secs * 1000.0).round().max(1.0);
    let span = (window.end - window.start) as f64;
    if span / ms > MAX_POINTS as f64 {
        return Err(invalid(format!(
            "step {step_secs} s makes more than {MAX_POINTS} points in the window: ask for a longer step"
        )));
    }
    Ok(ms as i64)
}

/// The series of `sampled`, one per group, sorted by labels; the `limit` largest by total when
/// set.
pub fn series(
    sampled: Vec<Sampled>,
    window: WindowMs,
    step_ms: i64,
    aggregation: TimeSeriesAggregationType,
    limit: Option<usize>,
) -> Vec<Series> {
    // Per group, per step's start: the sum of the values and how many profiles gave them.
    let mut groups: BTreeMap<Group, BTreeMap<i64, (f64, u32)>> = BTreeMap::new();
    for s in sampled {
        let at = s.time_ms.clamp(window.start, window.end.saturating_sub(1));
        let k = (at - window.start) / step_ms.max(1);
        let bucket = groups
            .entry(s.group)
            .or_default()
            .entry(window.start + k * step_ms)
            .or_default();
        bucket.0 += s.value;
        bucket.1 += 1;
    }
    let mut all: Vec<(f64, Series)> = groups
        .into_iter()
        .map(|(group, buckets)| {
            let points: Vec<Point> = buckets
                .into_iter()
                .map(|(timestamp, (sum, n))| Point {
                    value: match aggregation {
                        TimeSeriesAggregationType::Sum => sum,
                        TimeSeriesAggregationType::Average => sum / f64::from(n.max(1)),
                    },
                    timestamp,
                    ..Point::default()
                })
                .collect();
            let total = points.iter().map(|p| p.value).sum();
            let labels = group
                .into_iter()
                .map(|(name, value)| LabelPair { name, value })
                .collect();
            (total, Series { labels, points })
        })
        .collect();
    if let Some(limit) = limit {
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        all.truncate(limit);
        all.sort_by(|a, b| labels_key(&a.1).cmp(&labels_key(&b.1)));
    }
    all.into_iter().map(|(_, s)| s).collect()
}

fn labels_key(s: &Series) -> Vec<(&str, &str)> {
    s.labels
        .iter()
        .map(|l| (l.name.as_str(), l.value.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(group: &str, time_ms: i64, value: f64) -> Sampled {
        Sampled {
            group: vec![("service_name".into(), group.into())],
            time_ms,
            value,
        }
    }

    #[test]
    fn values_land_in_the_step_of_their_start_summed_or_averaged() {
        let w = WindowMs {
            start: 10_000,
            end: 40_000,
        };
        let sampled = vec![
            at("a", 10_000, 1.0),
            at("a", 19_999, 3.0),
            at("a", 20_000, 5.0),
        ];
        let sum = series(
            sampled.clone(),
            w,
            10_000,
            TimeSeriesAggregationType::Sum,
            None,
        );
        let points: Vec<(i64, f64)> = sum[0]
            .points
            .iter()
            .map(|p| (p.timestamp, p.value))
            .collect();
        assert_eq!(points, [(10_000, 4.0), (20_000, 5.0)]);
        let mean = series(sampled, w, 10_000, TimeSeriesAggregationType::Average, None);
        assert_eq!(mean[0].points[0].value, 2.0);
    }

    #[test]
    fn limit_keeps_the_largest_series() {
        let w = WindowMs { start: 0, end: 10 };
        let sampled = vec![
            at("a", 1, 1.0),
            at("b", 1, 9.0),
            at("c", 1, 5.0),
            at("c", 2, 5.0),
        ];
        let top = series(sampled, w, 10, TimeSeriesAggregationType::Sum, Some(2));
        let names: Vec<&str> = top.iter().map(|s| s.labels[0].value.as_str()).collect();
        assert_eq!(names, ["b", "c"]);
    }

    #[test]
    fn steps_are_positive_and_bounded() {
        let w = WindowMs {
            start: 0,
            end: 3_600_000,
        };
        assert_eq!(step_ms(15.0, w).unwrap(), 15_000);
        assert!(step_ms(0.0, w).is_err());
        assert!(step_ms(f64::NAN, w).is_err());
        assert!(step_ms(0.001, w).is_err());
    }
}
