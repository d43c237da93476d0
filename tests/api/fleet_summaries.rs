//! The fleet from the watcher's summaries
//! (docs/profiles-over-time.md#the-fleet-from-the-summaries), against a stub fleet whose profile of
//! any range is the sum of its minutes: where every function fits in the kept list, the summaries'
//! answer is the live answer over the same slices, number for number; where it does not, each share
//! falls short by no more than the bound the answer states; `source=live` and a window without
//! summaries ask Pyroscope.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::helpers::{assert_error, json_with_status, spawn_app_with, TestApp};
use crate::stubs::fleet::{start, Fleet};
use crate::trends::{backfilled, backfilled_to, steady_now, watching, SLICE};

const APPS: usize = 4;

/// A watched fleet of [`APPS`] apps with an hour summarized; the window of that hour.
pub async fn watched(top_functions: Option<u32>) -> (TestApp, wiremock::MockServer, (i64, i64)) {
    let now = steady_now().await;
    let stub = start(Fleet::of(APPS, backfilled_to(now) - 1800)).await;
    let app = match top_functions {
        None => watching(&stub, 1).await,
        Some(top) => {
            let url = url::Url::parse(&stub.uri()).unwrap();
            spawn_app_with(move |s| {
                s.pyroscope.url = Some(url);
                s.pyroscope.cache_ttl_secs = std::time::Duration::ZERO;
                s.watch.enabled = true;
                s.watch.backfill_hours = 1;
                s.watch.top_functions = std::num::NonZeroU32::new(top).unwrap();
                s.watch.export_functions = top;
            })
            .await
        }
    };
    assert!(backfilled(&app, 90).await >= (APPS * 2 * 12) as u64);
    let to = backfilled_to(now);
    (app, stub, (to - 3600, to))
}

/// The answer without what only a summaries' answer carries.
fn without_provenance(mut body: Value) -> Value {
    let object = body.as_object_mut().unwrap();
    for key in ["source", "slices", "maxErrorPercent"] {
        object.remove(key);
    }
    for list in ["hotspots", "matches"] {
        for item in object
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let item = item.as_object_mut().unwrap();
            item.remove("maxErrorSamples");
            item.remove("maxErrorPercent");
            for service in item
                .get_mut("services")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                service.as_object_mut().unwrap().remove("maxErrorPercent");
            }
        }
    }
    body
}

async fn both(app: &TestApp, path: &str) -> (Value, Value) {
    let summaries = json_with_status(app.get(path).await, 200).await;
    let live = json_with_status(app.get(&format!("{path}&source=live")).await, 200).await;
    assert_eq!(summaries["source"], "summaries", "{summaries}");
    assert_eq!(live["source"], "live", "{live}");
    assert!(live.get("slices").is_none() && live.get("maxErrorPercent").is_none());
    (summaries, live)
}

#[tokio::test]
async fn fleet_answers_from_the_summaries_are_the_live_answers_over_the_same_slices() {
    let (app, _stub, (from, to)) = watched(None).await;
    let registered = json!({"appName": "app-02", "teamOwner": "team-a", "tier": "critical"});
    json_with_status(app.post("/services", &registered).await, 201).await;
    let slices: Vec<i64> = (0..12).map(|k| from + k * SLICE).collect();
    for profile_type in ["cpu", "alloc"] {
        let path = format!("/fleet/hotspots?type={profile_type}&from={from}&to={to}&limit=100");
        let (summaries, live) = both(&app, &path).await;
        assert_eq!(summaries["slices"], json!(slices));
        assert_eq!(summaries["appsQueried"], APPS);
        assert_eq!(summaries["hotspots"].as_array().unwrap().len(), 6);
        assert_eq!(summaries["hotspots"][0]["criticalServiceCount"], 1);
        assert_eq!(without_provenance(summaries), without_provenance(live));

        let path = format!("/search?function=java&type={profile_type}&from={from}&to={to}");
        let (summaries, live) = both(&app, &path).await;
        assert_eq!(summaries["matchCount"], APPS);
        assert!(summaries["matches"][0]["maxErrorSamples"].is_u64());
        assert_eq!(without_provenance(summaries), without_provenance(live));
    }
}

#[tokio::test]
async fn where_slices_keep_fewer_functions_each_share_falls_short_by_at_most_the_stated_bound() {
    let (app, _stub, (from, to)) = watched(Some(3)).await;
    let path = format!("/fleet/hotspots?from={from}&to={to}&limit=100");
    let (summaries, live) = both(&app, &path).await;
    let overall = summaries["maxErrorPercent"].as_f64().unwrap();
    let mut bound: HashMap<String, f64> = HashMap::new();
    let mut kept: HashMap<(String, String), f64> = HashMap::new();
    for hotspot in summaries["hotspots"].as_array().unwrap() {
        for s in hotspot["services"].as_array().unwrap() {
            let app = s["app"].as_str().unwrap().to_owned();
            let max_error = s["maxErrorPercent"].as_f64().unwrap();
            assert!(max_error <= overall, "{s} beyond {overall}");
            bound.insert(app.clone(), max_error);
            let function = hotspot["function"].as_str().unwrap().to_owned();
            kept.insert((app, function), s["selfPercent"].as_f64().unwrap());
        }
    }
    assert_eq!(bound.len(), APPS, "{summaries}");
    let mut short = 0;
    for hotspot in live["hotspots"].as_array().unwrap() {
        let function = hotspot["function"].as_str().unwrap();
        for s in hotspot["services"].as_array().unwrap() {
            let app = s["app"].as_str().unwrap();
            let truth = s["selfPercent"].as_f64().unwrap();
            let got = kept
                .get(&(app.to_owned(), function.to_owned()))
                .copied()
                .unwrap_or(0.0);
            // Shares are shown to 2 decimals: each side may be off by half a hundredth.
            assert!(got <= truth + 0.01, "{function} in {app}: {got} > {truth}");
            assert!(
                truth - got <= bound[app] + 0.015,
                "{function} in {app}: {truth} − {got} beyond {}",
                bound[app]
            );
            if truth - got > 0.01 {
                short += 1;
            }
        }
    }
    assert!(
        short > 0,
        "no share fell short: the kept list was not short"
    );
}

#[tokio::test]
async fn a_window_without_summaries_is_answered_live_and_a_bad_source_is_refused() {
    let (app, _stub, (from, _)) = watched(None).await;
    let (old_from, old_to) = (from - 3 * 86_400, from - 3 * 86_400 + 3600);
    let body = json_with_status(
        app.get(&format!("/fleet/hotspots?from={old_from}&to={old_to}"))
            .await,
        200,
    )
    .await;
    assert_eq!(body["source"], "live");
    assert_eq!(body["appsQueried"], APPS);
    assert!(!body["hotspots"].as_array().unwrap().is_empty());
    assert_error(
        app.get("/search?function=java&source=cache").await,
        400,
        "invalid_source",
    )
    .await;
}
