use super::render;
use crate::model::{front_door, Found, FrontDoor, Listed, ServiceHealth};
use pf_model::ProfileType;
use pf_profiles::AppTypes;
use pf_regressions::Regression;
use pf_regressions::{test_confirmed, EventState};
use pf_watch::{Series, SeriesRecency};

fn series(app: &str, profile_type: ProfileType, latest: i64) -> SeriesRecency {
    SeriesRecency {
        series: Series {
            app: app.parse().unwrap(),
            profile_type,
        },
        latest_slice: latest,
        slices: 12,
    }
}

/// The door of `series` and `open`, nothing else listed, the watcher following cpu.
fn door_of(series: &[SeriesRecency], open: &[Regression], health: ServiceHealth) -> FrontDoor {
    door_listing(series, open, &Listed::default(), health)
}

fn door_listing(
    series: &[SeriesRecency],
    open: &[Regression],
    listed: &Listed,
    health: ServiceHealth,
) -> FrontDoor {
    let found = Found {
        series,
        open,
        listed,
        followed: &[ProfileType::Cpu],
    };
    front_door((3600, 0), found, health)
}

fn healthy() -> ServiceHealth {
    ServiceHealth {
        status: "healthy".into(),
        function: "all".into(),
        down: Vec::new(),
    }
}

#[test]
fn apps_with_open_events_come_first_confirmed_before_suspected() {
    let recent = [
        series("alpha", ProfileType::Cpu, 3000),
        series("beta", ProfileType::Alloc, 3300),
        series("beta", ProfileType::Cpu, 3000),
        series("gamma", ProfileType::Cpu, 3300),
        series("zeta", ProfileType::Cpu, 3300),
    ];
    let mut suspected = test_confirmed(1, "Suspected.fn", false);
    suspected.app_name = "gamma".into();
    suspected.state = EventState::Suspected;
    let mut confirmed = test_confirmed(2, "Confirmed.fn", true);
    confirmed.app_name = "zeta".into();
    // An open event of an app silent in the last hour is listed too.
    let mut silent = test_confirmed(3, "Silent.fn", true);
    silent.app_name = "omega".into();
    let door = door_of(&recent, &[suspected, confirmed, silent], healthy());
    let names: Vec<&str> = door.apps.iter().map(|a| a.app_name.as_str()).collect();
    assert_eq!(names, ["omega", "zeta", "gamma", "alpha", "beta"]);
    let beta = &door.apps[4];
    assert_eq!(beta.latest_slice, Some(3300));
    let types: Vec<&str> = beta
        .profile_types
        .iter()
        .map(|t| t.profile_type.as_str())
        .collect();
    assert_eq!(types, ["alloc", "cpu"]);
    assert_eq!(
        beta.profile_types[1].trends,
        "/trends/beta?type=cpu&format=html"
    );
    assert_eq!(
        beta.profile_types[1].diff,
        "/diff/beta?type=cpu&format=html"
    );
    assert_eq!(
        beta.profile_types[1].flame_graph,
        "/profiles/beta/flamegraph.svg?type=cpu"
    );
    assert_eq!(beta.triage, "/triage/beta?format=html");
    assert_eq!(door.apps[0].latest_slice, None);
    let zeta = &door.apps[1].open[0];
    assert_eq!(zeta.page, "/regressions/2?format=html");
    assert_eq!(zeta.change, "1.00% → 5.00% (+4.00 pt, 95 % CI +3.50…+4.50)");

    // The page lists them in the same order.
    let html = render(&door);
    let at = |name: &str| html.find(&format!("<td>{name}</td>")).unwrap();
    assert!(at("omega") < at("zeta") && at("zeta") < at("gamma") && at("gamma") < at("alpha"));
    assert!(html.contains("<a href=\"/swagger-ui/\">Swagger UI</a>"));
    assert!(html.contains("<a href=\"/regressions/2?format=html\">#2</a>"));
}

#[test]
fn names_are_escaped_on_the_page_and_in_links() {
    let app = "a<b&c\"d";
    let recent = [series(app, ProfileType::Cpu, 3300)];
    let mut event = test_confirmed(7, "<script>alert(\"&\")</script>", true);
    event.app_name = app.into();
    let mut health = healthy();
    health.status = "degraded".into();
    health.down = vec!["<registry>".into()];
    let door = door_of(&recent, &[event], health);
    let html = render(&door);
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("a<b"), "{html}");
    assert!(html.contains("<td>a&lt;b&amp;c&quot;d</td>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&quot;&amp;&quot;)&lt;/script&gt;"));
    assert!(html.contains("down: &lt;registry&gt;"));
    // Links name the app as one percent-encoded segment.
    assert!(
        html.contains("href=\"/triage/a%3Cb%26c%22d?format=html\""),
        "{html}"
    );
    assert!(html.contains("href=\"/trends/a%3Cb%26c%22d?type=cpu&amp;format=html\""));
    // Only this service's paths are linked, and nothing is fetched.
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<link"));
}

#[test]
fn an_empty_front_door_still_reads() {
    let door = door_of(&[], &[], healthy());
    let html = render(&door);
    assert!(html.contains("No app has profiles in the last hour yet."));
    assert!(html.contains("every check up"));
}

#[test]
fn apps_that_just_arrived_are_listed_as_not_summarized_yet_with_their_types() {
    let recent = [series("summarized", ProfileType::Cpu, 3300)];
    let listed = |app: &str, types: &[ProfileType]| AppTypes {
        app_name: app.to_owned(),
        profile_types: types.to_vec(),
    };
    let listed = Listed {
        apps: vec![
            listed("default/checkout", &[ProfileType::Cpu]),
            listed("heap-only", &[ProfileType::Inuse]),
            listed("summarized", &[ProfileType::Cpu, ProfileType::Inuse]),
        ],
        error: None,
    };
    let door = door_listing(&recent, &[], &listed, healthy());
    let by_name = |name: &str| door.apps.iter().find(|a| a.app_name == name).unwrap();
    let fresh = by_name("default/checkout");
    assert!(!fresh.summarized);
    assert_eq!(fresh.listed_types, [ProfileType::Cpu]);
    assert!(fresh.unfollowed_types.is_empty());
    let heap = by_name("heap-only");
    assert_eq!(heap.unfollowed_types, [ProfileType::Inuse]);
    assert!(by_name("summarized").summarized);
    let html = render(&door);
    assert!(html.contains("cpu (not summarized yet)"), "{html}");
    assert!(
        html.contains("inuse (not followed by the watcher)"),
        "{html}"
    );
    assert!(html.contains("3 apps with profiles since"), "{html}");
    assert!(html.contains("href=\"/profiles/default%2Fcheckout/flamegraph.svg?type=cpu\""));
}

#[test]
fn a_listing_that_failed_is_said_and_the_summarized_apps_stay() {
    let recent = [series("summarized", ProfileType::Cpu, 3300)];
    let listed = Listed {
        apps: Vec::new(),
        error: Some("Pyroscope is unavailable".into()),
    };
    let door = door_listing(&recent, &[], &listed, healthy());
    assert_eq!(door.apps.len(), 1);
    assert!(render(&door).contains("Profile Data could not list the last hour"));
}
