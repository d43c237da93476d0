//! Within Pyroscope's limits (docs/at-scale.md): a stand-in that keeps Pyroscope's limits
//! (windows of at most 24 h, nothing before 7 days, 429 beyond 100 outstanding requests) reads
//! the same as the service's own store of the same pushes: 48-hour windows of `/profiles`,
//! triage, a diff's baseline and `/pgo` are read in pieces and merged; a window past the
//! lookback says `partial`; refusals are waited out, and a read that cannot finish answers 503
//! with `Retry-After`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use pf_pprof::encode::{profile, to_bytes, Header, Stack};
use pf_pprof::proto;
use serde_json::Value;

use crate::helpers::{json_with_status, spawn_app_with, TestApp};
use crate::ingest::{ingest, CENTURY};
use crate::pgo::{decoded, text};
use crate::stubs::standin::PyroscopeStandIn;
use crate::stubs::standin_limits::pyroscopes;

const HOUR: i64 = 3600;

/// A Go-like CPU profile of hour `k`: `main;serve;parse` and `main;serve;render`, render
/// growing with the hours, `main;gc` in every third.
fn cpu(k: i64, at: i64) -> Vec<u8> {
    let header = Header {
        sample_types: vec![
            ("samples".into(), "count".into()),
            ("cpu".into(), "nanoseconds".into()),
        ],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        time_nanos: at * 1_000_000_000,
        duration_nanos: 10_000_000_000,
        ..Header::default()
    };
    let stack = |frames: &[&str], samples: i64| Stack {
        frames: frames.iter().map(|f| (*f).to_owned()).collect(),
        values: vec![samples, samples * 10_000_000],
    };
    let mut stacks = vec![
        stack(&["main", "serve", "parse"], 40),
        stack(&["main", "serve", "render"], 20 + k),
    ];
    if k % 3 == 0 {
        stacks.push(stack(&["main", "gc"], 7));
    }
    to_bytes(&profile(&header, &stacks), true)
}

/// One service on its own store, one on a Pyroscope with Pyroscope's limits, both holding the
/// profiles of `app`: one 10-s CPU profile an hour for the last `hours` hours.
struct Both {
    pushed: TestApp,
    pyroscope: TestApp,
    standin: PyroscopeStandIn,
    now: i64,
    _store: tempfile::TempDir,
}

async fn both(app: &str, hours: i64, timeout: Duration) -> Both {
    let standin = PyroscopeStandIn::start().await;
    standin.set_limits(pyroscopes());
    let now = chrono::Utc::now().timestamp();
    let newest = now - now.rem_euclid(HOUR) - 60;
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    let pushed = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = CENTURY;
    })
    .await;
    let url = standin.url();
    let pyroscope = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        // Pyroscope's own limits, as a deployment sets them to match it.
        s.pyroscope.max_lookback_days = 7;
        s.pyroscope.max_query_hours = std::num::NonZeroU32::new(24).unwrap();
        s.pyroscope.request_timeout_secs = timeout;
        s.pyroscope.cache_ttl_secs = Duration::ZERO;
    })
    .await;
    for k in 0..hours {
        let at = newest - k * HOUR;
        let body = cpu(k, at);
        let query = format!(
            "name={app}%7Bversion%3D1%7D&from={at}&until={}&format=pprof",
            at + 10
        );
        let res = ingest(&pushed, &query, "application/octet-stream", body.clone()).await;
        assert_eq!(res.status(), 200);
        standin.keep_at(
            &[("service_name", app), ("version", "1")],
            &body,
            (at, at + 10),
        );
    }
    Both {
        pushed,
        pyroscope,
        standin,
        now,
        _store: store,
    }
}

/// An answer without what each source says its own way: the profile-type ID, and a diff's
/// intervals, which are made of parts that are the push store's files and equal slices of the
/// window in Pyroscope (docs/api.md#how-sure-is-a-diff); the shares, deltas and functions stay.
fn comparable(mut body: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                for key in ["profileTypeId", "significance"] {
                    o.remove(key);
                }
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut body);
    body
}

