//! Bounded under any input (SPEC §34), the parts a test in this binary can show: a `to` of
//! `i64::MAX` or ten years ahead is read as now on every read route and costs a few calls to
//! Pyroscope; a window longer than `http.max_window_days` is 400; a push dated in 2100 or
//! before the retention is 400 and nothing is stored; a `Retry-After` of thirty thousand years
//! pauses no longer than `pyroscope.max_retry_after_secs`; made-up methods are one metric label;
//! a push is admitted before its body is read and a body that stalls is dropped.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::helpers::{assert_error, json_with_status, spawn_app_with, TestApp};
use crate::ingest::{cpu_pprof, ingest, stored_files};
use crate::read_routes::READS;
use crate::stubs::standin::PyroscopeStandIn;

async fn on_pyroscope() -> (TestApp, PyroscopeStandIn) {
    let standin = PyroscopeStandIn::start().await;
    let now = chrono::Utc::now().timestamp();
    for k in 0..3 {
        let from = now - 1800 + 600 * k;
        standin.keep_at(
            &[("service_name", "busy")],
            &cpu_pprof(70, 30),
            (from, from + 60),
        );
    }
    let url = standin.url();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.cache_ttl_secs = Duration::ZERO;
        s.pyroscope.max_lookback_days = 7;
        s.pyroscope.request_timeout_secs = Duration::from_secs(3);
    })
    .await;
    (app, standin)
}

#[tokio::test]
async fn a_to_at_the_end_of_time_is_read_as_now_with_a_few_calls_on_every_read_route() {
    let (app, standin) = on_pyroscope().await;
    let now = chrono::Utc::now().timestamp();
    let ten_years = now + 3650 * 86_400;
    for to in [i64::MAX, ten_years] {
        for route in READS {
            let before = standin.received().len();
            let path = route.replace("{window}", &format!("from={}&to={to}", now - 3600));
            let res = app.get(&path).await;
            let status = res.status().as_u16();
            assert!(
                status == 200 || status == 404,
                "{path}: {status} {}",
                res.text().await.unwrap()
            );
            let calls = standin.received().len() - before;
            // A window of an hour: a type lookup and one read per window (a diff has two and
            // its ten parts each, a triage two types): never a call per day up to the year
            // 292 277 026 596.
            assert!(calls <= 2 * 10 + 8, "{path}: {calls} calls to Pyroscope");
        }
    }
    // Pyroscope's first example, which ended the process: 400, no call at all.
    let before = standin.received().len();
    let res = app
        .get("/profiles/apps?from=1700000000&to=9223372036854775807")
        .await;
    let body = assert_error(res, 400, "invalid_time_window").await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("http.max_window_days"),
        "{body}"
    );
    assert_eq!(standin.received().len(), before);
    json_with_status(app.get("/health/live").await, 200).await;
}

