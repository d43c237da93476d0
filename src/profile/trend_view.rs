//! What `/trends` answers (SPEC §13), pure: an app's summaries as series aligned with the
//! listed slices, for the chosen functions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::trend::{top_by_mean, SliceSummary};
use super::{percent_of, AppName, ProfileType, TimeWindow};

/// One listed slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendSlice {
    /// Slice start, epoch seconds.
    pub start: i64,
    pub total_samples: u64,
    /// Values of the version label seen in the slice.
    pub versions: Vec<String>,
}

/// One function over the listed slices; `null` where it was not kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendSeries {
    pub function: String,
    pub self_samples: Vec<Option<u64>>,
    pub self_percent: Vec<Option<f64>>,
    pub total_samples: Vec<Option<u64>>,
}

/// Answer of `GET /trends/{appName}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"appName": "ledger", "profileType": "cpu", "sliceSeconds": 300,
    "from": 1_700_000_000, "to": 1_700_000_600,
    "slices": [{"start": 1_700_000_100, "totalSamples": 4000, "versions": ["1.4.1"]},
               {"start": 1_700_000_400, "totalSamples": 4100, "versions": ["1.4.2"]}],
    "series": [{"function": "java/util/regex/Pattern.compile", "selfSamples": [16, 189],
                "selfPercent": [0.4, 4.609756], "totalSamples": [16, 189]}]}))]
pub struct Trends {
    pub app_name: String,
    pub profile_type: ProfileType,
    pub slice_seconds: i64,
    pub from: i64,
    pub to: i64,
    /// Only summarized slices, oldest first.
    pub slices: Vec<TrendSlice>,
    pub series: Vec<TrendSeries>,
}

/// Which functions a trend shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TrendPick {
    Named(Vec<String>),
    Top(usize),
}

/// The trend of `summaries` (one series, oldest first) in `window`, for the `pick`ed functions.
pub fn trends_of(
    (app, profile_type, slice_seconds): (AppName, ProfileType, i64),
    window: TimeWindow,
    summaries: Vec<SliceSummary>,
    pick: TrendPick,
) -> Trends {
    let functions = match pick {
        TrendPick::Named(names) => names,
        TrendPick::Top(limit) => top_by_mean(&summaries, limit)
            .into_iter()
            .map(|(name, _)| name)
            .collect(),
    };
    Trends {
        app_name: app.into_inner(),
        profile_type,
        slice_seconds,
        from: window.from,
        to: window.to,
        series: functions
            .into_iter()
            .map(|f| series(&summaries, f))
            .collect(),
        slices: summaries
            .into_iter()
            .map(|s| TrendSlice {
                start: s.start,
                total_samples: s.total_samples,
                versions: s.versions,
            })
            .collect(),
    }
}

/// One function's values per slice.
fn series(summaries: &[SliceSummary], function: String) -> TrendSeries {
    let kept: Vec<_> = summaries
        .iter()
        .map(|s| s.function(&function).map(|f| (f, s.total_samples)))
        .collect();
    TrendSeries {
        self_samples: kept
            .iter()
            .map(|k| k.map(|(f, _)| f.self_samples))
            .collect(),
        self_percent: kept
            .iter()
            .map(|k| k.map(|(f, total)| percent_of(f.self_samples, total)))
            .collect(),
        total_samples: kept
            .iter()
            .map(|k| k.map(|(f, _)| f.total_samples))
            .collect(),
        function,
    }
}