/// The nanoseconds per stack (root first) of a `/pgo` file.
fn stacks(p: &proto::Profile) -> BTreeMap<Vec<String>, i64> {
    let column = p
        .sample_type
        .iter()
        .position(|t| text(p, t.r#type) == "cpu")
        .expect("a cpu column");
    let name = |location: u64| {
        let l = p.location.iter().find(|l| l.id == location).unwrap();
        let f = p
            .function
            .iter()
            .find(|f| f.id == l.line[0].function_id)
            .unwrap();
        text(p, f.name)
    };
    let mut by_stack = BTreeMap::new();
    for s in &p.sample {
        let frames: Vec<String> = s.location_id.iter().rev().map(|&l| name(l)).collect();
        *by_stack.entry(frames).or_insert(0) += s.value[column];
    }
    by_stack
}

#[tokio::test]
async fn windows_longer_than_pyroscope_answers_read_in_pieces_as_the_push_store_reads_them() {
    let b = both("longer", 96, Duration::from_secs(30)).await;
    let day2 = format!("from={}&to={}", b.now - 48 * HOUR, b.now);
    for path in [
        format!("/profiles/longer?{day2}&limit=10"),
        format!("/triage/longer?types=cpu&{day2}"),
        format!(
            "/diff/longer?{day2}&baselineFrom={}&baselineTo={}",
            b.now - 96 * HOUR,
            b.now - 48 * HOUR
        ),
    ] {
        let pushed = json_with_status(b.pushed.get(&path).await, 200).await;
        let read = json_with_status(b.pyroscope.get(&path).await, 200).await;
        assert_eq!(comparable(read), comparable(pushed), "{path}");
    }
    let profile = json_with_status(
        b.pyroscope.get(&format!("/profiles/longer?{day2}")).await,
        200,
    )
    .await;
    assert!(profile["totalSamples"].as_u64().unwrap() > 0);
    let pgo = |app: &TestApp| {
        let path = format!("/pgo/longer?{day2}");
        let client = app.client.clone();
        let url = app.url(&path);
        async move {
            let res = client.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            stacks(&decoded(&res.bytes().await.unwrap()))
        }
    };
    assert_eq!(pgo(&b.pyroscope).await, pgo(&b.pushed).await);
    // Pyroscope was never asked for more than a day at once.
    for received in b.standin.received() {
        let (start, end) = (&received.message["start"], &received.message["end"]);
        let ms = |v: &Value| {
            v.as_str()
                .and_then(|t| t.parse::<i64>().ok())
                .or(v.as_i64())
        };
        if let (Some(start), Some(end)) = (ms(start), ms(end)) {
            assert!(
                end - start <= 24 * HOUR * 1000 + 1,
                "{}: {start}..{end}",
                received.path
            );
        }
    }
}

#[tokio::test]
async fn a_window_reaching_past_the_lookback_answers_what_is_kept_and_says_so() {
    let b = both("older", 24 * 9, Duration::from_secs(30)).await;
    let path = format!("/profiles/older?from={}&to={}", b.now - 9 * 86_400, b.now);
    let read = json_with_status(b.pyroscope.get(&path).await, 200).await;
    let partial = &read["partial"];
    assert_eq!(partial["reason"], "before_lookback", "{read:#}");
    let from = partial["from"].as_i64().unwrap();
    let asked = chrono::Utc::now().timestamp();
    assert!(
        (b.now - 7 * 86_400..=asked - 7 * 86_400).contains(&from),
        "{partial}"
    );
    // What it read is the week the stand-in keeps: the push store's answer over that week.
    let kept = format!("/profiles/older?from={from}&to={}", b.now);
    let pushed = json_with_status(b.pushed.get(&kept).await, 200).await;
    assert_eq!(read["totalSamples"], pushed["totalSamples"]);
    assert!(pushed.get("partial").is_none());
}

#[tokio::test]
async fn refusals_are_waited_out_and_a_pyroscope_that_keeps_refusing_gets_a_503_with_retry_after() {
    let b = both("busy", 3, Duration::from_secs(3)).await;
    let path = format!("/profiles/busy?from={}&to={}", b.now - 4 * HOUR, b.now);
    let pushed = json_with_status(b.pushed.get(&path).await, 200).await;
    b.standin.refuse_next(2, Some(1));
    let started = Instant::now();
    let read = json_with_status(b.pyroscope.get(&path).await, 200).await;
    assert_eq!(comparable(read), comparable(pushed));
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "the Retry-After was not waited out"
    );
    // One that keeps refusing: 503 with Retry-After, naming the refusal, within the deadline.
    b.standin.refuse_next(usize::MAX, Some(1));
    let started = Instant::now();
    let res = b.pyroscope.get(&path).await;
    let waited = started.elapsed();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "upstream_throttled", "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("429") && error.contains("too many outstanding requests"),
        "{error}"
    );
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    let metrics = b.pyroscope.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("upstream_refusals_total{target=\"pyroscope\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("upstream_wait_seconds_total{target=\"pyroscope\"}"));
    b.standin.refuse_next(0, None);
}
