//! What the front door shows (docs/front-door.md), as JSON and as the page: pure, built from the
//! series the watcher summarized lately and the open events.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use pf_model::ProfileType;
use pf_pictures::href;
use pf_profiles::AppTypes;
use pf_regressions::{change_line, page_href, suspect_commit, EventKind, EventState, Regression};
use pf_watch::SeriesRecency;

/// Answer of `GET /` (`Accept: application/json`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"generatedAt": 1_795_546_000, "since": 1_795_542_400,
    "health": {"status": "healthy", "function": "all", "down": []},
    "apps": [{"appName": "ledger", "profileTypes": [{"profileType": "cpu",
        "latestSlice": 1_795_545_600, "slices": 12, "trends": "/trends/ledger?type=cpu&format=html",
        "diff": "/diff/ledger?type=cpu&format=html",
        "flameGraph": "/profiles/ledger/flamegraph.svg?type=cpu"}],
        "latestSlice": 1_795_545_600, "summarized": true, "listedTypes": ["cpu"],
        "unfollowedTypes": [], "triage": "/triage/ledger?format=html",
        "open": [{"id": 7, "profileType": "cpu", "kind": "regression", "state": "confirmed",
            "function": "java/util/regex/Pattern.compile", "changedAt": 1_795_541_100,
            "change": "0.41% → 5.02% (+4.61 pt, 95 % CI +4.39…+4.83)",
            "version": "1.4.1 → 1.4.2", "suspect": "3f2c1a9 Compile the pattern per call",
            "page": "/regressions/7?format=html"}]}],
    "swaggerUi": "/swagger-ui/"}))]
pub struct FrontDoor {
    /// When the answer was made, epoch seconds.
    pub generated_at: i64,
    /// Apps are listed that have a summary whose slice starts at or after this (the last hour),
    /// or an open event.
    pub since: i64,
    pub health: ServiceHealth,
    /// Apps with a confirmed event first, then those with a suspected one, then the rest; by
    /// name within each.
    pub apps: Vec<FrontApp>,
    /// Swagger UI on this service.
    pub swagger_ui: String,
    /// Why Profile Data's apps of the last hour are not listed beside the summarized ones,
    /// when its list call failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing_error: Option<String>,
}

/// The service's health in one line: `/health`'s status and the checks that are down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceHealth {
    /// `healthy`, `degraded` or `unhealthy`, as `/health` says.
    pub status: String,
    /// The function this process serves (`all`, or one of `FUNCTION`).
    pub function: String,
    /// The checks that are down, by name.
    pub down: Vec<String>,
}

/// One app on the front door.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontApp {
    pub app_name: String,
    /// Its types summarized since `since`, by type.
    pub profile_types: Vec<FrontSeries>,
    /// Start of its newest summarized slice, epoch seconds; null when none since `since`.
    pub latest_slice: Option<i64>,
    /// Whether the watcher has summarized a slice of it since `since`; false: "not
    /// summarized yet" (it just arrived, or only of types the watcher does not follow).
    pub summarized: bool,
    /// The types Profile Data has profiles of since `since` (empty where it does not say).
    pub listed_types: Vec<ProfileType>,
    /// Of `listedTypes`, those the watcher does not follow (`watch.types`): never summarized.
    pub unfollowed_types: Vec<ProfileType>,
    /// Its triage page.
    pub triage: String,
    /// Its suspected and confirmed events, the newest change first.
    pub open: Vec<OpenEvent>,
}

/// One type of an app: its summaries lately and its pages.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontSeries {
    pub profile_type: ProfileType,
    /// Start of the newest summarized slice, epoch seconds.
    pub latest_slice: i64,
    /// Slices summarized since `since`.
    pub slices: u32,
    /// The trend page of this type.
    pub trends: String,
    /// The last hour against the hour before, as a page.
    pub diff: String,
    /// The last hour's flame graph.
    pub flame_graph: String,
}

/// An open regression or leak, as the front door lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenEvent {
    pub id: i64,
    pub profile_type: ProfileType,
    pub kind: EventKind,
    pub state: EventState,
    pub function: String,
    /// The change point, epoch seconds.
    pub changed_at: i64,
    /// The change with its 95 % interval, in one line (a leak: its rate).
    pub change: String,
    /// The deploy at the change point, `before → after`.
    pub version: Option<String>,
    /// The likeliest commit in one line (docs/regressions.md#the-change-that-caused-it), when one
    /// is named.
    pub suspect: Option<String>,
    /// The event's page.
    pub page: String,
}

