//! Pictures end to end (docs/pictures.md): the flame graph of a profile, the differential flame
//! graph and the HTML pages of the diff report and the triage, from the Java stub Pyroscope.

use roxmltree::Document;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{json_with_status, spawn_app_with, TestApp};
use crate::stubs::java::{history_of, spawn_with_pyroscope, INCIDENT_FROM, INCIDENT_TO};

/// `GET path`: 200 with `content_type`, and the body.
async fn fetch(app: &TestApp, path: &str, content_type: &str) -> String {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    let header = res.headers()["content-type"].to_str().unwrap().to_owned();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    assert_eq!(header, content_type, "{path}");
    body
}

/// (hover title, width, fill) of every frame of an SVG flame graph.
fn frames(svg: &str) -> Vec<(String, f64, String)> {
    let doc = Document::parse(svg).expect("the SVG is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("f"))
        .map(|g| {
            let title = g.children().find(|c| c.has_tag_name("title")).unwrap();
            let rect = g.children().find(|c| c.has_tag_name("rect")).unwrap();
            (
                title.text().unwrap_or_default().to_owned(),
                rect.attribute("width").unwrap().parse().unwrap(),
                rect.attribute("fill").unwrap().to_owned(),
            )
        })
        .collect()
}

fn frame<'a>(frames: &'a [(String, f64, String)], name: &str) -> &'a (String, f64, String) {
    frames
        .iter()
        .find(|f| f.0.starts_with(&format!("{name} (")))
        .unwrap_or_else(|| panic!("no frame {name} in {frames:?}"))
}

#[tokio::test]
async fn a_profile_is_drawn_with_widths_proportional_to_its_samples() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    let svg = fetch(
        &app,
        &format!(
            "/profiles/checkout/flamegraph.svg?type=cpu&from={INCIDENT_FROM}&to={INCIDENT_TO}"
        ),
        "image/svg+xml; charset=utf-8",
    )
    .await;
    let frames = frames(&svg);
    let all = frame(&frames, "all");
    assert_eq!(all.0, "all (1,000 samples, 100.00%)");
    let resize = frame(&frames, "java/util/HashMap.resize");
    assert_eq!(resize.0, "java/util/HashMap.resize (500 samples, 50.00%)");
    let gc = frame(&frames, "G1 Young Generation");
    assert_eq!(gc.0, "G1 Young Generation (342 samples, 34.20%)");
    assert!(
        (resize.1 / all.1 - 0.5).abs() < 1e-3,
        "{} of {}",
        resize.1,
        all.1
    );
    assert!((gc.1 / all.1 - 0.342).abs() < 1e-3);
    assert!(
        svg.contains("<script>"),
        "the standalone picture zooms and searches"
    );
    // Java frames are green in the java palette.
    let handle = frame(&frames, "com/acme/checkout/CheckoutService.handle");
    let rgb: Vec<u8> = handle.2[4..handle.2.len() - 1]
        .split(',')
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(rgb[1] > rgb[0] && rgb[1] > rgb[2], "green: {}", handle.2);

    let res = app
        .get("/profiles/checkout/flamegraph.svg?type=stack")
        .await;
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn the_differential_flame_graph_is_red_where_a_share_grew_and_blue_where_it_shrank() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    let svg = fetch(
        &app,
        &format!("/diff/checkout?from={INCIDENT_FROM}&to={INCIDENT_TO}&type=cpu&format=svg"),
        "image/svg+xml; charset=utf-8",
    )
    .await;
    let frames = frames(&svg);
    let gc = frame(&frames, "G1 Young Generation");
    assert_eq!(
        gc.0,
        "G1 Young Generation (342 samples; baseline 10.00%, current 34.20%, +24.20 pp); \
         self share +24.20 (95 % CI +24.20 … +24.20)",
        "the stub's parts are all alike: an interval of width 0"
    );
    assert_eq!(gc.2, "rgb(255,0,0)", "the largest growth is full red");
    let handle = frame(&frames, "com/acme/checkout/CheckoutService.handle");
    assert!(
        handle
            .0
            .contains("baseline 90.00%, current 65.80%, -24.20 pp"),
        "{}",
        handle.0
    );
    assert_eq!(handle.2, "rgb(0,0,255)", "the largest shrink is full blue");
    let resize = frame(&frames, "java/util/HashMap.resize");
    assert!(
        resize.2.starts_with("rgb(255,"),
        "grew less, lighter red: {}",
        resize.2
    );
    assert_ne!(resize.2, "rgb(255,0,0)");
    // The same request records history, as the JSON form does.
    history_of(&app, "checkout", 1).await;
}

