//! What `/trends` answers (docs/profiles-over-time.md), pure: an app's summaries as series aligned
//! with the listed slices, for the chosen functions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use std::borrow::Cow;
use std::collections::HashMap;

use super::trend::mean_shares;
use crate::{percent_of, AppName, ProfileType, Slices, TimeWindow};

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

/// What a trend is asked for: `app`'s summaries of `profile_type` in `window` as series of
/// the `pick`ed functions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrendQuery {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub window: TimeWindow,
    pub pick: TrendPick,
}

/// One stored summary as a trend reads it: its functions still as their JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSlice {
    /// Slice start, epoch seconds.
    pub start: i64,
    pub total_samples: u64,
    pub versions: Vec<String>,
    /// Values of `service_git_ref` seen in the slice.
    pub refs: Vec<String>,
    /// `[[name, selfSamples, totalSamples], …]`, as the watcher stores it.
    pub functions: String,
}

/// A kept function read from the stored text, its name borrowed from it where it can be.
#[derive(Deserialize)]
struct Kept<'a>(#[serde(borrow)] Cow<'a, str>, u64, u64);

/// The trend of `slices` (one series, oldest first) in `window`, for the `pick`ed functions:
/// `Top(n)` the `n` highest mean self shares over the slices, a slice where a function was
/// not kept counting 0 (ties by name). Reads each slice's functions once, without copying a
/// name that is not shown: a day of summaries is 28 800 of them.
///
/// # Errors
/// A slice whose functions are not the stored JSON.
pub fn trends_of(
    app: AppName,
    profile_type: ProfileType,
    grid: Slices,
    window: TimeWindow,
    slices: Vec<StoredSlice>,
    pick: TrendPick,
) -> Result<Trends, serde_json::Error> {
    let kept: Vec<Vec<Kept>> = slices
        .iter()
        .map(|s| serde_json::from_str(&s.functions))
        .collect::<Result<_, _>>()?;
    let names = match pick {
        TrendPick::Named(names) => names,
        TrendPick::Top(limit) => top_of(&slices, &kept, limit),
    };
    let mut columns: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        columns.entry(name.as_str()).or_default().push(i);
    }
    let empty = |n: usize| TrendSeries {
        function: String::new(),
        self_samples: vec![None; n],
        self_percent: vec![None; n],
        total_samples: vec![None; n],
    };
    let mut series: Vec<TrendSeries> = names
        .iter()
        .map(|name| TrendSeries {
            function: name.clone(),
            ..empty(slices.len())
        })
        .collect();
    for (row, (slice, functions)) in slices.iter().zip(&kept).enumerate() {
        for Kept(name, self_samples, total_samples) in functions {
            for &i in columns.get(name.as_ref()).into_iter().flatten() {
                let line = &mut series[i];
                if line.self_samples[row].is_none() {
                    line.self_samples[row] = Some(*self_samples);
                    line.self_percent[row] = Some(percent_of(*self_samples, slice.total_samples));
                    line.total_samples[row] = Some(*total_samples);
                }
            }
        }
    }
    Ok(Trends {
        app_name: app.into_inner(),
        profile_type,
        slice_seconds: grid.slice_secs.secs(),
        from: window.from,
        to: window.to,
        series,
        slices: slices
            .into_iter()
            .map(|s| TrendSlice {
                start: s.start,
                total_samples: s.total_samples,
                versions: s.versions,
            })
            .collect(),
    })
}

/// The `limit` functions with the highest mean self share over `slices`.
fn top_of(slices: &[StoredSlice], kept: &[Vec<Kept>], limit: usize) -> Vec<String> {
    let shares = slices.iter().zip(kept).map(|(slice, functions)| {
        let functions = functions.iter().map(|Kept(name, s, _)| (name.as_ref(), *s));
        (slice.total_samples, functions)
    });
    mean_shares(shares)
        .into_iter()
        .take(limit)
        .map(|(name, _)| name.to_owned())
        .collect()
}

#[cfg(test)]
#[path = "trend_view_tests.rs"]
mod tests;
