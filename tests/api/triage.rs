//! `/triage` end to end: a baseline violation is diagnosed, answered and written to history.

use serde_json::json;

use crate::helpers::json_with_status;
use crate::stubs::java::{
    add_baseline, history_of, spawn_with_pyroscope, INCIDENT_FROM, INCIDENT_TO,
};

#[tokio::test]
async fn triage_reports_a_violation_when_gc_exceeds_its_baseline() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    add_baseline(&app, "G1 Young Generation", 15.0).await;
    let res = app
        .client
        .get(app.url(&format!(
            "/triage/checkout?from={INCIDENT_FROM}&to={INCIDENT_TO}&types=cpu"
        )))
        .header("X-Requested-By", "alice")
        .send()
        .await
        .unwrap();
    let body = json_with_status(res, 200).await;
    let cpu = &body["profiles"]["cpu"];
    assert_eq!(cpu["diagnosis"], "gc_pressure");
    assert_eq!(cpu["totalSamples"], 1000);
    assert_eq!(
        cpu["baselineViolations"],
        json!([{"function": "G1 Young Generation", "currentPercent": 34.2, "threshold": 15.0, "exceededBy": 19.2, "severity": "warning"}])
    );
    assert_eq!(cpu["topFunctions"][0]["name"], "java/util/HashMap.resize");
    assert_eq!(cpu["topFunctions"][0]["selfPercent"], 50.0);
    assert_eq!(body["summary"]["baselineViolations"], 1);
    assert_eq!(body["summary"]["severity"], "high");
    assert!(
        cpu["recommendation"]
            .as_str()
            .unwrap()
            .contains("G1 Young Generation"),
        "{cpu}"
    );

    let history = history_of(&app, "checkout", 1).await;
    let record = &history["history"][0];
    assert_eq!(record["requestedBy"], "alice");
    assert_eq!(record["diagnosis"], body["summary"]["primaryIssue"]);
    assert_eq!(record["profileTypes"], "cpu");
    assert_eq!(record["topFunctions"]["query"]["from"], INCIDENT_FROM);
    assert_eq!(
        record["topFunctions"]["query"]["profileTypeIds"]["cpu"],
        "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
    );
}
