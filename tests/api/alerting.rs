//! `POST /rules/{id}/evaluate` against the stub profile (docs/alerting.md): each value kind equals
//! what the stub's flame graph gives by hand, and nothing changes.

use serde_json::{json, Value};

use crate::helpers::{assert_error, json_with_status, TestApp};
use crate::stubs::java::spawn_with_pyroscope;

async fn rule(app: &TestApp, pattern: Option<&str>, threshold: f64) -> i64 {
    let body = json!({"appName": "checkout", "profileType": "cpu", "functionPattern": pattern,
                      "thresholdPercent": threshold});
    json_with_status(app.post("/rules", &body).await, 201).await["id"]
        .as_i64()
        .unwrap()
}

async fn evaluate(app: &TestApp, id: i64) -> Value {
    let res = app.post(&format!("/rules/{id}/evaluate"), &json!({})).await;
    json_with_status(res, 200).await
}

fn matched(run: &Value) -> Vec<&str> {
    run["matchedFunctions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect()
}

/// The stub's current profile has 1000 samples: HashMap.resize 500 self, G1 Young Generation
/// 342, CheckoutService.handle 158, Thread.run 0.
#[tokio::test]
async fn each_value_kind_is_what_the_profile_gives_by_hand() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;

    let top = rule(&app, None, 40.0).await;
    let run = evaluate(&app, top).await;
    assert_eq!(
        (run["value"].as_f64(), run["firing"].as_bool()),
        (Some(50.0), Some(true))
    );
    assert_eq!(matched(&run), ["java/util/HashMap.resize"]);

    // `::` and `.` read as `/`, and case does not matter.
    let pattern = rule(&app, Some("COM.acme::checkout"), 20.0).await;
    let run = evaluate(&app, pattern).await;
    assert!(
        (run["value"].as_f64().unwrap() - 15.8).abs() < 1e-9,
        "{run}"
    );
    assert_eq!(run["firing"], false);
    assert_eq!(run["threshold"], 20.0);
    assert_eq!(matched(&run), ["com/acme/checkout/CheckoutService.handle"]);

    let gc = rule(&app, Some("diagnosis:gc_pressure"), 30.0).await;
    let run = evaluate(&app, gc).await;
    assert!(
        (run["value"].as_f64().unwrap() - 34.2).abs() < 1e-9,
        "{run}"
    );
    assert_eq!(matched(&run), ["G1 Young Generation"]);

    // A dry run changes nothing: the rule reads back as it was created.
    let stored = json_with_status(app.get(&format!("/rules/{gc}")).await, 200).await;
    assert_eq!(stored["thresholdPercent"], 30.0);
    assert_eq!(stored["enabled"], true);
}

#[tokio::test]
async fn a_dry_run_of_a_missing_rule_or_an_unknown_category_is_refused() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    let missing = app.post("/rules/999/evaluate", &json!({})).await;
    assert_error(missing, 404, "not_found").await;
    let bad_id = app.post("/rules/abc/evaluate", &json!({})).await;
    assert_error(bad_id, 400, "invalid_id").await;
    let unknown = rule(&app, Some("diagnosis:no_such_category"), 10.0).await;
    let res = app
        .post(&format!("/rules/{unknown}/evaluate"), &json!({}))
        .await;
    assert_error(res, 400, "unknown_diagnosis").await;
}
