//! The label names of some series, and their values over time (`SelectSeries`): what the
//! client reads besides flame graphs to know how many profiles a window merged.

use tokio::time::Instant;

use super::{decode, modern, PyroscopeClient};
use pf_formats::formats::pyroscope_api::{
    LabelNamesRequest, LabelNamesResponse, ProfileTypesRequest, ProfileTypesResponse,
    SelectSeriesRequest, SelectSeriesResponse, Series,
};
use pf_infra::sor::SorError;
use pf_model::TimeWindow;

/// `LabelNames`, `SelectSeries` and `ProfileTypes` (modern API only).
const LABEL_NAMES: &str = "LabelNames";
const SELECT_SERIES: &str = "SelectSeries";
const PROFILE_TYPES: &str = "ProfileTypes";

/// What a `SelectSeries` call asks for.
#[derive(Debug, Clone)]
pub struct SeriesAsked<'a> {
    pub type_id: &'a str,
    pub selector: String,
    pub window: TimeWindow,
    pub group_by: Vec<String>,
    /// The step, in seconds.
    pub step_secs: i64,
}

/// One profile of a series: its time (epoch ms) and the sum of its values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfilePoint {
    pub time_ms: i64,
    pub value: f64,
}

impl PyroscopeClient {
    /// The profile-type IDs of the whole fleet in `window` (`ProfileTypes`), sorted;
    /// `NotImplemented` from a server without the method.
    pub async fn fleet_type_ids(
        &self,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<Vec<String>, SorError> {
        let url = self.endpoint(&[modern::SERVICE, PROFILE_TYPES]);
        let mut ids = Vec::new();
        for piece in self.pieces(window).windows {
            let body = ProfileTypesRequest {
                start: piece.from.saturating_mul(1000),
                end: piece.to.saturating_mul(1000),
            };
            let bytes = self
                .fetch_optional(PROFILE_TYPES, deadline, || {
                    self.connect_post(url.clone()).json(&body)
                })
                .await?;
            let answer = decode::<ProfileTypesResponse>(&bytes, "ProfileTypes answer")?;
            ids.extend(answer.profile_types.into_iter().map(|t| t.id));
        }
        ids.retain(|id| !id.is_empty());
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// The label names of the series `matchers` select in `window`, sorted; `NotImplemented`
    /// from a server without the method.
    pub async fn label_names(
        &self,
        matchers: Vec<String>,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<Vec<String>, SorError> {
        let url = self.endpoint(&[modern::SERVICE, LABEL_NAMES]);
        let mut names = Vec::new();
        for piece in self.pieces(window).windows {
            let body = LabelNamesRequest {
                matchers: matchers.clone(),
                start: piece.from.saturating_mul(1000),
                end: piece.to.saturating_mul(1000),
            };
            let bytes = self
                .fetch_optional(LABEL_NAMES, deadline, || {
                    self.connect_post(url.clone()).json(&body)
                })
                .await?;
            names.extend(decode::<LabelNamesResponse>(&bytes, "LabelNames answer")?.names);
        }
        names.retain(|n| !n.is_empty());
        names.sort_unstable();
        names.dedup();
        Ok(names)
    }

    /// The series `asked` names, each step's point the sum of the values of the profiles
    /// timed in it. Pyroscope stamps a step at its right edge and fills it with the profiles in
    /// `(stamp − step, stamp]`, from `start − step` on; so the call asks for the window moved
    /// back by a millisecond and drops the first step's point: what remains holds exactly the
    /// profiles timed in `[from, to)`, as a flame graph of the window does.
    pub async fn select_series(
        &self,
        asked: &SeriesAsked<'_>,
        deadline: Instant,
    ) -> Result<Vec<Series>, SorError> {
        // Pieces are whole hours long, so whole steps (a step divides an hour: a second, a
        // slice) and each step lies in one of them.
        let mut all: Vec<Series> = Vec::new();
        for piece in self.pieces(asked.window).windows {
            for series in self.select_series_of(asked, piece, deadline).await? {
                match all.iter_mut().find(|s| s.labels == series.labels) {
                    Some(kept) => kept.points.extend(series.points),
                    None => all.push(series),
                }
            }
        }
        for series in &mut all {
            series.points.sort_by_key(|p| p.timestamp);
        }
        Ok(all)
    }

    /// [`PyroscopeClient::select_series`] in a window within Pyroscope's limits: one call.
    async fn select_series_of(
        &self,
        asked: &SeriesAsked<'_>,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<Vec<Series>, SorError> {
        let url = self.endpoint(&[modern::SERVICE, SELECT_SERIES]);
        let start = window.from.saturating_mul(1000) - 1;
        let end = window.to.saturating_mul(1000) - 1;
        let body = SelectSeriesRequest {
            profile_type_id: asked.type_id.to_owned(),
            label_selector: asked.selector.clone(),
            start,
            end,
            group_by: asked.group_by.clone(),
            step: asked.step_secs as f64,
            ..SelectSeriesRequest::default()
        };
        let bytes = self
            .fetch_optional(SELECT_SERIES, deadline, || {
                self.connect_post(url.clone()).json(&body)
            })
            .await?;
        let mut series = decode::<SelectSeriesResponse>(&bytes, "SelectSeries answer")?.series;
        for s in &mut series {
            s.points
                .retain(|p| p.timestamp > start && p.timestamp <= end);
        }
        series.retain(|s| !s.points.is_empty());
        Ok(series)
    }
}

/// The profiles of one series as `SelectSeries` gives them at a one-second step: one point per
/// profile (two profiles of one series within a second would read as one).
pub fn profile_points(series: &Series) -> Vec<ProfilePoint> {
    series
        .points
        .iter()
        .map(|p| ProfilePoint {
            time_ms: p.timestamp,
            value: p.value,
        })
        .collect()
}
