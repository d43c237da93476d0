//! The front door (docs/front-door.md) on the demo: `GET /` lists the demo apps with profiles in
//! the last hour (five of the six: `payments`' profiles lie at its deploy, in January) and ledger's
//! confirmed regression (and cart's leak once it is confirmed), every link on the page answers 200,
//! headless Chromium draws it without a request of its own, and the JSON variant names the same
//! apps and events. With `UPDATE_SCREENSHOTS=1` the front door and ledger's trend page are written
//! to `docs/`.

use std::collections::BTreeSet;

use reqwest::header::ACCEPT;
use serde_json::Value;

use crate::browser::{demo_with_its_regression, draws};
use crate::helpers::{assert_error, eventually, spawn_app_with, TestApp};

/// The demo apps with profiles in the last hour: ledger's and cart's replayed days, and the
/// profiles without a time, which answer every window.
const DEMO_APPS: [&str; 5] = ["cart", "checkout", "inventory", "ledger", "search"];

/// Every `href="…"` of a page, unescaped as a browser reads it.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| {
            h.replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

pub async fn front_door_json(app: &TestApp) -> Value {
    let res = app
        .client
        .get(app.url("/"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_front_door_of_the_demo_shows_every_app_and_its_regression_and_every_link_answers() {
    let app = demo_with_its_regression().await;
    // Profile Data lists the same apps for the last hour.
    let listed: Value = app.get("/profiles/apps").await.json().await.unwrap();
    assert_eq!(listed["apps"], serde_json::json!(DEMO_APPS), "{listed}");
    eventually(60, "every demo app is on the front door", || async {
        let door = front_door_json(&app).await;
        door["apps"]
            .as_array()
            .is_some_and(|a| a.len() == DEMO_APPS.len())
    })
    .await;
    let confirmed: Value = app
        .get("/regressions?state=confirmed&kind=regression")
        .await
        .json()
        .await
        .unwrap();
    let regression = &confirmed["regressions"][0];
    assert_eq!(regression["appName"], "ledger");
    let leaks: Value = app
        .get("/regressions?state=confirmed&kind=leak")
        .await
        .json()
        .await
        .unwrap();

    // The front door is made at most every two seconds: the page read now is newer than the
    // events listed above.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let res = app.get("/").await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    let door = front_door_json(&app).await;

    // The six apps, ledger (its regression confirmed) first.
    for name in DEMO_APPS {
        assert!(html.contains(&format!("<td>{name}</td>")), "{name}\n{html}");
    }
    let first_app = html.find("<h2>Apps</h2>").unwrap();
    let ledger_at = html[first_app..].find("<td>ledger</td>").unwrap();
    for name in DEMO_APPS
        .iter()
        .filter(|n| **n != "ledger" && **n != "cart")
    {
        assert!(
            ledger_at < html[first_app..].find(&format!("<td>{name}</td>")).unwrap(),
            "ledger, with an open regression, comes before {name}"
        );
    }
    // Its regression: function, change with its interval, version, page.
    let id = regression["id"].as_i64().unwrap();
    let page = format!("/regressions/{id}?format=html");
    assert!(html.contains(&format!("href=\"{page}\"")), "{html}");
    assert!(html.contains(regression["function"].as_str().unwrap()));
    assert!(html.contains("95 % CI"));
    if let Some(version) = regression["version"]["after"].as_str() {
        assert!(html.contains(version), "the deploy {version} is shown");
    }
    // Cart's leak, once confirmed.
    for leak in leaks["regressions"].as_array().unwrap() {
        let page = format!("/regressions/{}?format=html", leak["id"]);
        assert!(
            html.contains(&format!("href=\"{page}\"")),
            "cart's leak\n{html}"
        );
        assert!(html.contains("/h (95 % CI"), "the leak's rate");
    }
    assert!(html.contains("href=\"/swagger-ui/\""));

    // The JSON names the same apps and events.
    let json_apps: BTreeSet<&str> = door["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["appName"].as_str().unwrap())
        .collect();
    assert_eq!(json_apps, DEMO_APPS.into_iter().collect());
    assert!(
        door["apps"][0]["open"]
            .as_array()
            .is_some_and(|o| o.iter().any(|e| e["state"] == "confirmed")),
        "an app with a confirmed event comes first: {door}"
    );
    let json_pages: BTreeSet<String> = door["apps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["open"].as_array().unwrap().iter())
        .map(|e| e["page"].as_str().unwrap().to_owned())
        .collect();
    let html_pages: BTreeSet<String> = hrefs(&html)
        .into_iter()
        .filter(|h| h.starts_with("/regressions/"))
        .collect();
    assert_eq!(json_pages, html_pages);
    assert!(json_pages.contains(&page));
    assert_eq!(door["swaggerUi"], "/swagger-ui/");
    assert!(door["health"]["status"].is_string());

    // Every link on the page answers 200.
    let links: BTreeSet<String> = hrefs(&html).into_iter().collect();
    // Each app's triage page and flame graph(s), the open events (ledger's regression and
    // cart's leak under the sequential test of issue #79: 17 links in all) and the service's
    // own pages.
    assert!(links.len() > DEMO_APPS.len() * 3, "{links:?}");
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    for link in &links {
        assert!(link.starts_with('/'), "only this service is linked: {link}");
        let res = client.get(app.url(link)).send().await.unwrap();
        let status = res.status().as_u16();
        assert_eq!(
            status,
            200,
            "{link}: {}",
            res.text().await.unwrap_or_default()
        );
    }

    // Chromium draws it, and ledger's trend page, without a request of their own.
    let pages = [
        ("/".to_owned(), "front-door.html", "1280,1100"),
        (
            "/trends/ledger?type=cpu&format=html".to_owned(),
            "trends-page.html",
            "1100,900",
        ),
    ];
    draws(&app, &pages, 0.02).await;
    let trend = app
        .get("/trends/ledger?type=cpu&format=html")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        trend.contains(&format!("href=\"{page}\"")),
        "the regression is marked"
    );
    assert!(trend.contains("class=\"mark change\""));
    let function = regression["function"].as_str().unwrap();
    assert!(
        trend.contains(&format!("data-function=\"{function}\"")),
        "the regressed function is drawn beside its mark"
    );
}

#[tokio::test]
async fn a_trend_page_of_an_unknown_format_is_refused() {
    let app = spawn_app_with(|s| {
        s.pyroscope.url = None;
        s.profiles.dir = None;
    })
    .await;
    assert_error(
        app.get("/trends/ledger?format=bogus").await,
        400,
        "invalid_format",
    )
    .await;
    // Nothing summarized yet: an empty front door, and an empty trend page, still answer.
    let res = app.get("/").await;
    assert_eq!(res.status().as_u16(), 200);
    let res = app.get("/trends/ledger?format=html").await;
    assert_eq!(res.status().as_u16(), 200);
    let door = front_door_json(&app).await;
    assert!(door["apps"].is_array());
}
