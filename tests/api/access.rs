//! Optional access control (issue 16): the token matrix, who the history names, the metrics,
//! the served document, an untouched service without tokens, and no token in any log line.

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

use pf_http::auth_settings::{Scope, TokenSetting};
use pyroscope_functions::app::settings::Settings;

use crate::helpers::{json_with_status, spawn_app, spawn_app_with, TestApp};
use crate::stubs::java::{history_of, spawn_with_pyroscope_and, INCIDENT_FROM, INCIDENT_TO};

pub const WRITE_TOKEN: &str = "write-token-7f3a9c";
pub const READ_TOKEN: &str = "read-token-2b8e41";

/// `printf %s "$TOKEN" | sha256sum`, as an operator makes the digest.
fn sha256_hex(token: &str) -> String {
    let output = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(token.as_bytes())?;
            child.wait_with_output()
        })
        .expect("sha256sum runs");
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}

/// `API_TOKENS` naming the two tokens `deployer` (write) and `dashboards` (read).
pub fn api_tokens() -> String {
    format!(
        "deployer:write:{},dashboards:read:{}",
        sha256_hex(WRITE_TOKEN),
        sha256_hex(READ_TOKEN)
    )
}

/// The two tokens of [`with_tokens`] and `extra` ones: name, scope, plaintext and team.
pub fn api_tokens_with(extra: &[(&str, Scope, &str, Option<&str>)]) -> Vec<TokenSetting> {
    let mut settings = Settings::load_from(None, Vec::new()).expect("default settings load");
    with_tokens(&mut settings);
    let mut tokens = settings.auth.tokens;
    tokens.extend(extra.iter().map(|(name, scope, token, team)| TokenSetting {
        name: (*name).to_owned(),
        scope: *scope,
        sha256: sha256_hex(token),
        team: team.map(str::to_owned),
    }));
    tokens
}

/// The same two tokens as settings.
pub fn with_tokens(settings: &mut Settings) {
    settings.auth.tokens = vec![
        TokenSetting {
            name: "deployer".into(),
            scope: Scope::Write,
            sha256: sha256_hex(WRITE_TOKEN),
            team: None,
        },
        TokenSetting {
            name: "dashboards".into(),
            scope: Scope::Read,
            sha256: sha256_hex(READ_TOKEN),
            team: None,
        },
    ];
}

/// A client sending `token` with every request.
pub fn client_with(token: &str) -> Client {
    let mut headers = HeaderMap::new();
    let value = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    headers.insert(AUTHORIZATION, value);
    Client::builder().default_headers(headers).build().unwrap()
}

fn rule() -> Value {
    json!({"appName": "checkout", "profileType": "cpu", "thresholdPercent": 30.0})
}

