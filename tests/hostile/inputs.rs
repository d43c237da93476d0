//! What the hostile tests send: profiles (one of 1.5 million identical samples, a gzip bomb),
//! pushes, and a friendly push and read to make beside them.

use std::io::Write;
use std::time::Duration;

use pf_pprof::encode::{profile, to_bytes, Header, Stack};
use pf_pprof::proto;
use prost::Message;
use tokio::io::AsyncWriteExt;

use crate::push_proto::{LabelPair, PushRequest, RawSample, Series};
use crate::service::Service;

pub const PERIOD: i64 = 10_000_000;

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A CPU profile: `main;busy_hot` `hot` samples, `main;busy_cold` `cold`.
pub fn cpu_pprof(hot: i64, cold: i64) -> Vec<u8> {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: PERIOD,
        ..Header::default()
    };
    let stack = |leaf: &str, n: i64| Stack {
        frames: vec!["main".into(), leaf.into()],
        values: vec![n * PERIOD],
    };
    to_bytes(
        &profile(&header, &[stack("busy_hot", hot), stack("busy_cold", cold)]),
        true,
    )
}

/// A CPU profile of `samples` samples, every one `main;spin` with one period: small as gzip
/// (about 40 KiB for 1.5 million), large once decoded.
pub fn identical_samples(samples: usize) -> Vec<u8> {
    let strings = ["", "cpu", "nanoseconds", "main", "spin"];
    let profile = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        period_type: Some(proto::ValueType { r#type: 1, unit: 2 }),
        period: PERIOD,
        string_table: strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        function: vec![
            proto::Function {
                id: 1,
                name: 3,
                ..proto::Function::default()
            },
            proto::Function {
                id: 2,
                name: 4,
                ..proto::Function::default()
            },
        ],
        location: (1..=2)
            .map(|id| proto::Location {
                id,
                line: vec![proto::Line {
                    function_id: id,
                    line: 0,
                }],
                ..proto::Location::default()
            })
            .collect(),
        sample: vec![
            proto::Sample {
                location_id: vec![2, 1],
                value: vec![PERIOD],
                label: Vec::new(),
            };
            samples
        ],
        ..proto::Profile::default()
    };
    gzip(&profile.encode_to_vec())
}

/// A CPU profile of `n` distinct functions, each at its own location and in its own sample
/// (`main;f<k>`): a large table of strings, functions and locations.
pub fn distinct_locations(n: u64) -> Vec<u8> {
    let mut strings: Vec<Vec<u8>> = ["", "cpu", "nanoseconds", "main"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let mut function = vec![proto::Function {
        id: 1,
        name: 3,
        ..proto::Function::default()
    }];
    let line = |function_id| proto::Line {
        function_id,
        line: 0,
    };
    let mut location = vec![proto::Location {
        id: 1,
        line: vec![line(1)],
        ..proto::Location::default()
    }];
    let mut sample = Vec::with_capacity(n as usize);
    for k in 0..n {
        let id = k + 2;
        strings.push(format!("com.example.generated.Class{k}.method").into_bytes());
        function.push(proto::Function {
            id,
            name: strings.len() as i64 - 1,
            ..proto::Function::default()
        });
        location.push(proto::Location {
            id,
            line: vec![line(id)],
            ..proto::Location::default()
        });
        sample.push(proto::Sample {
            location_id: vec![id, 1],
            value: vec![PERIOD],
            label: Vec::new(),
        });
    }
    let profile = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        period_type: Some(proto::ValueType { r#type: 1, unit: 2 }),
        period: PERIOD,
        string_table: strings,
        function,
        location,
        sample,
        ..proto::Profile::default()
    };
    gzip(&profile.encode_to_vec())
}

/// `size` zero bytes, gzip: a few hundred KiB that decompress to `size`.
pub fn gzip_bomb(size: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..size / chunk.len() {
        gz.write_all(&chunk).expect("gzip in memory");
    }
    gz.finish().expect("gzip in memory")
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("gzip in memory");
    gz.finish().expect("gzip in memory")
}

/// `POST /ingest?{query}` with a pprof body.
pub async fn ingest(service: &Service, query: &str, body: Vec<u8>) -> reqwest::Response {
    service
        .client
        .post(service.url(&format!("/ingest?{query}")))
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /ingest?{query}: {e}"))
}

/// A Connect push of `profiles` raw profiles for `app`.
pub async fn connect_push(
    service: &Service,
    app: &str,
    profiles: Vec<Vec<u8>>,
) -> reqwest::Response {
    let request = PushRequest {
        series: vec![Series {
            labels: vec![
                LabelPair {
                    name: "__name__".into(),
                    value: "process_cpu".into(),
                },
                LabelPair {
                    name: "service_name".into(),
                    value: app.into(),
                },
            ],
            samples: profiles
                .into_iter()
                .map(|raw_profile| RawSample {
                    raw_profile,
                    id: String::new(),
                })
                .collect(),
        }],
    };
    service
        .client
        .post(service.url("/push.v1.PusherService/Push"))
        .header("content-type", "application/proto")
        .body(request.encode_to_vec())
        .send()
        .await
        .expect("a Connect push")
}

/// The query of a push of `app` over the ten seconds from `from`.
pub fn push_query(app: &str, from: i64) -> String {
    format!("name={app}&from={from}&until={}&format=pprof", from + 10)
}

/// A friendly push and read beside whatever else is going on: each succeeds, or is told to
/// come back (429 or 503 with `Retry-After`). Returns whether the push was kept.
pub async fn friendly(service: &Service, during: &str) -> bool {
    let res = ingest(
        service,
        &push_query("friendly", now() - 20),
        cpu_pprof(3, 1),
    )
    .await;
    let kept = come_back_or_ok(res, &format!("a friendly push during {during}")).await;
    let res = service.get("/profiles/friendly").await;
    come_back_or_ok(res, &format!("a friendly read during {during}")).await;
    kept
}

/// Whether `res` is a 2xx; a 429 or 503 must say when to come back; anything else fails.
pub async fn come_back_or_ok(res: reqwest::Response, what: &str) -> bool {
    let status = res.status().as_u16();
    if matches!(status, 429 | 503) {
        assert!(
            res.headers().contains_key("retry-after"),
            "{what}: {status} without Retry-After"
        );
        return false;
    }
    let body = res.text().await.unwrap_or_default();
    assert!((200..300).contains(&status), "{what}: {status} {body}");
    true
}

/// Asserts `res` is a JSON error with `status`; its body.
pub async fn refused(res: reqwest::Response, status: u16, what: &str) -> serde_json::Value {
    let got = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(got, status, "{what}: {text}");
    let body: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not JSON: {text}"));
    assert!(body["error"].is_string(), "{what}: {body}");
    body
}

/// Opens a push of `length` bytes and sends its first `sent` bytes, then stalls.
pub async fn stalled_push(service: &Service, length: usize, sent: usize) -> tokio::net::TcpStream {
    let address = service.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("a connection");
    let head = format!(
        "POST /ingest?name=stalled&format=pprof HTTP/1.1\r\nhost: {address}\r\n\
         content-type: application/octet-stream\r\ncontent-length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("a head");
    stream
        .write_all(&vec![0u8; sent])
        .await
        .expect("a body's start");
    stream.flush().await.expect("sent");
    stream
}

/// The samples `/profiles/{app}` reads over `window` (a query), waiting up to 10 s for a
/// rescan to show what was kept.
pub async fn total_samples(service: &Service, app: &str, window: &str, expect: u64) -> u64 {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let res = service.get(&format!("/profiles/{app}?{window}")).await;
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        assert_eq!(status, 200, "/profiles/{app}: {body}");
        let total = body["totalSamples"].as_u64().unwrap_or(0);
        if total == expect || std::time::Instant::now() > deadline {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
