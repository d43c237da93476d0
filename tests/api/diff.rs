//! `/diff` end to end: a regression beyond its approved threshold fails the report in JSON
//! and Markdown, and is written to history.

use crate::helpers::json_with_status;
use crate::stubs::java::{
    add_baseline, history_of, spawn_with_pyroscope, INCIDENT_FROM, INCIDENT_TO,
};

#[tokio::test]
async fn a_diff_with_a_breached_threshold_fails_in_json_and_markdown() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    add_baseline(&app, "java/util/HashMap.resize", 45.0).await;
    let query = format!("from={INCIDENT_FROM}&to={INCIDENT_TO}&type=cpu");
    let body = json_with_status(app.get(&format!("/diff/checkout?{query}")).await, 200).await;
    assert_eq!(body["summary"]["verdict"], "fail");
    assert_eq!(body["summary"]["thresholdBreaches"], 1);
    assert_eq!(
        body["summary"]["topRegression"],
        "G1 Young Generation (+24.2%)"
    );
    let regressions = body["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 2, "{body}");
    assert_eq!(regressions[1]["function"], "java/util/HashMap.resize");
    assert_eq!(regressions[1]["baselinePercent"], 40.0);
    assert_eq!(regressions[1]["currentPercent"], 50.0);
    assert_eq!(regressions[1]["deltaPercent"], 10.0);
    assert_eq!(regressions[1]["approvedThreshold"], 45.0);
    assert_eq!(regressions[1]["exceedsThreshold"], true);
    assert_eq!(
        body["improvements"][0]["function"],
        "com/acme/checkout/CheckoutService.handle"
    );
    assert_eq!(body["improvements"][0]["deltaPercent"], -34.2);

    let res = app
        .get(&format!("/diff/checkout?{query}&format=markdown"))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "text/markdown; charset=utf-8");
    let markdown = res.text().await.unwrap();
    assert!(markdown.contains("BREACH"), "{markdown}");
    assert!(markdown.to_lowercase().contains("fail"), "{markdown}");
    assert!(markdown.contains("java/util/HashMap.resize"), "{markdown}");

    let history = history_of(&app, "checkout", 2).await;
    assert!(history["history"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["diagnosis"] == "regressions_detected"));
    assert_eq!(history["history"][0]["severity"], "high");
}