#[tokio::test]
async fn a_window_longer_than_max_window_days_is_refused_and_31_days_is_not() {
    let app = spawn_app_with(|s| {
        s.http.max_window_days = std::num::NonZeroU32::new(2).unwrap();
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    let two_days = format!("from={}&to={now}", now - 2 * 86_400);
    json_with_status(
        app.get(&format!("/profiles/checkout?{two_days}")).await,
        200,
    )
    .await;
    let longer = format!("from={}&to={now}", now - 2 * 86_400 - 60);
    for route in ["/profiles/checkout", "/triage/checkout", "/diff/checkout"] {
        let res = app.get(&format!("{route}?{longer}")).await;
        assert_error(res, 400, "invalid_time_window").await;
    }
    // A diff's baseline is a window too.
    let res = app
        .get(&format!(
            "/diff/checkout?from={}&to={now}&baselineFrom=0",
            now - 3600
        ))
        .await;
    let body = assert_error(res, 400, "invalid_time_window").await;
    assert!(body["error"]
        .as_str()
        .unwrap()
        .starts_with("baseline window"));
}

#[tokio::test]
async fn pushes_dated_in_2100_or_before_the_retention_are_refused_and_nothing_is_stored() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    let app = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = std::num::NonZeroU32::new(30).unwrap();
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    for from in [4_102_444_800, now - 400 * 86_400, now + 3600] {
        let query = format!("name=dated&from={from}&until={}&format=pprof", from + 10);
        let res = ingest(&app, &query, "application/octet-stream", cpu_pprof(7, 3)).await;
        let body = assert_error(res, 400, "profile_out_of_range").await;
        let text = body["error"].as_str().unwrap();
        assert!(text.contains("10 minutes past now"), "{text}");
    }
    assert_eq!(stored_files(store.path()), 0, "nothing refused is stored");
    // Five minutes ahead (a fast clock) and 29 days back are kept.
    for from in [now + 300, now - 29 * 86_400] {
        let query = format!("name=dated&from={from}&until={}&format=pprof", from + 10);
        let res = ingest(&app, &query, "application/octet-stream", cpu_pprof(7, 3)).await;
        json_with_status(res, 200).await;
    }
}

#[tokio::test]
async fn a_retry_after_of_thirty_thousand_years_pauses_for_the_cap_and_the_process_stays_up() {
    let (app, standin) = on_pyroscope().await;
    standin.refuse_next(1, Some(999_999_999_999));
    let res = app.get("/profiles/busy").await;
    // The read cannot wait the cap (60 s) within its deadline (3 s): 503 at once, saying when.
    assert_eq!(res.status(), 503);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    json_with_status(app.get("/health/live").await, 200).await;
}

#[tokio::test]
async fn two_thousand_made_up_methods_are_one_metric_label() {
    let app = spawn_app_with(|_| {}).await;
    for i in 0..2000 {
        let method = reqwest::Method::from_bytes(format!("M{i:04}").as_bytes()).unwrap();
        let res = app
            .client
            .request(method, app.url("/triage/checkout"))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(!metrics.contains("M0001"), "a made-up method is a label");
    assert!(
        metrics.contains(r#"method="other""#),
        "made-up methods are `other`"
    );
    let series = metrics
        .lines()
        .filter(|l| l.starts_with("http_request_duration_seconds_count"))
        .count();
    assert!(series < 40, "{series} request series");
}

/// Opens a push of `length` bytes to `app` and sends its first `sent` bytes, then stalls.
async fn stalled_push(app: &TestApp, length: usize, sent: usize) -> tokio::net::TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /ingest?name=slow&format=pprof HTTP/1.1\r\nhost: {address}\r\n\
         content-type: application/octet-stream\r\ncontent-length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![0u8; sent]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

#[tokio::test]
async fn a_push_is_admitted_before_its_body_is_read_and_a_stalled_body_is_dropped() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    let app = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.max_in_flight = std::num::NonZeroUsize::new(2).unwrap();
        s.ingest.max_body_bytes = std::num::NonZeroUsize::new(1 << 20).unwrap();
        s.server.body_timeout_secs = Duration::from_secs(2);
    })
    .await;
    // Two uploads that stall after 64 KiB hold both places.
    let stalled = [
        stalled_push(&app, 1 << 20, 64 << 10).await,
        stalled_push(&app, 1 << 20, 64 << 10).await,
    ];
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A third is refused at once, before its body is read.
    let started = std::time::Instant::now();
    let res = ingest(&app, "name=third", "application/octet-stream", big_body()).await;
    assert_eq!(res.status(), 429, "{}", res.text().await.unwrap());
    assert!(started.elapsed() < Duration::from_secs(2));
    // The stalled ones are dropped after the body timeout, and their places come back.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let now = chrono::Utc::now().timestamp();
    let query = format!("name=fourth&from={now}&until={}&format=pprof", now + 10);
    let res = ingest(&app, &query, "application/octet-stream", cpu_pprof(7, 3)).await;
    json_with_status(res, 200).await;
    drop(stalled);
    json_with_status(app.get("/health/live").await, 200).await;
}

/// A body of a few hundred kilobytes.
fn big_body() -> Vec<u8> {
    vec![1u8; 300 << 10]
}

#[tokio::test]
async fn a_push_to_a_nearly_full_volume_is_507_with_retry_after_and_nothing_is_stored() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    // No volume has more than 100 % free: every push meets a "nearly full" disk.
    let app = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.min_free_percent = 100.0;
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    let query = format!("name=full&from={now}&until={}&format=pprof", now + 10);
    let res = ingest(&app, &query, "application/octet-stream", cpu_pprof(7, 3)).await;
    assert_eq!(res.status(), 507);
    assert_eq!(res.headers()["retry-after"], "60");
    let body = assert_error(res, 507, "insufficient_storage").await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("ingest.min_free_percent"),
        "{body}"
    );
    assert_eq!(stored_files(store.path()), 0);
    // Reads go on.
    json_with_status(app.get("/profiles/checkout").await, 200).await;
}

#[tokio::test]
async fn a_request_target_or_headers_past_the_edges_bounds_answer_json() {
    let app = spawn_app_with(|_| {}).await;
    let functions = "f".repeat(60_000);
    let res = app
        .get(&format!("/trends/checkout?functions={functions}"))
        .await;
    assert_error(res, 414, "uri_too_long").await;
    let res = app
        .client
        .get(app.url("/triage/checkout"))
        .header("x-padding", "p".repeat(40_000))
        .send()
        .await
        .unwrap();
    assert_error(res, 431, "headers_too_large").await;
    json_with_status(app.get("/health/live").await, 200).await;
}
