//! Every kind of bad input answers a precise 4xx JSON error, never a 5xx (docs/api.md).

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::spawn_app;

/// How a case sends its body.
enum Body {
    None,
    Json(Value),
    Raw(&'static str, String),
}

struct Case {
    method: Method,
    path: String,
    body: Body,
    status: u16,
    code: &'static str,
}

fn case(method: Method, path: &str, body: Body, status: u16, code: &'static str) -> Case {
    Case {
        method,
        path: path.to_owned(),
        body,
        status,
        code,
    }
}

fn baseline_with(field: &str, value: Value) -> Body {
    let mut body =
        json!({"appName": "a", "profileType": "cpu", "functionName": "f", "maxSelfPercent": 10});
    body[field] = value;
    Body::Json(body)
}

fn without(mut body: Value, field: &str) -> Body {
    body.as_object_mut().unwrap().remove(field);
    Body::Json(body)
}

fn cases() -> Vec<Case> {
    use Method as M;
    let baseline =
        json!({"appName": "a", "profileType": "cpu", "functionName": "f", "maxSelfPercent": 10});
    let history = json!({"appName": "a", "diagnosis": "gc_pressure", "severity": "high"});
    let rule = json!({"appName": "a", "profileType": "cpu", "thresholdPercent": 30});
    let long_name = "x".repeat(256);
    vec![
        // Malformed or mistyped bodies.
        case(
            M::POST,
            "/baselines",
            Body::Raw("application/json", "{not json".into()),
            400,
            "malformed_json",
        ),
        case(
            M::POST,
            "/baselines",
            Body::Raw("application/json", String::new()),
            400,
            "malformed_json",
        ),
        case(
            M::POST,
            "/baselines",
            Body::Raw("text/plain", baseline.to_string()),
            415,
            "unsupported_media_type",
        ),
        case(
            M::POST,
            "/baselines",
            Body::Raw(
                "application/json",
                format!("{{\"appName\": \"{}\"}}", "y".repeat(300 * 1024)),
            ),
            413,
            "payload_too_large",
        ),
        case(
            M::POST,
            "/baselines",
            Body::Json(json!([1, 2])),
            400,
            "invalid_field",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("maxSelfPercent", json!("ten")),
            400,
            "invalid_field",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("appName", json!(42)),
            400,
            "invalid_field",
        ),
        // Missing, blank or out-of-range fields.
        case(
            M::POST,
            "/baselines",
            without(baseline.clone(), "appName"),
            400,
            "missing_field",
        ),
        case(
            M::POST,
            "/baselines",
            without(baseline.clone(), "maxSelfPercent"),
            400,
            "missing_field",
        ),
        case(
            M::POST,
            "/baselines",
            without(baseline.clone(), "functionName"),
            400,
            "missing_field",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("functionName", json!("   ")),
            400,
            "blank_field",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("appName", json!("")),
            400,
            "invalid_app_name",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("appName", json!(long_name)),
            400,
            "invalid_app_name",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("appName", json!("bad\u{7}name")),
            400,
            "invalid_app_name",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("maxSelfPercent", json!(0)),
            400,
            "out_of_range",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("maxSelfPercent", json!(100.5)),
            400,
            "out_of_range",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("profileType", json!("stack")),
            400,
            "invalid_profile_type",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("severity", json!("urgent")),
            400,
            "invalid_field",
        ),
        case(
            M::PUT,
            "/baselines/1",
            Body::Json(json!({})),
            400,
            "missing_field",
        ),
        case(
            M::POST,
            "/history",
            without(history.clone(), "severity"),
            400,
            "missing_field",
        ),
        case(
            M::POST,
            "/history",
            without(history.clone(), "diagnosis"),
            400,
            "missing_field",
        ),
        case(
            M::POST,
            "/history",
            Body::Json(json!({"appName": "a", "diagnosis": "x", "severity": "critical"})),
            400,
            "invalid_field",
        ),
        case(
            M::POST,
            "/history",
            Body::Json(
                json!({"appName": "a", "diagnosis": "x", "severity": "low", "profileTypes": "cpu,disk"}),
            ),
            400,
            "invalid_profile_type",
        ),
        case(
            M::POST,
            "/services",
            Body::Json(json!({"teamOwner": "t"})),
            400,
            "missing_field",
        ),
        case(
            M::POST,
            "/services",
            Body::Json(json!({"appName": "a", "tier": "gold"})),
            400,
            "invalid_field",
        ),
        case(
            M::POST,
            "/services",
            Body::Json(json!({"appName": "a", "metadata": "not an object"})),
            400,
            "invalid_field",
        ),
        case(
            M::PUT,
            "/services/a",
            Body::Json(json!({"pyroscopeLabels": [1]})),
            400,
            "invalid_field",
        ),
        case(
            M::POST,
            "/rules",
            without(rule.clone(), "thresholdPercent"),
            400,
            "missing_field",
        ),
        case(
            M::POST,
            "/rules",
            Body::Json(json!({"appName": "a", "profileType": "cpu", "thresholdPercent": -3})),
            400,
            "out_of_range",
        ),
        case(
            M::POST,
            "/rules",
            Body::Json(
                json!({"appName": "a", "profileType": "cpu", "thresholdPercent": 5, "enabled": "yes"}),
            ),
            400,
            "invalid_field",
        ),
        case(
            M::PUT,
            "/rules/1",
            Body::Json(json!({"thresholdPercent": 101})),
            400,
            "out_of_range",
        ),
        // Ids, paths and query strings.
        case(
            M::PUT,
            "/baselines/abc",
            Body::Json(json!({"maxSelfPercent": 5})),
            400,
            "invalid_id",
        ),
        case(M::DELETE, "/baselines/1.5", Body::None, 400, "invalid_id"),
        case(M::DELETE, "/history/x", Body::None, 400, "invalid_id"),
        case(M::GET, "/rules/99999999999", Body::None, 400, "invalid_id"),
        case(
            M::GET,
            "/baselines/a/stack",
            Body::None,
            400,
            "invalid_profile_type",
        ),
        case(
            M::GET,
            "/history/a?limit=0",
            Body::None,
            400,
            "invalid_limit",
        ),
        case(
            M::GET,
            "/history/a?limit=1001",
            Body::None,
            400,
            "invalid_limit",
        ),
        case(
            M::GET,
            "/history/a?limit=ten",
            Body::None,
            400,
            "invalid_query",
        ),
        case(
            M::GET,
            "/history/a?from=200&to=100",
            Body::None,
            400,
            "invalid_time_window",
        ),
        case(
            M::GET,
            "/history/a?from=yesterday",
            Body::None,
            400,
            "invalid_time_window",
        ),
        case(
            M::GET,
            "/services?tier=gold",
            Body::None,
            400,
            "invalid_query",
        ),
        case(
            M::GET,
            "/rules?appName=",
            Body::None,
            400,
            "invalid_app_name",
        ),
        case(
            M::GET,
            "/profiles/a?type=stack",
            Body::None,
            400,
            "invalid_profile_type",
        ),
        case(
            M::GET,
            "/profiles/a?from=200&to=100",
            Body::None,
            400,
            "invalid_time_window",
        ),
        case(
            M::GET,
            "/profiles/a?limit=5000",
            Body::None,
            400,
            "invalid_limit",
        ),
        case(
            M::GET,
            "/profiles/a/diff?limit=5001",
            Body::None,
            400,
            "invalid_limit",
        ),
        case(
            M::GET,
            "/triage/a?types=cpu,disk",
            Body::None,
            400,
            "invalid_profile_type",
        ),
        case(
            M::GET,
            "/diff/a?format=pdf",
            Body::None,
            400,
            "invalid_format",
        ),
        case(
            M::GET,
            "/trends/a?format=bogus",
            Body::None,
            400,
            "invalid_format",
        ),
        case(M::POST, "/", Body::None, 405, "method_not_allowed"),
        case(M::GET, "/search", Body::None, 400, "missing_field"),
        // Unknown rows, routes and methods.
        case(
            M::PUT,
            "/baselines/424242",
            Body::Json(json!({"severity": "info"})),
            404,
            "not_found",
        ),
        case(M::DELETE, "/rules/424242", Body::None, 404, "not_found"),
        case(M::GET, "/services/nobody", Body::None, 404, "not_found"),
        case(
            M::GET,
            "/history/nobody/latest",
            Body::None,
            404,
            "not_found",
        ),
        case(M::GET, "/no/such/route", Body::None, 404, "not_found"),
        case(
            M::PATCH,
            "/baselines/1",
            Body::None,
            405,
            "method_not_allowed",
        ),
        case(
            M::DELETE,
            "/services",
            Body::None,
            405,
            "method_not_allowed",
        ),
        case(M::POST, "/triage/a", Body::None, 405, "method_not_allowed"),
        case(M::TRACE, "/health", Body::None, 405, "method_not_allowed"),
        // What the OpenAPI document states, the server enforces (schemathesis checks the rest).
        case(
            M::PUT,
            "/baselines/1",
            Body::Json(json!([20])),
            400,
            "invalid_field",
        ),
        case(
            M::PUT,
            "/baselines/1",
            Body::Json(json!({"maxSelfPrecent": 20})),
            400,
            "invalid_field",
        ),
        case(
            M::PUT,
            "/baselines/1",
            Body::Json(json!({"maxSelfPercent": null})),
            400,
            "invalid_field",
        ),
        case(
            M::POST,
            "/rules",
            Body::Json(
                json!({"appName": "a", "profileType": "cpu", "thresholdPercent": 30, "forSeconds": 1.5}),
            ),
            400,
            "invalid_field",
        ),
        case(
            M::POST,
            "/rules",
            Body::Json(
                json!({"appName": "a", "profileType": "cpu", "thresholdPercent": 30, "forSeconds": null}),
            ),
            400,
            "invalid_field",
        ),
        case(
            M::POST,
            "/baselines",
            baseline_with("functionName", json!("f\u{0}")),
            400,
            "invalid_field",
        ),
    ]
}

#[tokio::test]
async fn a_whole_number_may_be_written_as_a_float() {
    let app = spawn_app().await;
    let body =
        json!({"appName": "a", "profileType": "cpu", "thresholdPercent": 30, "forSeconds": 300.0});
    let res = app
        .client
        .post(app.url("/rules"))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 201);
    let rule: Value = res.json().await.expect("json");
    assert_eq!(rule["forSeconds"], 300);
}

#[tokio::test]
async fn every_bad_input_gets_a_precise_4xx_json_error() {
    let app = spawn_app().await;
    let cases = cases();
    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for c in &cases {
        let mut req = app.client.request(c.method.clone(), app.url(&c.path));
        req = match &c.body {
            Body::None => req,
            Body::Json(v) => req.json(v),
            Body::Raw(content_type, raw) => {
                req.header("content-type", *content_type).body(raw.clone())
            }
        };
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let message_ok = body["error"].as_str().is_some_and(|m| !m.is_empty());
        if status != c.status || body["code"] != c.code || !message_ok {
            failures.push(format!(
                "{} {} → {status} {text} (wanted {} {})",
                c.method, c.path, c.status, c.code
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
