//! The token check without a server: exempt paths, 401 and 403, constant-time identification.

use actix_web::http::header::HeaderValue;
use actix_web::http::{Method, StatusCode};
use actix_web::ResponseError;

use super::*;
use crate::auth_settings::{TokenSetting, DEFAULT_EXEMPT};

/// `printf %s token-a | sha256sum`, as the README tells operators to make a digest.
const TOKEN_A_SHA256: &str = "a70bf50e531ce1a817561f2f5d5b6645d4e806becf58ccc5e8cf6b8045a090a8";

fn authenticator() -> Authenticator {
    let token_b: String = Sha256::digest(b"token-b")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Authenticator::new(&AuthSettings {
        tokens: vec![
            TokenSetting {
                name: "writer".into(),
                scope: Scope::Write,
                sha256: TOKEN_A_SHA256.into(),
                team: None,
            },
            TokenSetting {
                name: "reader".into(),
                scope: Scope::Read,
                sha256: token_b,
                team: None,
            },
            TokenSetting {
                name: "agent".into(),
                scope: Scope::Ingest,
                sha256: Sha256::digest(b"token-i")
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
                team: None,
            },
            TokenSetting {
                name: "payments-admin".into(),
                scope: Scope::Admin,
                sha256: hex::encode(Sha256::digest(b"token-p")),
                team: Some("payments".into()),
            },
        ],
        exempt: DEFAULT_EXEMPT.map(String::from).to_vec(),
    })
}

fn ask(method: Method, path: &str, header: Option<&str>) -> Result<Option<String>, StatusCode> {
    let header = header.map(|h| HeaderValue::from_str(h).unwrap());
    authenticator()
        .authorize(&method, path, header.as_ref())
        .map(|caller| caller.map(|c| c.name))
        .map_err(|e| e.status_code())
}

#[test]
fn a_known_token_passes_with_its_name_and_scope() {
    assert_eq!(
        ask(Method::POST, "/rules", Some("Bearer token-a")),
        Ok(Some("writer".into()))
    );
    assert_eq!(
        ask(Method::GET, "/rules", Some("bearer  token-b ")),
        Ok(Some("reader".into()))
    );
    assert_eq!(
        ask(Method::HEAD, "/rules", Some("BEARER token-b")),
        Ok(Some("reader".into()))
    );
}

#[test]
fn no_known_token_is_401_and_a_reader_changing_something_is_403() {
    let unauthorized = Err(StatusCode::UNAUTHORIZED);
    assert_eq!(ask(Method::GET, "/rules", None), unauthorized);
    assert_eq!(
        ask(Method::GET, "/rules", Some("Bearer token-c")),
        unauthorized
    );
    assert_eq!(ask(Method::GET, "/rules", Some("Bearer ")), unauthorized);
    assert_eq!(
        ask(Method::GET, "/rules", Some("Basic token-a")),
        unauthorized
    );
    assert_eq!(ask(Method::GET, "/rules", Some("token-a")), unauthorized);
    // The digest itself is not a token.
    let digest = format!("Bearer {TOKEN_A_SHA256}");
    assert_eq!(ask(Method::GET, "/rules", Some(&digest)), unauthorized);
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let answer = ask(method.clone(), "/rules/1", Some("Bearer token-b"));
        assert_eq!(answer, Err(StatusCode::FORBIDDEN), "{method}");
    }
}

#[test]
fn exempt_paths_need_no_token_and_prefixes_end_in_a_slash() {
    // Every default entry as written, and a page under the one prefix.
    for path in DEFAULT_EXEMPT.into_iter().chain(["/swagger-ui/index.html"]) {
        assert_eq!(ask(Method::GET, path, None), Ok(None), "{path}");
    }
    for path in [
        "/health",
        "/metrics",
        "/metrics/",
        "/metricsx",
        "/health/live/x",
        "/openapi.json/x",
    ] {
        assert_eq!(
            ask(Method::GET, path, None),
            Err(StatusCode::UNAUTHORIZED),
            "{path}"
        );
    }
}

