//! Profile Data domain types: queries and ranked per-function statistics.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use pf_model::{
    round2, AppName, FunctionSite, FunctionStat, LabelSelector, Partial, ProfileType, TimeWindow,
};

/// One app's profile of one type over one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "appName": "checkout-service", "profileType": "cpu", "from": 1_700_000_000, "to": 1_700_003_600,
    "profileTypeId": "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
    "totalSamples": 10000, "truncatedPercent": 1.2,
    "functions": [
        {"name": "java/util/HashMap.resize", "selfPercent": 8.21, "selfSamples": 821, "totalSamples": 1200},
        {"name": "G1 Young Generation", "selfPercent": 6.5, "selfSamples": 650, "totalSamples": 650}
    ]
}))]
pub struct Profile {
    /// The app as asked for.
    pub app_name: String,
    /// The logical profile type (canonical name).
    pub profile_type: ProfileType,
    /// Window start, epoch seconds.
    pub from: i64,
    /// Window end, epoch seconds.
    pub to: i64,
    /// The label matchers the profile was narrowed to; absent when none were given.
    #[serde(default, skip_serializing_if = "LabelSelector::is_empty")]
    #[schema(value_type = Option<String>, example = "version=\"1.4.2\"")]
    pub labels: LabelSelector,
    /// The Pyroscope profile-type ID (modern) or query (legacy) that produced it; from pprof
    /// files, the ID Pyroscope would give that series
    /// (`<name>:<type>:<unit>:<period type>:<period unit>`).
    pub profile_type_id: String,
    /// Samples in the whole profile.
    pub total_samples: u64,
    /// Share of samples Pyroscope folded into synthetic `other` nodes: the remainder of a cut
    /// flame graph, never listed as a function.
    #[serde(serialize_with = "round2")]
    pub truncated_percent: f64,
    /// Functions by self samples descending, then name; at most `limit` of them.
    pub functions: Vec<FunctionStat>,
    /// The part of the window the source could not read (Pyroscope keeps nothing before its
    /// lookback); absent when all of it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<Partial>,
}

/// One window of a profile diff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileWindow {
    /// Window start, epoch seconds.
    pub from: i64,
    /// Window end, epoch seconds.
    pub to: i64,
    /// The label matchers this window was narrowed to; absent when none were given.
    #[serde(default, skip_serializing_if = "LabelSelector::is_empty")]
    #[schema(value_type = Option<String>, example = "version=\"1.4.2\"")]
    pub labels: LabelSelector,
    /// Samples in the whole profile of this window.
    pub total_samples: u64,
    /// Share of samples Pyroscope folded into synthetic `other` nodes.
    #[serde(serialize_with = "round2")]
    pub truncated_percent: f64,
    /// Functions by self samples descending, then name; at most `limit` of them.
    pub functions: Vec<FunctionStat>,
    /// The window cut into parts (`slices` > 0), each read on its own: what the statistics of
    /// docs/api.md#how-sure-is-a-diff are computed from. Absent when not asked for or not possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<WindowPart>>,
    /// Why the window has no `parts` although they were asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts_unavailable: Option<String>,
}

/// One part of a window: its bounds and its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WindowPart {
    /// Start, epoch seconds.
    pub from: i64,
    /// End, epoch seconds.
    pub to: i64,
    /// Samples in the part's whole profile.
    pub total_samples: u64,
}

/// One app's profile in a baseline and a current window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "appName": "checkout-service", "profileType": "alloc",
    "profileTypeId": "memory:alloc_space:bytes:space:bytes",
    "baseline": {"from": 1_700_000_000, "to": 1_700_003_600, "totalSamples": 8000, "truncatedPercent": 0.0,
        "functions": [{"name": "java/util/HashMap.resize", "selfPercent": 5.0, "selfSamples": 400, "totalSamples": 560}]},
    "current": {"from": 1_700_003_600, "to": 1_700_007_200, "totalSamples": 9000, "truncatedPercent": 0.4,
        "functions": [{"name": "java/util/HashMap.resize", "selfPercent": 12.0, "selfSamples": 1080, "totalSamples": 1300}]}
}))]
pub struct ProfileDiff {
    /// The app as asked for.
    pub app_name: String,
    /// The logical profile type (canonical name).
    pub profile_type: ProfileType,
    /// The Pyroscope profile-type ID or query (or, from files, the ID) used for both windows.
    pub profile_type_id: String,
    /// The window compared against.
    pub baseline: ProfileWindow,
    /// The window under examination.
    pub current: ProfileWindow,
}