impl OpenEvent {
    pub fn of(event: &Regression) -> Self {
        OpenEvent {
            id: event.id,
            profile_type: event.profile_type,
            kind: event.kind,
            state: event.state,
            function: event.function.clone(),
            changed_at: event.changed_at,
            change: change_line(event),
            version: event.version.as_ref().map(ToString::to_string),
            suspect: suspect_commit(event),
            page: page_href(event.id),
        }
    }
}

/// What the front door is made of.
pub struct Found<'a> {
    /// The series summarized since `since`.
    pub series: &'a [SeriesRecency],
    /// The open events.
    pub open: &'a [Regression],
    /// What Profile Data lists since `since`.
    pub listed: &'a Listed,
    /// The types the watcher follows.
    pub followed: &'a [ProfileType],
}

/// Profile Data's apps of the last hour, or why they could not be listed.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub apps: Vec<AppTypes>,
    pub error: Option<String>,
}

/// The front door at `now` of what was `found` since `since`.
pub fn front_door((now, since): (i64, i64), found: Found<'_>, health: ServiceHealth) -> FrontDoor {
    let mut apps: BTreeMap<String, FrontApp> = BTreeMap::new();
    for s in found.series {
        let name = s.series.app.as_str();
        let t = s.series.profile_type.as_str();
        let pages = |segments: &[&str], format: &[(&str, String)]| {
            let mut params = vec![("type", t.to_owned())];
            params.extend(format.iter().cloned());
            href(segments, &params)
        };
        let html = [("format", "html".to_owned())];
        let app = app_entry(&mut apps, name);
        app.profile_types.push(FrontSeries {
            profile_type: s.series.profile_type,
            latest_slice: s.latest_slice,
            slices: s.slices,
            trends: pages(&["trends", name], &html),
            diff: pages(&["diff", name], &html),
            flame_graph: flame_graph(name, s.series.profile_type),
        });
        app.latest_slice = app.latest_slice.max(Some(s.latest_slice));
        app.summarized = true;
    }
    for listed in &found.listed.apps {
        let app = app_entry(&mut apps, &listed.app_name);
        app.listed_types.clone_from(&listed.profile_types);
        app.unfollowed_types = listed
            .profile_types
            .iter()
            .filter(|t| !found.followed.contains(t))
            .copied()
            .collect();
    }
    for event in found.open {
        app_entry(&mut apps, &event.app_name)
            .open
            .push(OpenEvent::of(event));
    }
    let mut apps: Vec<FrontApp> = apps.into_values().collect();
    for app in &mut apps {
        app.profile_types
            .sort_by(|a, b| a.profile_type.as_str().cmp(b.profile_type.as_str()));
        app.open
            .sort_by(|a, b| b.changed_at.cmp(&a.changed_at).then(b.id.cmp(&a.id)));
    }
    apps.sort_by_key(rank);
    FrontDoor {
        generated_at: now,
        since,
        health,
        apps,
        swagger_ui: "/swagger-ui/".to_owned(),
        listing_error: found.listed.error.clone(),
    }
}

/// The last hour's flame graph of `app`'s `profile_type`. The file name is written as it is:
/// a segment would be encoded (`%2E`).
pub fn flame_graph(app: &str, profile_type: ProfileType) -> String {
    format!(
        "{}/flamegraph.svg?type={}",
        href(&["profiles", app], &[]),
        profile_type.as_str()
    )
}

/// `name`'s entry, made empty when it is new.
fn app_entry<'a>(apps: &'a mut BTreeMap<String, FrontApp>, name: &str) -> &'a mut FrontApp {
    apps.entry(name.to_owned()).or_insert_with(|| FrontApp {
        app_name: name.to_owned(),
        profile_types: Vec::new(),
        latest_slice: None,
        summarized: false,
        listed_types: Vec::new(),
        unfollowed_types: Vec::new(),
        triage: href(&["triage", name], &[("format", "html".to_owned())]),
        open: Vec::new(),
    })
}

/// Confirmed events first, then suspected ones, then quiet apps (a stable sort keeps names in
/// order within each).
fn rank(app: &FrontApp) -> u8 {
    if app.open.iter().any(|e| e.state == EventState::Confirmed) {
        0
    } else if app.open.is_empty() {
        2
    } else {
        1
    }
}
