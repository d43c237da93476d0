//! `/profiles` beside the rest of the service: health, the OpenAPI document, the all-in-one process.

use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{modern_app, ok_json, LABEL_VALUES};
use crate::helpers::{json_with_status, spawn_app_with};

#[tokio::test]
async fn health_reports_pyroscope_without_failing_readiness() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ok_json(json!({"names": ["a", "b"]})))
        .mount(&server)
        .await;
    let app = modern_app(&server).await;
    let health = json_with_status(app.get("/health").await, 200).await;
    assert_eq!(health["status"], "healthy", "{health}");
    assert_eq!(health["checks"]["pyroscope"]["status"], "up");
    assert_eq!(health["checks"]["pyroscope"]["required"], false);
    assert_eq!(health["checks"]["pyroscope"]["details"]["apps"], 2);

    server.reset().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let health = json_with_status(app.get("/health").await, 200).await;
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["checks"]["pyroscope"]["status"], "down");
    assert!(health["checks"]["pyroscope"]["error"]
        .as_str()
        .unwrap()
        .contains("Pyroscope"));
    json_with_status(app.get("/health/ready").await, 200).await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_profile_routes() {
    let server = MockServer::start().await;
    let app = modern_app(&server).await;
    let doc = json_with_status(app.get("/openapi.json").await, 200).await;
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/profiles/apps",
        "/profiles/{appName}",
        "/profiles/{appName}/diff",
    ] {
        assert!(paths.contains_key(route), "{route} missing");
    }
    assert!(!paths.contains_key("/baselines"), "not hosted here");
    let params = doc["paths"]["/profiles/{appName}/diff"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
    for name in [
        "appName",
        "type",
        "from",
        "to",
        "baselineFrom",
        "baselineTo",
        "limit",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    let schemas = &doc["components"]["schemas"];
    for schema in ["AppList", "Profile", "ProfileDiff", "FunctionStat"] {
        assert!(
            schemas[schema]["example"].is_object(),
            "{schema} has no example"
        );
    }
}

#[tokio::test]
async fn the_all_in_one_process_serves_profiles_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABEL_VALUES))
        .respond_with(ok_json(json!({"names": ["checkout-service"]})))
        .mount(&server)
        .await;
    let url = Url::parse(&server.uri()).unwrap();
    let app = spawn_app_with(|s| s.pyroscope.url = Some(url)).await;
    let body = json_with_status(app.get("/profiles/apps").await, 200).await;
    assert_eq!(body["apps"], json!(["checkout-service"]));
}
