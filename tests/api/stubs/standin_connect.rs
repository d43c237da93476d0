//! The Connect unary protocol as the stand-in speaks it (connect-go's, as Pyroscope serves it):
//! POST only, `application/proto` or `application/json` (answered in the same), gzip bodies
//! both ways, errors as `{"code","message"}` JSON with the code's HTTP status.

use std::io::{Read, Write};

use prost::Message;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wiremock::{Request, ResponseTemplate};

/// A Connect error: its code and message.
pub struct Fault {
    code: &'static str,
    message: String,
}

impl Fault {
    pub fn invalid(message: impl Into<String>) -> Self {
        Fault {
            code: "invalid_argument",
            message: message.into(),
        }
    }

    pub fn unimplemented(message: impl Into<String>) -> Self {
        Fault {
            code: "unimplemented",
            message: message.into(),
        }
    }

    /// What Pyroscope's query frontend answers when a tenant's queue is full.
    pub fn exhausted(message: impl Into<String>) -> Self {
        Fault {
            code: "resource_exhausted",
            message: message.into(),
        }
    }

    /// What a Pyroscope answers while it is down or restarting (503).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Fault {
            code: "unavailable",
            message: message.into(),
        }
    }

    /// The error as Connect writes it: JSON whatever the request's codec, its HTTP status
    /// from its code.
    pub fn response(&self) -> ResponseTemplate {
        let status = match self.code {
            "invalid_argument" => 400,
            "unimplemented" => 404,
            "resource_exhausted" => 429,
            "unavailable" => 503,
            _ => 500,
        };
        let body = serde_json::json!({"code": self.code, "message": self.message});
        ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
    }
}

/// One unary call: its codec, its body (decompressed), and whether to gzip the answer.
pub struct Call {
    json: bool,
    body: Vec<u8>,
    gzip: bool,
}

impl Call {
    /// The call `request` makes, or connect-go's answer to a request it does not take: 405
    /// but for POST, 415 but for the two codecs, `unimplemented` for an unknown compression.
    pub fn of(request: &Request) -> Result<Call, Box<ResponseTemplate>> {
        if request.method.as_str() != "POST" {
            return Err(Box::new(
                ResponseTemplate::new(405).insert_header("allow", "POST"),
            ));
        }
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
        let mime = header("content-type").unwrap_or_default();
        let json = match mime.split(';').next().unwrap_or_default().trim() {
            "application/proto" => false,
            "application/json" => true,
            _ => {
                let accepted = "application/json, application/proto";
                return Err(Box::new(
                    ResponseTemplate::new(415).insert_header("accept-post", accepted),
                ));
            }
        };
        let gzip = header("accept-encoding").is_some_and(|a| a.contains("gzip"));
        let body = match header("content-encoding").unwrap_or("identity") {
            "identity" => request.body.clone(),
            "gzip" => {
                let mut body = Vec::new();
                let mut reader = flate2::read::MultiGzDecoder::new(request.body.as_slice());
                if let Err(e) = reader.read_to_end(&mut body) {
                    return Err(Box::new(Fault::invalid(format!("gzip: {e}")).response()));
                }
                body
            }
            other => {
                let why = format!("unknown compression {other:?}: supported encodings are gzip");
                return Err(Box::new(Fault::unimplemented(why).response()));
            }
        };
        Ok(Call { json, body, gzip })
    }

    /// Whether the call is in JSON (else binary).
    pub fn json(&self) -> bool {
        self.json
    }

    /// The request message, by the codec.
    pub fn decode<T: Message + Default + DeserializeOwned>(&self) -> Result<T, Fault> {
        match self.json {
            true => self.json_message(),
            false => self.proto_message(),
        }
    }

    pub fn proto_message<T: Message + Default>(&self) -> Result<T, Fault> {
        T::decode(self.body.as_slice()).map_err(|e| unreadable::<T>(e.to_string()))
    }

    /// connect-go refuses an empty JSON body.
    pub fn json_message<T: DeserializeOwned>(&self) -> Result<T, Fault> {
        if self.body.is_empty() {
            let why = "zero-length payload is not a valid JSON object";
            return Err(unreadable::<T>(why.into()));
        }
        serde_json::from_slice(&self.body).map_err(|e| unreadable::<T>(e.to_string()))
    }

    /// A 200 answer of `message` in the request's codec.
    pub fn answer<T: Message + Serialize>(&self, message: &T) -> ResponseTemplate {
        let (body, mime) = match self.json {
            false => (message.encode_to_vec(), "application/proto"),
            true => (
                serde_json::to_vec(message).expect("an answer in JSON"),
                "application/json",
            ),
        };
        if !self.gzip {
            return ResponseTemplate::new(200).set_body_raw(body, mime);
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&body).expect("gzip into memory");
        let body = gz.finish().expect("gzip into memory");
        ResponseTemplate::new(200)
            .set_body_raw(body, mime)
            .insert_header("content-encoding", "gzip")
    }

    /// Decodes the request, records its JSON form, and answers what `handle` makes of it.
    pub fn unary<Q, A>(
        &self,
        record: &mut Value,
        handle: impl FnOnce(Q) -> Result<A, Fault>,
    ) -> Result<ResponseTemplate, Fault>
    where
        Q: Message + Default + DeserializeOwned + Serialize,
        A: Message + Serialize,
    {
        let request: Q = self.decode()?;
        *record = serde_json::to_value(&request).unwrap_or(Value::Null);
        Ok(self.answer(&handle(request)?))
    }
}

/// connect-go's error for a body that does not decode.
fn unreadable<T>(why: String) -> Fault {
    let name = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("message");
    Fault::invalid(format!("unmarshal into {name}: {why}"))
}
