//! Rules written once: every windowed route refuses windows at the edges of `i64` with 400
//! `invalid_time_window` (never an overflow, never a 500), and every route with a `limit`
//! answers the same bad limit with the same code.

use crate::helpers::{assert_error, spawn_app};

const MIN: i64 = i64::MIN;
const MAX: i64 = i64::MAX;

/// Every route that reads a time window, with what else it needs to reach the window check.
fn windowed_routes() -> Vec<&'static str> {
    vec![
        "/profiles/apps?",
        "/profiles/checkout?",
        "/profiles/checkout/diff?",
        "/triage/checkout?",
        "/diff/checkout?",
        "/search?function=HashMap&",
        "/fleet/hotspots?",
    ]
}

#[tokio::test]
async fn windows_at_the_edges_of_i64_are_refused_on_every_windowed_route() {
    let app = spawn_app().await;
    let windows = [
        format!("from={MIN}&to={MAX}"),
        format!("to={MIN}"),
        format!("from={MIN}"),
        format!("from={MAX}&to={MAX}"),
    ];
    for route in windowed_routes() {
        for window in &windows {
            let path = format!("{route}{window}");
            let res = app.get(&path).await;
            assert_eq!(res.status().as_u16(), 400, "{path}");
            let body = assert_error(res, 400, "invalid_time_window").await;
            assert!(
                body["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn baseline_windows_at_the_edges_of_i64_are_refused() {
    let app = spawn_app().await;
    for route in ["/profiles/checkout/diff", "/diff/checkout"] {
        for query in [
            // The baseline before the epoch (a current window from 0 to i64::MAX is refused
            // as too long before its baseline is made: windows.rs's first test).
            "from=0&to=10".to_owned(),
            format!("baselineFrom={MIN}&baselineTo={MAX}"),
            format!("baselineTo={MIN}"),
            format!("from=10&to=20&baselineTo={MAX}&baselineFrom={MIN}"),
        ] {
            let path = format!("{route}?{query}");
            let body = assert_error(app.get(&path).await, 400, "invalid_time_window").await;
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("baseline window:")),
                "{path}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn the_same_bad_limit_gets_the_same_code_on_every_route() {
    let app = spawn_app().await;
    let routes = [
        "/profiles/checkout?",
        "/profiles/checkout/diff?",
        "/triage/checkout?",
        "/diff/checkout?",
        "/fleet/hotspots?",
        "/history/checkout?",
    ];
    for route in routes {
        for limit in ["0", "-1", "100000", "99999999999"] {
            let path = format!("{route}limit={limit}");
            let body = assert_error(app.get(&path).await, 400, "invalid_limit").await;
            assert!(
                body["error"].as_str().is_some_and(|e| e.contains(limit)),
                "{path}: {body}"
            );
        }
    }
}