#[tokio::test]
async fn the_html_pages_lead_with_the_verdict_and_fetch_nothing() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    let query = format!("from={INCIDENT_FROM}&to={INCIDENT_TO}&type=cpu");
    let diff = fetch(
        &app,
        &format!("/diff/checkout?{query}&format=html"),
        "text/html; charset=utf-8",
    )
    .await;
    let verdict = diff.find("Verdict: WARN").expect("the verdict");
    assert!(
        verdict < diff.find("<h2>Regressions</h2>").unwrap(),
        "the verdict comes first"
    );
    assert!(diff.contains("<code>G1 Young Generation</code>"));
    assert!(diff.contains("+24.20"));
    assert!(
        diff.contains("<svg"),
        "the differential flame graph is inline"
    );
    assert!(diff.contains(&format!(
        "href=\"/diff/checkout?type=cpu&amp;from={INCIDENT_FROM}&amp;to={INCIDENT_TO}&amp;baselineFrom="
    )));
    let triage = fetch(
        &app,
        &format!("/triage/checkout?from={INCIDENT_FROM}&to={INCIDENT_TO}&types=cpu&format=html"),
        "text/html; charset=utf-8",
    )
    .await;
    assert!(triage.contains("gc_pressure"), "{triage}");
    assert!(triage.find("gc_pressure").unwrap() < triage.find("<svg").unwrap());
    assert!(triage.contains("G1 Young Generation (342 samples, 34.20%)"));
    for page in [&diff, &triage] {
        assert!(!page.contains("<script"), "no script in a report page");
        for external in ["src=", "url(", "@import", "href=\"http", "href=\"//"] {
            assert!(
                !page.contains(external),
                "{external} in a self-contained page"
            );
        }
    }
    // Both answers were assessed and recorded like their JSON forms.
    history_of(&app, "checkout", 2).await;
}

#[tokio::test]
async fn an_unknown_format_names_the_valid_ones() {
    let (app, _pyroscope) = spawn_with_pyroscope().await;
    let body = json_with_status(app.get("/diff/checkout?format=pdf").await, 400).await;
    assert_eq!(body["code"], "invalid_format");
    assert_eq!(
        body["error"],
        "format must be one of json, markdown, svg, html, got `pdf`"
    );
    let body = json_with_status(app.get("/triage/checkout?format=svg").await, 400).await;
    assert_eq!(body["error"], "format must be one of json, html, got `svg`");
}

#[tokio::test]
async fn function_names_from_a_profile_render_as_text() {
    let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "]]></svg><svg onload=alert(1)>",
    ];
    let pyroscope = MockServer::start().await;
    let names = json!(["total", hostile[0], hostile[1], hostile[2]]);
    let graph = json!({"flamegraph": {"names": names, "total": "300", "levels": [
        {"values": ["0", "300", "0", "0"]},
        {"values": ["0", "100", "100", "1", "0", "100", "100", "2", "0", "100", "100", "3"]},
    ]}});
    Mock::given(method("POST"))
        .and(path("/querier.v1.QuerierService/SelectMergeStacktraces"))
        .respond_with(ResponseTemplate::new(200).set_body_json(graph))
        .mount(&pyroscope)
        .await;
    let url = url::Url::parse(&pyroscope.uri()).unwrap();
    let app = spawn_app_with(move |s| s.pyroscope.url = Some(url)).await;
    let window = format!("from={INCIDENT_FROM}&to={INCIDENT_TO}");
    let svg = fetch(
        &app,
        &format!("/profiles/evil/flamegraph.svg?{window}"),
        "image/svg+xml; charset=utf-8",
    )
    .await;
    let titles: Vec<String> = frames(&svg).into_iter().map(|f| f.0).collect();
    for name in hostile {
        assert!(
            titles.contains(&format!("{name} (100 samples, 33.33%)")),
            "{titles:?}"
        );
    }
    let page = fetch(
        &app,
        &format!("/triage/evil?{window}&types=cpu&format=html"),
        "text/html; charset=utf-8",
    )
    .await;
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<svg onload"), "{page}");
}
