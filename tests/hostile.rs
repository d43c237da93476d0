//! Bounded under any input (SPEC §34), shown on the release build as a company would meet it:
//! started under an address-space limit (`prlimit --as`), with its own embedded PostgreSQL,
//! and sent what misconfigured agents, typos and curious colleagues send — windows to the end of
//! time, pushes dated 2100, gzip bombs, uploads that stall, made-up methods, a full disk, a
//! `Retry-After` of thirty thousand years, a slice of pushes small as gzip and huge once decoded.
//! Throughout, `/health/live` answers within a second, a friendly push and read beside it
//! succeed (or are told when to come back), nothing acknowledged is lost, and the peak resident
//! memory (`VmHWM`) stays under the manifests' 512 MiB.
//!
//! A test binary of its own: its tests run one at a time (`ALONE`) beside no other, so that the
//! memory and the one-second answers are the service's own. The release build is made by cargo
//! on first use. Mounting the small volume that is filled needs root (CI runs as root): without
//! it the test fails saying so.

use std::time::Duration;

#[path = "common/push_proto.rs"]
mod push_proto;
#[path = "common/read_routes.rs"]
mod read_routes;

#[path = "hostile/inputs.rs"]
mod inputs;
#[path = "hostile/service.rs"]
mod service;

/// The Pyroscope stand-in of the API tests.
#[allow(dead_code)]
#[path = "hostile/stubs.rs"]
mod stubs;

use inputs::{
    come_back_or_ok, connect_push, cpu_pprof, distinct_locations, friendly, gzip_bomb,
    identical_samples, ingest, now, push_query, refused, stalled_push, total_samples, PERIOD,
};
use read_routes::READS;
use service::{Service, SmallVolume};
use stubs::standin::PyroscopeStandIn;

/// Held by each test while it runs.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The body timeout the tests run with (the default is 30 s; the rule is the same).
const BODY_TIMEOUT_SECS: u64 = 5;

/// Every read route with `to` at the end of time and ten years ahead: never a 5xx.
async fn windows_at_the_end_of_time(service: &Service, standin: Option<&PyroscopeStandIn>) {
    let ten_years = now() + 3650 * 86_400;
    for to in [i64::MAX, ten_years] {
        for route in READS {
            let before = standin.map_or(0, |s| s.received().len());
            let path = route.replace("{window}", &format!("from={}&to={to}", now() - 3600));
            let res = service.get(&path).await;
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            assert!(matches!(status, 200 | 404), "{path}: {status} {body}");
            if let Some(standin) = standin {
                // An hour: a type lookup and a read per window (a diff: two windows and ten
                // parts each), never a call per day to the year 292 277 026 596.
                let calls = standin.received().len() - before;
                eprintln!("{path}: {calls} calls to Pyroscope");
                assert!(calls <= 28, "{path}: {calls} calls to Pyroscope");
            }
        }
    }
    // The example that ended the process: a window of 300 million years is 400.
    let res = service
        .get("/profiles/apps?from=1700000000&to=9223372036854775807")
        .await;
    refused(res, 400, "a window past max_window_days").await;
}

