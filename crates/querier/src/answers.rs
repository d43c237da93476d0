//! The querier's listings (docs/grafana.md#labels-and-series): `ProfileTypes`, `LabelNames`,
//! `LabelValues`, `Series` and `GetProfileStats`, from the series of the window's files.

use std::collections::{BTreeMap, BTreeSet};

use super::pick::{all_series, selects, SeriesLabels};
use super::request::{id_parts, selectors, WindowMs};
use super::Querier;
use pf_formats::formats::pyroscope_api::{
    GetProfileStatsRequest, GetProfileStatsResponse, LabelNamesRequest, LabelNamesResponse,
    LabelPair, LabelValuesRequest, LabelValuesResponse, Labels, ProfileType, ProfileTypesRequest,
    ProfileTypesResponse, SeriesRequest, SeriesResponse,
};
use pf_http::error::ApiError;
use pf_profile_files::label_values;

/// A type ID as Pyroscope's `ProfileType` message.
fn profile_type(id: &str) -> ProfileType {
    let [name, kind, unit, period_kind, period_unit] = id_parts(id).map(str::to_owned);
    ProfileType {
        id: id.to_owned(),
        name,
        sample_type: kind,
        sample_unit: unit,
        period_type: period_kind,
        period_unit,
    }
}

impl Querier {
    /// The window of a listing: both ends unset is all time, as Pyroscope lists without one.
    fn listing_window(&self, start: i64, end: i64) -> Result<WindowMs, ApiError> {
        if start == 0 && end == 0 {
            return Ok(WindowMs {
                start: 1,
                end: i64::MAX,
            });
        }
        WindowMs::read(start, end)
    }

    /// The type IDs of the window's files, sorted.
    pub async fn profile_types(
        &self,
        request: ProfileTypesRequest,
    ) -> Result<ProfileTypesResponse, ApiError> {
        let window = self.listing_window(request.start, request.end)?;
        self.off_thread(move |snapshot, tables| {
            let ids: BTreeSet<String> = all_series(snapshot, tables, window)
                .map(|(_, held, _)| held.id)
                .collect();
            Ok(ProfileTypesResponse {
                profile_types: ids.iter().map(|id| profile_type(id)).collect(),
            })
        })
        .await
    }

    /// The label names of the series the matchers select, sorted.
    pub async fn label_names(
        &self,
        request: LabelNamesRequest,
    ) -> Result<LabelNamesResponse, ApiError> {
        let window = self.listing_window(request.start, request.end)?;
        let selector = selectors(&request.matchers)?;
        self.off_thread(move |snapshot, tables| {
            let mut names = BTreeSet::new();
            for (file, _, labels) in all_series(snapshot, tables, window) {
                if selects(&selector, &labels) {
                    names.extend(labels.into_keys());
                    names.extend(file.profile.labels.names().map(str::to_owned));
                }
            }
            Ok(LabelNamesResponse {
                names: names.into_iter().collect(),
            })
        })
        .await
    }

    /// The values of one label on the series the matchers select, sorted.
    pub async fn label_values(
        &self,
        request: LabelValuesRequest,
    ) -> Result<LabelValuesResponse, ApiError> {
        let window = self.listing_window(request.start, request.end)?;
        let selector = selectors(&request.matchers)?;
        let name = request.name;
        self.off_thread(move |snapshot, tables| {
            let mut values = BTreeSet::new();
            for (file, _, labels) in all_series(snapshot, tables, window) {
                if !selects(&selector, &labels) {
                    continue;
                }
                if let Some(value) = labels.get(&name) {
                    values.insert(value.clone());
                } else if let Some(seen) = file.profile.labels.values(&name) {
                    values.extend(seen.map(str::to_owned));
                } else {
                    // Too many values to note with the file: read it again.
                    let once = std::iter::once(file);
                    values.extend(label_values(once, tables.limits, &name));
                }
            }
            Ok(LabelValuesResponse {
                names: values.into_iter().collect(),
            })
        })
        .await
    }

    /// The label sets of the series the matchers select (only `label_names` of each when
    /// given), each once, sorted.
    pub async fn series(&self, request: SeriesRequest) -> Result<SeriesResponse, ApiError> {
        let window = self.listing_window(request.start, request.end)?;
        let selector = selectors(&request.matchers)?;
        let wanted = request.label_names;
        self.off_thread(move |snapshot, tables| {
            let mut sets: BTreeSet<SeriesLabels> = BTreeSet::new();
            for (_, _, labels) in all_series(snapshot, tables, window) {
                if selects(&selector, &labels) {
                    let kept: BTreeMap<String, String> = labels
                        .into_iter()
                        .filter(|(n, _)| wanted.is_empty() || wanted.contains(n))
                        .collect();
                    sets.insert(kept);
                }
            }
            Ok(SeriesResponse {
                labels_set: sets
                    .into_iter()
                    .map(|set| Labels {
                        labels: set
                            .into_iter()
                            .map(|(name, value)| LabelPair { name, value })
                            .collect(),
                    })
                    .collect(),
            })
        })
        .await
    }

    /// Whether anything is kept, and the starts of the oldest and newest profiles.
    pub async fn profile_stats(
        &self,
        _request: GetProfileStatsRequest,
    ) -> Result<GetProfileStatsResponse, ApiError> {
        let snapshot = self.snapshot().await?;
        let times = snapshot
            .files
            .iter()
            .map(|f| f.time_nanos)
            .filter(|t| *t > 0);
        let (oldest, newest) =
            times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
        let timed = oldest <= newest;
        Ok(GetProfileStatsResponse {
            data_ingested: !snapshot.files.is_empty(),
            oldest_profile_time: if timed { oldest / 1_000_000 } else { 0 },
            newest_profile_time: if timed { newest / 1_000_000 } else { 0 },
        })
    }
}
