//! The committed `openapi/openapi.json` must be what the code generates.

use pyroscope_functions::app::openapi;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = openapi::pretty_json().expect("the document serialises") + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).expect("openapi/openapi.json is writable");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale; regenerate it with `just openapi` \
         (UPDATE_OPENAPI=1 cargo test --test api openapi)"
    );
}

#[test]
fn every_documented_operation_has_a_description_and_an_error_shape() {
    let doc: serde_json::Value = serde_json::from_str(&openapi::pretty_json().unwrap()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
            let summary = op["summary"]
                .as_str()
                .or(op["description"].as_str())
                .unwrap_or("");
            assert!(!summary.is_empty(), "{method} {path} has no description");
        }
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[test]
fn every_operation_with_a_json_body_documents_413_and_415() {
    let doc: serde_json::Value = serde_json::from_str(&openapi::pretty_json().unwrap()).unwrap();
    let mut with_body = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"]["application/json"].is_null() {
                continue;
            }
            with_body += 1;
            for status in ["413", "415"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
    assert_eq!(
        with_body, 18,
        "POST/PUT of baselines, services, rules; POST of history; the Connect push and OTLP; \
         the eight querier methods"
    );
}

/// The committed document lists the route modules by hand (`ALL_ROUTES`); a process serving
/// everything builds its own from what it mounts. The two must not drift apart. The committed
/// document is the one served when tokens are required (without tokens, the same without the
/// bearer scheme and the 401/403 answers).
#[tokio::test]
async fn the_all_in_one_process_serves_the_committed_document() {
    let app = crate::helpers::spawn_app_with(crate::access::with_tokens).await;
    let served: serde_json::Value =
        crate::helpers::json_with_status(app.get("/openapi.json").await, 200).await;
    let committed: serde_json::Value =
        serde_json::from_str(&openapi::pretty_json().unwrap()).unwrap();
    assert!(
        served == committed,
        "a route module is missing from openapi::ALL_ROUTES"
    );
}
