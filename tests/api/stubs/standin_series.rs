//! The stand-in's `SelectSeries`, as Pyroscope's read path answers it: each profile one raw
//! point (its time, the sum of its values), points grouped by the `group_by` labels alone (a
//! group may hold many series), and each step's point the **sum** of the group's points in
//! `(stamp − step, stamp]`, stamped at the step's right edge from `start` on; the profiles read
//! reach back to `start − step`. The aggregation asked for is not applied: the v2 read path
//! (the default storage from 1.14 on, `pkg/querybackend/query_time_series.go`) always sums.

use std::collections::BTreeMap;

use pf_formats::formats::pyroscope_api::{
    LabelPair, Point, SelectSeriesRequest, SelectSeriesResponse, Series as WireSeries,
};

use super::standin_connect::Fault;
use super::standin_select::{ProfileTypeId, Selector};
use super::standin_store::Store;

/// `SelectSeries` over `store`.
pub fn select_series(
    store: &Store,
    request: SelectSeriesRequest,
) -> Result<SelectSeriesResponse, Fault> {
    let (start, end) = (request.start, request.end);
    if start == 0 || end == 0 {
        return Err(Fault::invalid("missing time range in the query"));
    }
    if start > end {
        return Err(Fault::invalid("query start time is after end time"));
    }
    let step = (request.step * 1000.0).round() as i64;
    if step < 1 {
        return Err(Fault::invalid("step must be >= 1ms"));
    }
    let ty = ProfileTypeId::parse(&request.profile_type_id).map_err(Fault::invalid)?;
    let picked = Selector::parse(&request.label_selector)
        .map_err(|e| {
            Fault::invalid(format!(
                "parsing label selector {:?}: {e}",
                request.label_selector
            ))
        })?
        .and(ty.selector());
    // Group labels → step stamp → the step's sum.
    let mut groups: BTreeMap<BTreeMap<String, String>, BTreeMap<i64, f64>> = BTreeMap::new();
    for series in store.series(start - step, end + 1) {
        if !picked.matches(&series.labels) {
            continue;
        }
        let t = series.kept.time_ms;
        if t <= start - step || t > end {
            continue;
        }
        // The first stamp at or after t: start + i·step ≥ t.
        let i = (t - start + step - 1).div_euclid(step);
        let stamp = start + i * step;
        if stamp > end {
            continue;
        }
        let value: i64 = series
            .kept
            .samples
            .iter()
            .filter_map(|&s| series.kept.profile.sample.get(s))
            .map(|s| s.value.get(series.value).copied().unwrap_or(0))
            .sum();
        let key: BTreeMap<String, String> = request
            .group_by
            .iter()
            .filter_map(|name| {
                series
                    .labels
                    .get(name)
                    .map(|value| (name.clone(), value.clone()))
            })
            .collect();
        *groups.entry(key).or_default().entry(stamp).or_default() += value as f64;
    }
    let mut series: Vec<WireSeries> = groups
        .into_iter()
        .map(|(labels, points)| WireSeries {
            labels: labels
                .into_iter()
                .map(|(name, value)| LabelPair { name, value })
                .collect(),
            points: points
                .into_iter()
                .map(|(timestamp, value)| Point {
                    value,
                    timestamp,
                    ..Point::default()
                })
                .collect(),
        })
        .collect();
    if let Some(limit) = request.limit.filter(|&l| l > 0) {
        // `TopSeries`: the series with the largest sums of their points, largest first.
        let sum = |s: &WireSeries| s.points.iter().map(|p| p.value).sum::<f64>();
        series.sort_by(|a, b| sum(b).total_cmp(&sum(a)));
        series.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(SelectSeriesResponse { series })
}