async fn send(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
) -> (u16, Value, Option<String>) {
    let mut req = app.client.request(method.clone(), app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if method == Method::POST {
        req = req.json(&rule());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body, challenge)
}

#[tokio::test]
async fn each_token_gets_exactly_what_its_scope_allows() {
    let app = spawn_app_with(with_tokens).await;
    let matrix = [
        // token, read route, write route, exempt route
        (None, 401, 401, 200),
        (Some("not-a-configured-token"), 401, 401, 200),
        (Some(READ_TOKEN), 200, 403, 200),
        (Some(WRITE_TOKEN), 200, 201, 200),
    ];
    for (token, read, write, exempt) in matrix {
        for (method, path, expected) in [
            (Method::GET, "/rules", read),
            (Method::POST, "/rules", write),
            (Method::GET, "/health/live", exempt),
        ] {
            let (status, body, challenge) = send(&app, token, method.clone(), path).await;
            let who = format!("{method} {path} with {token:?}: {body}");
            assert_eq!(status, expected, "{who}");
            match status {
                401 => {
                    assert_eq!(challenge.as_deref(), Some("Bearer"), "{who}");
                    assert_eq!(body["code"], "unauthorized", "{who}");
                }
                403 => {
                    assert_eq!(challenge, None, "{who}");
                    assert_eq!(body["code"], "forbidden", "{who}");
                    assert!(
                        body["error"].as_str().unwrap().contains("dashboards"),
                        "{who}"
                    );
                }
                _ => assert_eq!(challenge, None, "{who}"),
            }
            let text = body.to_string();
            assert!(
                !text.contains(READ_TOKEN) && !text.contains(WRITE_TOKEN),
                "{who}"
            );
        }
    }
    // A read token cannot update or delete either.
    for method in [Method::PUT, Method::DELETE] {
        let (status, ..) = send(&app, Some(READ_TOKEN), method, "/rules/1").await;
        assert_eq!(status, 403);
    }
    let metrics = client_with(READ_TOKEN)
        .get(app.url("/metrics"))
        .send()
        .await;
    let metrics = metrics.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("http_auth_rejections_total{status=\"401\"} 4\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("http_auth_rejections_total{status=\"403\"} 3\n"),
        "{metrics}"
    );
    // The refusals are in the request metrics too, under their route.
    assert!(
        metrics.contains("http_request_duration_seconds_count{method=\"POST\",route=\"/rules\",status=\"403\"} 1\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_token_name_is_the_requester_and_a_named_one_is_kept_beside_it() {
    let (mut app, _pyroscope) = spawn_with_pyroscope_and(with_tokens).await;
    app.client = client_with(READ_TOKEN);
    let triage = format!("/triage/checkout?from={INCIDENT_FROM}&to={INCIDENT_TO}&types=cpu");
    json_with_status(app.get(&triage).await, 200).await;
    let named = app
        .client
        .get(app.url(&triage))
        .header("X-Requested-By", "alice")
        .send()
        .await
        .unwrap();
    json_with_status(named, 200).await;
    let history = history_of(&app, "checkout", 2).await;
    let mut requesters: Vec<(&str, Option<&str>)> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["requestedBy"].as_str().unwrap(), r["onBehalfOf"].as_str()))
        .collect();
    requesters.sort_unstable();
    assert_eq!(
        requesters,
        [("dashboards", None), ("dashboards", Some("alice"))]
    );
}

#[tokio::test]
async fn the_served_document_declares_the_bearer_scheme_and_who_needs_it() {
    let app = spawn_app_with(with_tokens).await;
    // The document and the Swagger UI need no token.
    let doc = json_with_status(app.get("/openapi.json").await, 200).await;
    let ui = app.get("/swagger-ui/").await;
    assert_eq!(ui.status(), StatusCode::OK);
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerToken"],
        json!({"type": "http", "scheme": "bearer"})
    );
    assert_eq!(doc["security"], json!([{"bearerToken": []}]));
    assert_eq!(doc["paths"]["/health/live"]["get"]["security"], json!([]));
    // `/metrics` names every app's functions: it needs a token like the API.
    let metrics = &doc["paths"]["/metrics"]["get"];
    assert!(metrics.get("security").is_none(), "{metrics}");
    assert!(metrics["responses"]["401"].is_object(), "{metrics}");
    let post = &doc["paths"]["/rules"]["post"];
    assert!(
        post.get("security").is_none(),
        "the global requirement applies: {post}"
    );
    let shared = |name: &str| json!({"$ref": format!("#/components/responses/{name}")});
    assert_eq!(post["responses"]["401"], shared("Unauthorized"));
    assert_eq!(post["responses"]["403"], shared("Forbidden"));
    let get = &doc["paths"]["/rules"]["get"]["responses"];
    assert!(get["401"].is_object() && get.get("403").is_none(), "{get}");
    let unauthorized = &doc["components"]["responses"]["Unauthorized"];
    assert!(
        unauthorized["headers"]["WWW-Authenticate"].is_object(),
        "{unauthorized}"
    );
}

#[tokio::test]
async fn without_tokens_nothing_changes() {
    let app = spawn_app().await;
    let plain = app.get("/rules").await;
    let headers_plain: Vec<String> = plain.headers().keys().map(ToString::to_string).collect();
    let plain = plain.text().await.unwrap();
    let with_header = app
        .client
        .get(app.url("/rules"))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(with_header.status(), StatusCode::OK);
    assert!(with_header.headers().get("www-authenticate").is_none());
    let headers_with: Vec<String> = with_header
        .headers()
        .keys()
        .map(ToString::to_string)
        .collect();
    assert_eq!(headers_plain, headers_with);
    assert_eq!(with_header.text().await.unwrap(), plain);
    let (status, ..) = send(&app, None, Method::POST, "/rules").await;
    assert_eq!(status, 201);
    let doc = json_with_status(app.get("/openapi.json").await, 200).await;
    assert!(doc.get("security").is_none(), "{}", doc["security"]);
    assert!(doc["components"].get("securitySchemes").is_none());
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        !metrics.contains("http_auth_rejections_total{"),
        "{metrics}"
    );
}

/// The real binary, logging everything at debug to a file, with tokens sent every way they
/// can be (accepted, refused, unknown, forbidden): no line holds a token.
#[tokio::test]
async fn no_log_line_holds_a_token() {
    let db = crate::helpers::TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("service.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let err = log.try_clone().unwrap();
    let (mut service, address) = crate::helpers::spawn_binary_with(db.url.as_str(), |command| {
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("FUNCTION", "all")
            .env("API_TOKENS", api_tokens())
            .env("RUST_LOG", "debug")
            .stdout(log)
            .stderr(err);
    })
    .await;
    let app = TestApp::at(address);
    let unknown = "unknown-token-5d1e0f";
    for token in [Some(WRITE_TOKEN), Some(READ_TOKEN), Some(unknown), None] {
        for (method, path) in [
            (Method::GET, "/rules"),
            (Method::POST, "/rules"),
            (Method::GET, "/nowhere"),
        ] {
            send(&app, token, method, path).await;
        }
    }
    let _ = service.kill().await;
    let text = std::fs::read_to_string(&log_path).unwrap();
    let completed = text
        .lines()
        .filter(|l| l.contains("request completed"))
        .count();
    assert!(
        completed >= 12,
        "the requests were logged: {completed} lines\n{text}"
    );
    for secret in [WRITE_TOKEN, READ_TOKEN, unknown] {
        assert!(!text.contains(secret), "a log line holds {secret}");
    }
}
