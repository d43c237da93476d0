//! Connect over HTTP for the querier routes (docs/grafana.md): a body of `application/proto`
//! (what Grafana's Go client sends) or `application/json` (Connect's JSON), read within a
//! bound, and the answer in the same encoding; a failure is Connect's error JSON.

use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;

use pf_http::error::{connect_error, ApiError};
use pf_http::extract::{bounded_body, header_text, EdgeLimits};

/// Largest request body: a query is a few hundred bytes.
const MAX_REQUEST_BYTES: usize = 1 << 20;

/// A Connect request's body and its encoding.
pub struct ConnectBody {
    json: bool,
    bytes: bytes::Bytes,
}

impl ConnectBody {
    /// The request message, from protobuf or Connect's JSON.
    pub fn decode<M>(&self) -> Result<M, ApiError>
    where
        M: prost::Message + Default + DeserializeOwned,
    {
        let refused = |e: &dyn std::fmt::Display| {
            ApiError::bad_request("invalid_argument", format!("unreadable request: {e}"))
        };
        if self.json {
            // An empty JSON body is the empty message, as Connect reads it.
            if self.bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(M::default());
            }
            serde_json::from_slice(&self.bytes).map_err(|e| refused(&e))
        } else {
            M::decode(self.bytes.as_ref()).map_err(|e| refused(&e))
        }
    }

    /// Whether the answer is written in JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }
}

/// `message` in the request's encoding.
pub fn answer<M: prost::Message + Serialize>(json: bool, message: &M) -> HttpResponse {
    if json {
        HttpResponse::Ok().json(message)
    } else {
        HttpResponse::Ok()
            .content_type("application/proto")
            .body(message.encode_to_vec())
    }
}

/// The answer of one call: `work`'s message, or Connect's error.
pub async fn unary<Req, Res, Fut>(
    body: Result<ConnectBody, ApiError>,
    work: impl FnOnce(Req) -> Fut,
) -> HttpResponse
where
    Req: prost::Message + Default + DeserializeOwned,
    Res: prost::Message + Serialize,
    Fut: std::future::Future<Output = Result<Res, ApiError>>,
{
    let body = match body {
        Ok(body) => body,
        Err(e) => return connect_error(&e),
    };
    let json = body.is_json();
    match body.decode::<Req>() {
        Ok(request) => match work(request).await {
            Ok(message) => answer(json, &message),
            Err(e) => connect_error(&e),
        },
        Err(e) => connect_error(&e),
    }
}

impl FromRequest for ConnectBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media = header_text(req, CONTENT_TYPE);
        let media = media
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let encoding = header_text(req, CONTENT_ENCODING);
        let timeout = EdgeLimits::of(req).body_timeout;
        let payload = payload.take();
        Box::pin(async move {
            let json = match media.as_str() {
                "application/json" => true,
                "application/proto" | "application/protobuf" | "application/x-protobuf" => false,
                other => {
                    return Err(ApiError::UnsupportedMediaType(format!(
                        "Content-Type `{other}` is not served: send application/proto or application/json"
                    )))
                }
            };
            if !encoding.is_empty() && !encoding.eq_ignore_ascii_case("identity") {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "Content-Encoding `{encoding}` is not served: send the request uncompressed"
                )));
            }
            let bytes = bounded_body(
                payload,
                MAX_REQUEST_BYTES,
                ("a query", "invalid_argument"),
                timeout,
            )
            .await?;
            Ok(ConnectBody { json, bytes })
        })
    }
}
