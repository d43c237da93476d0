//! The pictures in a real browser: headless Chromium renders the triage page and the
//! differential flame graph to PNG. The images must show something, and Chromium's network log
//! must hold no request: the page is self-contained. With `UPDATE_SCREENSHOTS=1` the images are
//! also written to `docs/` for docs/pictures.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::{spawn_app_with, TestApp};

/// Debian's Chromium; `scripts/test` installs it. Never skipped: a missing browser fails the test.
fn chromium() -> PathBuf {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| ["/usr/bin", "/usr/local/bin"].map(|dir| Path::new(dir).join(name)))
        .find(|p| p.exists())
        .expect(
            "headless Chromium is needed: scripts/test installs it (apt-get install -y chromium)",
        )
}

/// Renders `file` to a PNG and returns it, with every URL the page asked Chromium's network
/// stack for (the browser's own requests, such as update checks, carry no page initiator).
fn render(file: &Path, size: &str) -> (Vec<u8>, Vec<String>) {
    let dir = file.parent().unwrap();
    let (png, netlog) = (file.with_extension("png"), dir.join("netlog.json"));
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            // Chromium's own services (updates, sign-in, spelling dictionaries) stay quiet, so
            // every request left in the log would be the page's.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-spell-checking",
            "--disable-features=SpellCheck,Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
            "--no-default-browser-check",
            "--safebrowsing-disable-auto-update",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", dir.join("profile").display()),
            &format!("--log-net-log={}", netlog.display()),
            &format!("--screenshot={}", png.display()),
            &format!("--window-size={size}"),
            &format!("file://{}", file.display()),
        ])
        .output()
        .expect("Chromium starts");
    assert!(
        output.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log: Value = serde_json::from_slice(&std::fs::read(&netlog).expect("a network log"))
        .expect("the network log is JSON");
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| {
            e["params"]["initiator"]
                .as_str()
                .is_some_and(|i| i != "not an origin")
        })
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_owned))
        .collect();
    urls.sort();
    urls.dedup();
    (std::fs::read(&png).expect("a screenshot"), urls)
}

/// Share of pixels that differ from the most common colour (the background).
fn drawn_share(png: &[u8]) -> f64 {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let mut counts = std::collections::HashMap::new();
    for p in &pixels {
        *counts.entry(*p).or_insert(0usize) += 1;
    }
    let background = counts.values().copied().max().unwrap_or(0);
    1.0 - background as f64 / pixels.len() as f64
}

#[tokio::test]
async fn chromium_draws_the_triage_page_and_the_diff_picture_without_a_request() {
    // The bundled demo profiles: GC pressure in `checkout`, a deploy's regression in `payments`.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/profiles");
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = None;
        s.profiles.dir = Some(demo);
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    // The check itself: a page that fetches an image is caught.
    let control = dir.path().join("control.html");
    std::fs::write(
        &control,
        r#"<p>x</p><img src="http://example.invalid/x.png">"#,
    )
    .unwrap();
    let (_, urls) = render(&control, "400,300");
    assert_eq!(
        urls,
        ["http://example.invalid/x.png"],
        "the network log shows page requests"
    );
    let pages = [
        (
            "/triage/checkout?types=cpu,alloc&limit=8&format=html".to_owned(),
            "triage.html",
            "1280,2600",
        ),
        (
            "/diff/payments?from=1767229200&to=1767232800&baselineFrom=1767225600\
             &baselineTo=1767229200&format=svg"
                .to_owned(),
            "diff.svg",
            "1200,180",
        ),
    ];
    draws(&app, &pages, 0.05).await;
}

/// Each of `pages` (path, file name, window size) fetched from `app` and rendered by Chromium:
/// answered 200, no request of its own, more than `least` of its pixels drawn. With
/// `UPDATE_SCREENSHOTS=1` the image is also written to `docs/`.
pub async fn draws(app: &TestApp, pages: &[(String, &'static str, &'static str)], least: f64) {
    let dir = tempfile::tempdir().unwrap();
    // A connection per request: one left idle during a render may be closed by the server
    // (its keep-alive ends) just as the next request is sent on it.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    for (path, name, size) in pages.iter().cloned() {
        let res = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let file = dir.path().join(name);
        std::fs::write(&file, res.bytes().await.unwrap()).unwrap();
        // Off the runtime: a render takes seconds, and the server runs on this runtime.
        let (png, urls) = tokio::task::spawn_blocking(move || render(&file, size))
            .await
            .expect("the render finishes");
        assert!(urls.is_empty(), "{name} asked the network for {urls:?}");
        let drawn = drawn_share(&png);
        assert!(
            drawn > least,
            "{name} looks blank: {drawn:.3} of its pixels drawn"
        );
        if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
            std::fs::write(docs.join(name).with_extension("png"), &png).unwrap();
        }
    }
}

/// The demo with its watcher on, once it has backfilled the replayed day and confirmed
/// ledger's regression at the deploy.
pub async fn demo_with_its_regression() -> TestApp {
    let app = spawn_app_with(|s| {
        s.pyroscope.url = None;
        s.profiles.dir = None;
        s.watch.enabled = true;
    })
    .await;
    crate::helpers::eventually(180, "the demo's regression is confirmed", || async {
        let res = app
            .get("/regressions?state=confirmed&kind=regression")
            .await;
        res.json::<Value>().await.is_ok_and(|b| b["count"] == 1)
    })
    .await;
    app
}

#[tokio::test]
async fn chromium_draws_a_trend_and_a_regression_page_without_a_request() {
    let app = demo_with_its_regression().await;
    let list: Value = app
        .get("/regressions?kind=regression")
        .await
        .json()
        .await
        .unwrap();
    let id = list["regressions"][0]["id"].as_i64().unwrap();
    let pages = [
        (
            "/trends/ledger?functions=java/util/regex/Pattern.compile,\
             com/fasterxml/jackson/databind/ObjectMapper.readValue&format=svg"
                .to_owned(),
            "trend.svg",
            "1000,420",
        ),
        (
            format!("/regressions/{id}?format=html"),
            "regression.html",
            "1200,2200",
        ),
    ];
    draws(&app, &pages, 0.02).await;
}