/// §8's bad inputs: each a 4xx JSON error.
async fn bad_requests(service: &Service) {
    for path in [
        "/profiles/busy?from=abc",
        "/profiles/busy?from=20&to=10",
        "/profiles/busy?type=nothing",
        "/profiles/busy?labels=%7Bservice%3D%3D",
        "/profiles/busy/diff?baselineFrom=-99999999999999999999",
        "/triage/%00%01",
        "/search?function=",
    ] {
        let res = service.get(path).await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        assert!((400..500).contains(&status), "{path}: {status} {text}");
        assert!(text.starts_with('{'), "{path}: not JSON: {text}");
    }
    for body in ["{", "[]", "{\"appName\": 7}", &"[".repeat(100_000)] {
        let res = service
            .client
            .post(service.url("/rules"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("POST /rules");
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "POST /rules {status}");
    }
}

/// §16's bad pushes: bombs, garbage, truncation; each refused with a 4xx, nothing kept.
async fn bad_pushes(service: &Service) {
    let from = now() - 60;
    let bomb = gzip_bomb(1 << 30);
    let res = ingest(service, &push_query("bomb", from), bomb).await;
    refused(res, 413, "a 1 GiB gzip bomb").await;
    // One decode budget for the whole request: sixteen bombs of 64 MiB, each under it alone.
    let bombs = vec![gzip_bomb(64 << 20); 16];
    let res = connect_push(service, "bombs", bombs).await;
    let status = res.status().as_u16();
    assert!((400..500).contains(&status), "sixteen bombs: {status}");
    let res = ingest(service, &push_query("garbage", from), vec![0x5a; 4096]).await;
    refused(res, 400, "garbage").await;
    let whole = cpu_pprof(5, 5);
    let res = ingest(
        service,
        &push_query("cut", from),
        whole[..whole.len() / 2].to_vec(),
    )
    .await;
    let status = res.status().as_u16();
    assert!((400..500).contains(&status), "a truncated pprof: {status}");
    let res = ingest(service, "name=jfr&format=jfr", b"FLR\0garbage".to_vec()).await;
    let status = res.status().as_u16();
    assert!((400..500).contains(&status), "a broken JFR: {status}");
    for app in ["bomb", "bombs", "garbage", "cut", "jfr"] {
        let total = total_samples(service, app, "", 0).await;
        assert_eq!(total, 0, "{app}: a refused push was kept");
    }
}

/// Pushes dated in 2100 and 400 days ago: 400 naming the range, nothing kept.
async fn pushes_out_of_range(service: &Service) {
    for (what, from) in [
        ("2100", 4_102_444_800),
        ("400 days ago", now() - 400 * 86_400),
    ] {
        let res = ingest(service, &push_query("dated", from), cpu_pprof(7, 3)).await;
        let body = refused(res, 400, what).await;
        assert_eq!(body["code"], "profile_out_of_range", "{what}: {body}");
    }
    let window = format!("from={}&to={}", now() - 30 * 86_400, now());
    assert_eq!(total_samples(service, "dated", &window, 0).await, 0);
}

async fn made_up_methods(service: &Service) {
    for i in 0..2000 {
        let method = reqwest::Method::from_bytes(format!("M{i:04}").as_bytes()).expect("a method");
        let res = service
            .client
            .request(method, service.url("/triage/checkout"))
            .send()
            .await
            .expect("a made-up method is answered");
        assert!(res.status().is_client_error(), "{}", res.status());
    }
    let metrics = service
        .get("/metrics")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(!metrics.contains("M0001"), "a made-up method is a label");
    assert!(
        metrics.contains(r#"method="other""#),
        "made-up methods are `other`"
    );
}

/// 64 uploads that stall after 64 KiB hold every place for the body timeout, then let go.
async fn stalled_uploads(service: &Service) {
    let mut stalled = Vec::new();
    for _ in 0..64 {
        stalled.push(stalled_push(service, 16 << 20, 64 << 10).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    friendly(service, "64 stalled uploads").await;
    tokio::time::sleep(Duration::from_secs(BODY_TIMEOUT_SECS + 3)).await;
    assert!(
        friendly(service, "after the stalled uploads were dropped").await,
        "a push after the body timeout is kept"
    );
    drop(stalled);
}

/// The store's volume nearly full: 507 with Retry-After, then kept again once there is room.
async fn nearly_full_disk(service: &Service, volume: &SmallVolume) {
    let filler = volume.fill_until_free(3.0);
    let res = ingest(service, &push_query("full", now() - 20), cpu_pprof(7, 3)).await;
    assert_eq!(
        res.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"60"[..])
    );
    refused(res, 507, "a push to a nearly full volume").await;
    std::fs::remove_file(filler).expect("the filler goes");
    let res = ingest(service, &push_query("full", now() - 20), cpu_pprof(7, 3)).await;
    assert!(come_back_or_ok(res, "a push once there is room again").await);
}

const HUGE_SAMPLES: usize = 1_500_000;

/// A push of 300 000 distinct functions and locations: kept whole, or refused naming a bound
/// (413), or told to come back; the process stays within its memory.
async fn many_locations(service: &Service) {
    let body = distinct_locations(300_000);
    eprintln!("a push of 300 000 locations: {} bytes", body.len());
    let res = ingest(service, &push_query("tables", now() - 40), body).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    assert!(matches!(status, 200 | 413 | 429), "{status} {text}");
    if status == 200 {
        let total = total_samples(service, "tables", "", 300_000 * PERIOD as u64).await;
        assert_eq!(total, 300_000 * PERIOD as u64, "a kept push is read whole");
    }
}

/// One push of 1.5 million identical samples, sent again after a second while it is told to
/// come back (429 with `Retry-After`), as an agent does; whether it was kept.
async fn huge_push(service: &Service, query: &str, body: &[u8]) -> bool {
    for _ in 0..60 {
        let res = ingest(service, query, body.to_vec()).await;
        let status = res.status().as_u16();
        let retry = res.headers().contains_key("retry-after");
        let text = res.text().await.unwrap_or_default();
        match status {
            200 => return true,
            429 if retry => tokio::time::sleep(Duration::from_secs(1)).await,
            400 | 413 => {
                eprintln!("a huge push: {status} {text}");
                return false;
            }
            other => panic!("a huge push: {other} {text}"),
        }
    }
    panic!("a huge push was told to come back for a minute");
}

/// Eight pushes of 1.5 million identical samples at once to one closed slice, each sent again
/// while told to come back: each is kept in the end, or refused naming a bound. Returns how
/// many were kept and the slice's window.
async fn huge_pushes(service: &Service) -> (u64, String) {
    let slice = (now() - 3600).div_euclid(300) * 300;
    let body = identical_samples(HUGE_SAMPLES);
    eprintln!(
        "a push of {HUGE_SAMPLES} identical samples: {} bytes",
        body.len()
    );
    let queries: Vec<String> = (0..8).map(|k| push_query("huge", slice + 10 * k)).collect();
    let pushes = queries.iter().map(|q| huge_push(service, q, &body));
    let kept = futures_util::future::join_all(pushes)
        .await
        .into_iter()
        .filter(|&kept| kept)
        .count() as u64;
    let window = format!("from={slice}&to={}", slice + 300);
    let expect = kept * HUGE_SAMPLES as u64 * PERIOD as u64;
    let total = total_samples(service, "huge", &window, expect).await;
    assert_eq!(total, expect, "every kept push is read");
    (kept, window)
}

fn store_env(volume: &SmallVolume, data: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        (
            "PROFILES_DIR",
            volume.path.join("profiles").display().to_string(),
        ),
        (
            "APP__DATABASE__EMBEDDED__DATA_DIR",
            data.join("postgres").display().to_string(),
        ),
        (
            "APP__SERVER__BODY_TIMEOUT_SECS",
            BODY_TIMEOUT_SECS.to_string(),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_push_store_stays_up_and_bounded_under_every_hostile_input() {
    let _alone = ALONE.lock().await;
    let volume = SmallVolume::mount(512 << 20);
    let data = tempfile::tempdir().expect("a data directory");
    let log = data.path().join("service.log");
    let env = store_env(&volume, data.path());
    let mut service = Service::start(&env, &log).await;
    assert!(friendly(&service, "a quiet start").await);
    let res = ingest(&service, &push_query("busy", now() - 30), cpu_pprof(70, 30)).await;
    assert!(come_back_or_ok(res, "busy's push").await);

    windows_at_the_end_of_time(&service, None).await;
    friendly(&service, "windows at the end of time").await;
    pushes_out_of_range(&service).await;
    bad_requests(&service).await;
    bad_pushes(&service).await;
    friendly(&service, "bombs and garbage").await;
    service.assert_sound("bad requests and pushes");
    made_up_methods(&service).await;
    stalled_uploads(&service).await;
    service.assert_sound("stalled uploads");
    nearly_full_disk(&service, &volume).await;
    many_locations(&service).await;
    friendly(&service, "a push of 300 000 locations").await;
    service.assert_sound("a push of 300 000 locations");
    let (kept, window) = huge_pushes(&service).await;
    friendly(&service, "huge pushes").await;
    service.assert_sound("eight huge pushes");
    eprintln!("{kept} of 8 huge pushes kept");

    // Restarted, the service compacts the closed slice first thing; all of it is still read.
    service.stop().await;
    let log = data.path().join("restarted.log");
    let mut service = Service::start(&env, &log).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let expect = kept * HUGE_SAMPLES as u64 * PERIOD as u64;
    let total = total_samples(&service, "huge", &window, expect).await;
    assert_eq!(total, expect, "nothing kept is lost");
    assert_eq!(kept, 8, "each huge push is kept once there is room");
    // Each is more than a merge may take (64 MiB of memory, 4 MiB of pprof): left as pushed,
    // and counted.
    let metrics = service
        .get("/metrics")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        metrics
            .lines()
            .any(|l| l == "profile_store_uncompacted_files 8"),
        "{}",
        metrics
            .lines()
            .filter(|l| l.starts_with("profile_store"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(friendly(&service, "after the restart").await);
    service.assert_sound("compaction at the restart");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reading_pyroscope_stays_up_and_bounded_under_every_hostile_input() {
    let _alone = ALONE.lock().await;
    let standin = PyroscopeStandIn::start().await;
    for k in 0..3 {
        let from = now() - 1800 + 600 * k;
        standin.keep_at(
            &[("service_name", "busy")],
            &cpu_pprof(70, 30),
            (from, from + 60),
        );
    }
    let data = tempfile::tempdir().expect("a data directory");
    let log = data.path().join("service.log");
    let env = vec![
        ("PYROSCOPE_URL", standin.url().to_string()),
        (
            "APP__DATABASE__EMBEDDED__DATA_DIR",
            data.path().join("postgres").display().to_string(),
        ),
        ("APP__PYROSCOPE__CACHE_TTL_SECS", "0".to_owned()),
        ("APP__PYROSCOPE__REQUEST_TIMEOUT_SECS", "3".to_owned()),
    ];
    let mut service = Service::start(&env, &log).await;
    windows_at_the_end_of_time(&service, Some(&standin)).await;
    bad_requests(&service).await;
    made_up_methods(&service).await;

    // Pyroscope says to come back in thirty thousand years: the read answers 503 within its
    // deadline, saying to come back within the cap; the next read is served. Refused more
    // than once, so that the watcher's own calls cannot take the only refusal first.
    standin.refuse_next(20, Some(999_999_999_999));
    let started = std::time::Instant::now();
    let res = service.get("/profiles/busy").await;
    assert_eq!(res.status(), 503);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("a number of seconds");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The next read is served, or told to come back within the cap while the pause lasts.
    let res = service.get("/profiles/busy").await;
    come_back_or_ok(res, "a read after the refusal").await;
    service.assert_sound("Pyroscope's hostile answers");
    service.stop().await;
}

/// The product build carries no test hook and no simulation (§38): none of the names that exist
/// only under `cfg(test)` or the `testing` and `fault-injection` features is among the release
/// binary's symbols and strings, while product names are. `grep -a -o` reads them, as `strings`
/// would (a regex in this unoptimized test build takes minutes over 50 MB).
#[test]
fn the_release_build_holds_no_test_hook_or_simulation() {
    let binary = service::release_binary();
    let names = |pattern: &str| {
        let out = std::process::Command::new("grep")
            .args(["-a", "-o", "-E", pattern])
            .arg(binary)
            .output()
            .expect("grep runs");
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        out.lines()
            .map(str::to_owned)
            .collect::<std::collections::BTreeSet<_>>()
    };
    // The product's own: the watcher's store and the detector's shares, so a search that finds
    // nothing is not a binary without symbols.
    let product = names("PgSummaryStore|pf_detection5share");
    assert_eq!(product.len(), 2, "{product:?}");
    // The test support: the fault the API tests inject, mockall's doubles, the detector's and the
    // leak finder's simulations, the seeded random numbers, the `testing` modules. A debug build
    // made by `cargo test` (features unified) holds the first two.
    let hooks = "injected fault|InjectedPanic|Mock[A-Z][A-Za-z]*Sor|simulation|SplitMix|7testing|test_events";
    let found = names(hooks);
    assert!(found.is_empty(), "the release build holds {found:?}");
}