#[test]
fn a_refusal_says_bearer_and_never_echoes_the_token() {
    let header = HeaderValue::from_static("Bearer not-a-known-token");
    let refusal = authenticator()
        .authorize(&Method::GET, "/rules", Some(&header))
        .unwrap_err();
    let response = refusal.error_response();
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
    assert!(!refusal.to_string().contains("not-a-known-token"));
    let forbidden = authenticator()
        .authorize(
            &Method::DELETE,
            "/rules/1",
            Some(&HeaderValue::from_static("Bearer token-b")),
        )
        .unwrap_err();
    assert!(forbidden
        .error_response()
        .headers()
        .get("www-authenticate")
        .is_none());
    assert_eq!(forbidden.code(), "forbidden");
}

#[test]
fn without_tokens_nothing_is_required() {
    let open = Authenticator::new(&AuthSettings::default());
    assert!(!open.enabled());
    assert!(authenticator().enabled());
}

#[test]
fn an_ingest_token_pushes_as_bearer_or_basic_password_and_does_nothing_else() {
    let agent = Ok(Some("agent".to_owned()));
    assert_eq!(ask(Method::POST, "/ingest", Some("Bearer token-i")), agent);
    // `Basic base64("pyroscope:token-i")`, as an agent configured with a password sends it.
    let basic = "Basic cHlyb3Njb3BlOnRva2VuLWk=";
    assert_eq!(
        ask(Method::POST, "/push.v1.PusherService/Push", Some(basic)),
        agent
    );
    assert_eq!(
        ask(Method::POST, "/v1development/profiles", Some(basic)),
        agent
    );
    for (method, path) in [
        (Method::GET, "/rules"),
        (Method::POST, "/rules"),
        (Method::GET, "/ingest"),
    ] {
        let answer = ask(method.clone(), path, Some("Bearer token-i"));
        assert_eq!(answer, Err(StatusCode::FORBIDDEN), "{method} {path}");
    }
    // A write token may push too; a reader may not.
    assert_eq!(
        ask(Method::POST, "/ingest", Some("Bearer token-a")),
        Ok(Some("writer".into()))
    );
    assert_eq!(
        ask(Method::POST, "/ingest", Some("Bearer token-b")),
        Err(StatusCode::FORBIDDEN)
    );
    // A basic password that is not a known token, or no password at all, is unknown.
    assert_eq!(
        ask(Method::POST, "/ingest", Some("Basic cHlyb3Njb3BlOg==")),
        Err(StatusCode::UNAUTHORIZED)
    );
}

#[test]
fn a_reader_may_post_the_query_api_and_nothing_beside_it() {
    let reader = Some("Bearer token-b");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("grafana:token-b")
    );
    for m in QUERY_METHODS {
        let path = format!("/querier.v1.QuerierService/{m}");
        assert_eq!(
            ask(Method::POST, &path, reader),
            Ok(Some("reader".into())),
            "{m}"
        );
        assert_eq!(
            ask(Method::POST, &path, Some(&basic)),
            Ok(Some("reader".into()))
        );
        let agent = ask(Method::POST, &path, Some("Bearer token-i"));
        assert_eq!(
            agent,
            Err(StatusCode::FORBIDDEN),
            "an ingest token does not read"
        );
    }
    for near in [
        "/querier.v1.QuerierService/Diff",
        "/querier.v1.QuerierService/",
        "/querier.v1.QuerierService/Series/../../rules",
        "/push.v1.PusherService/Push",
    ] {
        assert_eq!(
            ask(Method::POST, near, reader),
            Err(StatusCode::FORBIDDEN),
            "{near}"
        );
    }
}

#[test]
fn an_admin_token_writes_and_carries_its_team_and_the_relay_is_known_by_its_digest() {
    let header = HeaderValue::from_static("Bearer token-p");
    let caller = authenticator()
        .authorize(&Method::DELETE, "/history/1", Some(&header))
        .unwrap()
        .unwrap();
    assert_eq!(caller.scope, Scope::Admin);
    assert_eq!(caller.team.as_deref(), Some("payments"));
    assert!(!caller.relay);
    let relayed = authenticator()
        .with_relay(Some(b"token-a"))
        .authorize(
            &Method::POST,
            "/history",
            Some(&HeaderValue::from_static("Bearer token-a")),
        )
        .unwrap()
        .unwrap();
    assert!(relayed.relay);
    assert_eq!(relayed.name, "writer");
}
