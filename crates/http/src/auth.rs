//! Optional access control at the HTTP edge: a bearer token (or the password of basic auth, as
//! profiling agents send it), known by the SHA-256 of its plaintext, with the scope `read`,
//! `write`, `admin` or `ingest`, and maybe a team. Without configured tokens every request
//! passes untouched. The token is never logged nor echoed; only what it is configured as
//! travels on, as the request's [`Caller`] (what the routes decide with: `crate::access`).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, AUTHORIZATION};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth_settings::{AuthSettings, Scope};
use crate::error::ApiError;
use pf_infra::telemetry::Metrics;

/// Who a request authenticated as: its token's configured name, scope and team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name: what the audit records.
    pub name: String,
    pub scope: Scope,
    /// The team the token is bound to; `None`: every app.
    pub team: Option<String>,
    /// Whether it is the token this deployment's own processes call each other with
    /// (`sors.token`): what it says a row was made by (a BOR's history record, relayed) is
    /// what that process authenticated, not a claim.
    pub relay: bool,
}

struct Token {
    name: String,
    scope: Scope,
    team: Option<String>,
    digest: [u8; 32],
}

/// The configured tokens and the paths that need none.
pub struct Authenticator {
    tokens: Vec<Token>,
    exempt: Vec<String>,
    /// The digest of `sors.token`, when this process knows it.
    relay: Option<[u8; 32]>,
}

impl Authenticator {
    /// From validated settings (a token whose digest does not read was refused at startup).
    pub fn new(settings: &AuthSettings) -> Self {
        let tokens = settings
            .tokens
            .iter()
            .filter_map(|t| {
                Some(Token {
                    name: t.name.clone(),
                    scope: t.scope,
                    team: t.team.clone(),
                    digest: t.digest()?,
                })
            })
            .collect();
        Authenticator {
            tokens,
            exempt: settings.exempt.clone(),
            relay: None,
        }
    }

    /// Knows `token` (the plaintext of `sors.token`, which this deployment's processes send
    /// each other) as the relay: a row it sends keeps the requester the sending process
    /// authenticated. It must also be one of the configured tokens to be let in at all.
    pub fn with_relay(mut self, token: Option<&[u8]>) -> Self {
        self.relay = token.map(|t| Sha256::digest(t).into());
        self
    }

    /// Whether tokens are required at all.
    pub fn enabled(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// The paths answered without a token.
    pub fn exempt(&self) -> &[String] {
        &self.exempt
    }

    /// The token `presented` is, comparing its digest with every configured one in constant
    /// time (all are compared, so the time does not tell which one matched either).
    fn identify(&self, presented: &[u8]) -> Option<(&Token, bool)> {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut found = None;
        for token in &self.tokens {
            if bool::from(token.digest.ct_eq(&digest)) {
                found = Some(token);
            }
        }
        let relay = self
            .relay
            .is_some_and(|relay| bool::from(relay.ct_eq(&digest)));
        found.map(|token| (token, relay))
    }

    /// Who may send `method path` with this `Authorization` header: `Ok(None)` for an exempt
    /// path, the caller when allowed, else 401 (no known token) or 403 (read-only token on a
    /// method that changes something). What a write may change (a team's apps, `admin`'s
    /// rights) the routes decide (`crate::access`).
    pub fn authorize(
        &self,
        method: &Method,
        path: &str,
        authorization: Option<&HeaderValue>,
    ) -> Result<Option<Caller>, ApiError> {
        if is_exempt(&self.exempt, path) {
            return Ok(None);
        }
        let Some(presented) = authorization.and_then(presented_token) else {
            return Err(ApiError::Unauthorized(
                "this route needs an `Authorization: Bearer <token>` header".into(),
            ));
        };
        let Some((token, relay)) = self.identify(&presented) else {
            return Err(ApiError::Unauthorized(
                "the bearer token is not known".into(),
            ));
        };
        let push = method == Method::POST && PUSH_PATHS.contains(&path);
        // The query API reads with POST (Connect), so a read token may call it
        // (docs/grafana.md#tokens).
        let query = method == Method::POST && is_query(path);
        match token.scope {
            Scope::Read if !method.is_safe() && !query => Err(ApiError::Forbidden(format!(
                "the token `{}` may only read; {method} needs a write token",
                token.name
            ))),
            Scope::Ingest if !push => Err(ApiError::Forbidden(format!(
                "the token `{}` may only push profiles ({})",
                token.name,
                PUSH_PATHS.join(", ")
            ))),
            _ => Ok(Some(Caller {
                name: token.name.clone(),
                scope: token.scope,
                team: token.team.clone(),
                relay,
            })),
        }
    }
}

/// Whether `path` is one of `exempt`: an entry ending in `/` is a prefix, any other exact.
pub fn is_exempt(exempt: &[String], path: &str) -> bool {
    exempt.iter().any(|entry| {
        if entry.ends_with('/') {
            path.starts_with(entry.as_str())
        } else {
            path == entry
        }
    })
}

/// The Pyroscope query API's methods, which only read although they are `POST`.
pub const QUERY_METHODS: [&str; 8] = [
    "ProfileTypes",
    "LabelNames",
    "LabelValues",
    "Series",
    "SelectSeries",
    "SelectMergeStacktraces",
    "SelectMergeProfile",
    "GetProfileStats",
];

/// Whether `path` is one of the [`QUERY_METHODS`] of `querier.v1.QuerierService`, exactly.
fn is_query(path: &str) -> bool {
    path.strip_prefix("/querier.v1.QuerierService/")
        .is_some_and(|m| QUERY_METHODS.contains(&m))
}

/// The routes an `ingest` token may call: where agents push profiles.
pub const PUSH_PATHS: [&str; 3] = [
    "/ingest",
    "/push.v1.PusherService/Push",
    "/v1development/profiles",
];

/// The token of `Bearer <token>`, or the password of `Basic <base64 of user:password>` (how
/// Grafana Cloud's agents send theirs), the scheme in any case.
fn presented_token(value: &HeaderValue) -> Option<Vec<u8>> {
    let value = value.as_bytes();
    let (scheme, rest) = value.split_at_checked(6)?;
    let token = if scheme.eq_ignore_ascii_case(b"basic ") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim_ascii())
            .ok()?;
        let colon = decoded.iter().position(|b| *b == b':')?;
        decoded[colon + 1..].to_vec()
    } else {
        let (scheme, token) = value.split_at_checked(7)?;
        if !scheme.eq_ignore_ascii_case(b"bearer ") {
            return None;
        }
        token.trim_ascii().to_vec()
    };
    (!token.is_empty()).then_some(token)
}

/// The middleware: with tokens configured, a request needs one unless its path is exempt.
/// A refusal is the standard error body, counted in `http_auth_rejections_total`.
pub async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let auth = req
        .app_data::<web::Data<Authenticator>>()
        .filter(|auth| auth.enabled())
        .cloned();
    let Some(auth) = auth else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let decision = auth.authorize(req.method(), req.path(), req.headers().get(AUTHORIZATION));
    match decision {
        Ok(caller) => {
            if let Some(caller) = caller {
                req.extensions_mut().insert(caller);
            }
            next.call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        Err(refusal) => {
            if let Some(metrics) = req.app_data::<web::Data<Metrics>>() {
                let status = refusal.status_code();
                metrics
                    .auth_rejections
                    .with_label_values(&[status.as_str()])
                    .inc();
            }
            let response = refusal.error_response().map_into_right_body();
            Ok(req.into_response(response))
        }
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