/// What to read for `GET /profiles/{appName}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileQuery {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub window: TimeWindow,
    pub limit: u32,
    /// Extra matchers joined to the app's selector (empty: the whole app).
    pub labels: LabelSelector,
}

/// What to read for `GET /profiles/{appName}/labels/{labelName}`: the values of the label
/// `name` on one app's profiles of one type in a window.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LabelQuery {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub window: TimeWindow,
    pub name: String,
}

/// Which apps hold profiles of one type in one window, read for every app at once
/// (docs/at-scale.md, "Calls for what holds data"): the watcher asks no more of an app that is
/// not here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holding {
    pub apps: std::collections::HashMap<String, HeldApp>,
}

/// One app's part of a [`Holding`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeldApp {
    /// The values of each label asked for, sorted and unique.
    pub labels: std::collections::BTreeMap<String, Vec<String>>,
    /// What the source reads the app's profile of this type from (Pyroscope: the app's
    /// profile-type ID).
    pub source: String,
    /// For a snapshot type, the window's level (each series' mean, series side by side added
    /// up), when the source read it with the rest.
    pub level: Option<f64>,
}

impl HeldApp {
    /// The values of `label` (none when it was not asked for).
    pub fn values(&self, label: &str) -> Vec<String> {
        self.labels.get(label).cloned().unwrap_or_default()
    }
}

/// What to read for `GET /pgo/{appName}` (docs/gate.md#a-profile-for-the-compiler): one app's CPU
/// profile of a window.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PgoQuery {
    pub app: AppName,
    pub window: TimeWindow,
    /// Extra matchers joined to the app's selector (empty: the whole app).
    pub labels: LabelSelector,
    /// Each stack cut to this many innermost locations (all kept when `None`).
    pub keep_locations: Option<std::num::NonZeroUsize>,
}

/// What to read for `GET /profiles/{appName}/diff`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileDiffQuery {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub baseline: TimeWindow,
    pub current: TimeWindow,
    pub limit: u32,
    /// Matchers of the baseline side (canary comparisons give each side its own).
    pub baseline_labels: LabelSelector,
    /// Matchers of the current side.
    pub current_labels: LabelSelector,
    /// Parts each window is cut into besides being read whole (docs/api.md#how-sure-is-a-diff);
    /// 0 = none.
    pub slices: u32,
}

impl ProfileDiffQuery {
    /// From the earlier start to the later end: where one profile type is chosen for both
    /// windows, so they compare like with like.
    pub fn span(&self) -> TimeWindow {
        TimeWindow {
            from: self.baseline.from.min(self.current.from),
            to: self.baseline.to.max(self.current.to),
        }
    }
}

/// Answer of `GET /profiles/apps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"apps": ["checkout-service", "default/checkout"],
    "types": [{"appName": "checkout-service", "profileTypes": ["cpu", "alloc"]},
        {"appName": "default/checkout", "profileTypes": ["inuse"]}]}))]
pub struct AppList {
    pub apps: Vec<String>,
    /// Each app of `apps`, in order, with the types it has profiles of in the window; empty
    /// where the source does not say (Pyroscope's label index names apps only).
    #[serde(default)]
    pub types: Vec<AppTypes>,
}

impl AppList {
    /// The list of `types`, its names in order.
    pub fn of(types: Vec<AppTypes>) -> Self {
        AppList {
            apps: types.iter().map(|t| t.app_name.clone()).collect(),
            types,
        }
    }
}

/// An app with profiles in a window and the types they are of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppTypes {
    pub app_name: String,
    /// Sorted; empty when the source does not say.
    pub profile_types: Vec<ProfileType>,
}

/// One app's call trees in a baseline and a current window, of one profile type: what the
/// differential flame graph draws.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffTrees {
    pub baseline: std::sync::Arc<pf_model::CallTree>,
    pub current: std::sync::Arc<pf_model::CallTree>,
}

/// The values of one label in a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"values": ["1.4.1", "1.4.2"]}))]
pub struct LabelValues {
    /// Sorted, unique, never empty strings.
    pub values: Vec<String>,
}

/// Where the functions of a window's profile live (docs/regressions.md#the-change-that-caused-it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"sites": [
    {"name": "main.work", "file": "/src/app/work.go", "startLine": 20, "sampled": [22, 24]},
    {"name": "handle (app.py:12)", "file": "app.py", "startLine": null, "sampled": [12]}
]}))]
pub struct FunctionSites {
    /// By name, then file; empty when the source does not say (Pyroscope).
    pub sites: Vec<FunctionSite>,
}
