//! What a store accepts, it returns: every write either answers 4xx and stores nothing, or
//! answers 2xx and every read of that record gives back an equal value — numbers no `f64`
//! holds included. A row the service cannot read costs only that row.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use pf_history::{AssessmentSeverity, HistorySor, NewHistoryRecord, RecordKey, RemoteHistoryStore};
use pf_infra::sor::json_text::{JsonObject, JsonText};
use pf_model::AppName;
use pf_registry::{NewService, RegistrySor, RemoteRegistryStore, Tier};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use pyroscope_functions::app::settings::Function;
use reqwest::{Method, Response};
use serde_json::Value;

use crate::contract::remote_sor;
use crate::helpers::{assert_error, json_with_status, spawn_app, TestApp};
use crate::json_canon::{canon, Canon};

/// Number literals at the edges: `f64` extremes and subnormals, integers beyond `u64`, long
/// decimals, and magnitudes only `numeric` holds.
const EXTREME_NUMBERS: &[&str] = &[
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "1e308",
    "5e-324",
    "-5e-324",
    "2.2250738585072014e-308",
    "18446744073709551616",
    "-99999999999999999999999999999999999999",
    "0.1000000000000000000000000000000000000000001",
    "1e400",
    "-1e-400",
    "0",
    "-0",
    "1.50",
];

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(EXTREME_NUMBERS).prop_map(str::to_owned),
        "-?[1-9][0-9]{19,60}",
        "-?0\\.[0-9]{20,60}",
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
    ]
}

/// Any text, as a JSON string literal: escapes, astral planes, and NUL (which PostgreSQL
/// refuses, so the write must answer 4xx).
fn string() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "\\PC{0,12}"]
        .prop_map(|s| serde_json::to_string(&s).unwrap_or_default())
}

/// The text of any JSON value, nesting included.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        number(),
        string(),
    ];
    leaf.prop_recursive(6, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
            object_of(inner),
        ]
    })
}

fn object_of(values: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop::collection::vec((string(), values), 0..5).prop_map(|fields| {
        let fields: Vec<String> = fields
            .into_iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        format!("{{{}}}", fields.join(","))
    })
}

/// An object for a free-form field; now and then nested deeper than the JSON reader allows.
fn free_form_object() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => object_of(json_text()),
        1 => (100usize..140).prop_map(|depth| {
            format!("{{\"deep\":{}1{}}}", "[".repeat(depth), "]".repeat(depth))
        }),
    ]
}

/// App names: any printable text, often with characters that need escaping in a path.
fn app_name() -> impl Strategy<Value = String> {
    "[a-z]{1,4}[\\PC]{0,10}"
}

fn path(name: &str) -> String {
    utf8_percent_encode(name, NON_ALPHANUMERIC).to_string()
}

async fn send_raw(app: &TestApp, method: Method, path: &str, body: String) -> Response {
    app.client
        .request(method, app.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the request is sent")
}

/// The canonical value of `field` of a JSON answer, read from its text so no number is lost.
fn field_of(answer: &str, field: &str) -> Canon {
    match canon(answer) {
        Canon::Object(mut map) => map.remove(field).unwrap_or(Canon::Null),
        other => panic!("not an object: {other:?}"),
    }
}

async fn text_with_status(res: Response, status: u16) -> String {
    let actual = res.status().as_u16();
    let text = res.text().await.expect("a body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    text
}

/// The one element of a listing's `key` array whose `appName` is `name`, as text.
async fn listed(app: &TestApp, url: &str, key: &str, name: &str) -> Option<Canon> {
    let text = text_with_status(app.get(url).await, 200).await;
    let Canon::Array(items) = field_of(&text, key) else {
        panic!("{url}: no `{key}` array in {text}");
    };
    items.into_iter().find(|item| match item {
        Canon::Object(map) => map.get("appName") == Some(&Canon::String(name.to_owned())),
        _ => false,
    })
}

fn member(item: &Canon, field: &str) -> Canon {
    match item {
        Canon::Object(map) => map.get(field).cloned().unwrap_or(Canon::Null),
        other => panic!("not an object: {other:?}"),
    }
}

/// POST /services, then PUT /services/{app}; each read route must return what was accepted.
async fn services_round_trip(app: &TestApp, name: &str, labels: &str, metadata: &str) {
    let name_json = serde_json::to_string(name).unwrap();
    let body = format!(
        r#"{{"appName":{name_json},"tier":"high","pyroscopeLabels":{labels},"metadata":{metadata}}}"#
    );
    let created = send_raw(app, Method::POST, "/services", body).await;
    let status = created.status().as_u16();
    let url = format!("/services/{}", path(name));
    if status >= 400 {
        assert!(status < 500, "POST /services answered {status}");
        // Nothing stored: 404, or 400 when the name itself is refused on the way back too
        // (`%a6` in a name does not stay text when percent-decoded).
        let read = app.get(&url).await.status().as_u16();
        assert!(read == 404 || read == 400, "{name:?} was stored: {read}");
        return;
    }
    assert_eq!(status, 201, "POST /services");
    let one = text_with_status(app.get(&url).await, 200).await;
    assert_eq!(field_of(&one, "metadata"), canon(metadata));
    assert_eq!(field_of(&one, "pyroscopeLabels"), canon(labels));
    let item = listed(app, "/services", "services", name)
        .await
        .expect("listed");
    assert_eq!(member(&item, "metadata"), canon(metadata));

    // Now replace the metadata with the labels' text: the same checks on a PUT.
    let updated = send_raw(
        app,
        Method::PUT,
        &url,
        format!(r#"{{"metadata":{labels}}}"#),
    )
    .await;
    let status = updated.status().as_u16();
    let expected = if status < 300 { labels } else { metadata };
    assert!(status < 500, "PUT {url} answered {status}");
    let one = text_with_status(app.get(&url).await, 200).await;
    assert_eq!(field_of(&one, "metadata"), canon(expected));
    assert_eq!(app.delete(&url).await.status().as_u16(), 204);
}

/// POST /history; the listing and the latest record must return the accepted evidence.
async fn history_round_trip(app: &TestApp, name: &str, evidence: &str) {
    let name_json = serde_json::to_string(name).unwrap();
    let body = format!(
        r#"{{"appName":{name_json},"diagnosis":"gc_pressure","severity":"high","topFunctions":{evidence}}}"#
    );
    let created = send_raw(app, Method::POST, "/history", body).await;
    let status = created.status().as_u16();
    let url = format!("/history/{}", path(name));
    if status >= 400 {
        assert!(status < 500, "POST /history answered {status}");
        let listing = json_with_status(app.get(&url).await, 200).await;
        assert_eq!(listing["count"], 0, "{name:?} was stored");
        return;
    }
    assert_eq!(status, 201, "POST /history");
    let item = listed(app, &url, "history", name).await.expect("listed");
    assert_eq!(member(&item, "topFunctions"), canon(evidence));
    let latest = text_with_status(app.get(&format!("{url}/latest")).await, 200).await;
    assert_eq!(field_of(&latest, "topFunctions"), canon(evidence));
}

/// A typed number as the service holds it: the `f64` nearest to the literal.
fn as_f64(number: &Canon) -> f64 {
    match number {
        Canon::Number(text) => text.parse().expect("a number"),
        other => panic!("not a number: {other:?}"),
    }
}

/// POST /baselines and /rules with extreme numbers in their typed fields: refused and nothing
/// changed, or kept as the nearest `f64` (a typed field is a float, not free-form text).
async fn typed_numbers_round_trip(app: &TestApp, name: &str, number: &str) {
    let expected: f64 = number.parse().expect("a number literal");
    let name_json = serde_json::to_string(name).unwrap();
    let url = format!("/baselines/{}", path(name));
    let before = listed(app, &url, "baselines", name).await;
    let body = format!(
        r#"{{"appName":{name_json},"profileType":"cpu","functionName":"f","maxSelfPercent":{number},"severity":"warning"}}"#
    );
    let status = send_raw(app, Method::POST, "/baselines", body)
        .await
        .status()
        .as_u16();
    assert!(
        status < 500,
        "POST /baselines with {number} answered {status}"
    );
    let after = listed(app, &url, "baselines", name).await;
    if status < 300 {
        let item = after.expect("an accepted baseline is listed");
        assert_eq!(as_f64(&member(&item, "maxSelfPercent")), expected);
    } else {
        assert_eq!(after, before, "a refused baseline changed the store");
    }

    let body = format!(
        r#"{{"appName":{name_json},"profileType":"cpu","thresholdPercent":{number},"severity":"critical"}}"#
    );
    let created = send_raw(app, Method::POST, "/rules", body).await;
    let status = created.status().as_u16();
    assert!(status < 500, "POST /rules with {number} answered {status}");
    if status < 300 {
        let text = created.text().await.unwrap();
        let id = serde_json::from_str::<Value>(&text).unwrap()["id"].clone();
        let one = text_with_status(app.get(&format!("/rules/{id}")).await, 200).await;
        assert_eq!(as_f64(&field_of(&one, "thresholdPercent")), expected);
    }
}

#[test]
fn what_a_write_route_accepts_every_read_route_returns() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let mut runner = TestRunner::new(Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    });
    let inputs = (
        app_name(),
        free_form_object(),
        free_form_object(),
        json_text(),
        number(),
    );
    runner
        .run(&inputs, |(name, labels, metadata, evidence, number)| {
            rt.block_on(async {
                services_round_trip(&app, &name, &labels, &metadata).await;
                history_round_trip(&app, &name, &evidence).await;
                typed_numbers_round_trip(&app, &name, &number).await;
            });
            Ok(())
        })
        .unwrap();
}

/// The same promise through the HTTP clients a BOR uses in the split deployment.
#[test]
fn remote_stores_return_what_they_accepted() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_registry_db, registry) = rt.block_on(remote_sor(Function::RegistrySor, "Registry"));
    let (_history_db, history) = rt.block_on(remote_sor(Function::HistorySor, "History"));
    let registry = RemoteRegistryStore::new(registry);
    let history = RemoteHistoryStore::new(history);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let inputs = ("[a-z]{1,8}", object_of(json_text()), json_text());
    runner
        .run(&inputs, |(name, metadata, evidence)| {
            rt.block_on(async {
                let app = AppName::parse_field(&name, "appName").unwrap();
                let metadata: JsonObject = serde_json::from_str(&metadata).unwrap();
                let service = NewService {
                    app_name: app.clone(),
                    team_owner: None,
                    tier: Tier::Low,
                    environment: None,
                    notification_channel: None,
                    pyroscope_labels: JsonObject::empty(),
                    metadata: metadata.clone(),
                };
                if registry.upsert(service).await.is_ok() {
                    let stored = registry.get(app.clone()).await.unwrap();
                    assert_eq!(
                        canon(stored.metadata.text().get()),
                        canon(metadata.text().get())
                    );
                    let all = registry.list(None).await.unwrap();
                    let listed = all.iter().find(|s| s.app_name == name).unwrap();
                    assert_eq!(
                        canon(listed.metadata.text().get()),
                        canon(metadata.text().get())
                    );
                }
                let evidence: JsonText = serde_json::from_str(&evidence).unwrap();
                let record = NewHistoryRecord {
                    labels: Default::default(),
                    key: RecordKey::new(),
                    app_name: app.clone(),
                    profile_types: "cpu".into(),
                    diagnosis: "gc_pressure".into(),
                    severity: AssessmentSeverity::High,
                    top_functions: Some(evidence.clone()),
                    recommendation: None,
                    requested_by: None,
                    on_behalf_of: None,
                };
                if history.create(record).await.is_ok() {
                    let latest = history.latest(app).await.unwrap();
                    // JSON `null` evidence is no evidence: both answer `"topFunctions": null`.
                    let stored = latest.top_functions.as_ref().map_or("null", JsonText::get);
                    assert_eq!(canon(stored), canon(evidence.get()));
                }
            });
            Ok(())
        })
        .unwrap();
}

/// A number written past the service, straight into PostgreSQL, reads back intact.
#[tokio::test]
async fn numbers_no_f64_holds_read_back_intact_through_every_route() {
    let app = spawn_app().await;
    let mut pg = app.pg().await;
    sqlx::raw_sql(
        r#"insert into service_registry (app_name, pyroscope_labels, metadata)
               values ('huge', '{"x": 1e400}', '{"x": 1e400}');
           insert into triage_history (app_name, diagnosis, severity, top_functions)
               values ('huge', 'gc_pressure', 'high', '{"x": 1e400}');"#,
    )
    .execute(&mut pg)
    .await
    .unwrap();
    let huge = canon(r#"{"x": 1e400}"#);
    // Nested deeper than `serde_json` reads into a value (128): passed through all the same.
    let deep = format!("{{\"x\": {}1{}}}", "[".repeat(1000), "]".repeat(1000));
    sqlx::query("update service_registry set pyroscope_labels = $1::jsonb")
        .bind(&deep)
        .execute(&mut pg)
        .await
        .unwrap();

    let one = text_with_status(app.get("/services/huge").await, 200).await;
    assert_eq!(field_of(&one, "metadata"), huge);
    assert_eq!(field_of(&one, "pyroscopeLabels"), canon(&deep));
    let item = listed(&app, "/services", "services", "huge").await.unwrap();
    assert_eq!(member(&item, "metadata"), huge);
    assert_eq!(member(&item, "pyroscopeLabels"), canon(&deep));
    let item = listed(&app, "/history/huge", "history", "huge")
        .await
        .unwrap();
    assert_eq!(member(&item, "topFunctions"), huge);
    let latest = text_with_status(app.get("/history/huge/latest").await, 200).await;
    assert_eq!(field_of(&latest, "topFunctions"), huge);
}

/// A row the service cannot read costs only itself: the listing answers the others and counts
/// it, and a read of that row says which store cannot read it. Free-form JSON can no longer
/// make such a row (see the test above), so an enum column does: its check constraint dropped,
/// as a hand migration might, and a value written that no release knows.
#[tokio::test]
async fn a_row_that_cannot_be_read_is_left_out_of_listings_and_counted() {
    let app = spawn_app().await;
    for name in ["good-1", "bad", "good-2"] {
        let body = serde_json::json!({"appName": name, "tier": "low"});
        assert_eq!(app.post("/services", &body).await.status().as_u16(), 201);
        let body = serde_json::json!({"appName": name, "diagnosis": "d", "severity": "low"});
        assert_eq!(app.post("/history", &body).await.status().as_u16(), 201);
    }
    let mut pg = app.pg().await;
    sqlx::raw_sql(
        "alter table service_registry drop constraint service_registry_tier_check;
         update service_registry set tier = 'gold' where app_name = 'bad';
         alter table triage_history drop constraint triage_history_severity_check;
         update triage_history set severity = 'urgent' where app_name = 'bad';",
    )
    .execute(&mut pg)
    .await
    .unwrap();

    let services = json_with_status(app.get("/services").await, 200).await;
    let names: Vec<&str> = services["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["appName"].as_str())
        .collect();
    assert_eq!(names, ["good-1", "good-2"]);
    let bad = assert_error(app.get("/services/bad").await, 500, "unreadable_row").await;
    assert!(bad["error"].as_str().unwrap().contains("service"), "{bad}");
    let history = json_with_status(app.get("/history/bad").await, 200).await;
    assert_eq!(history["count"], 0);
    assert_error(app.get("/history/bad/latest").await, 500, "unreadable_row").await;
    json_with_status(app.get("/history/good-1").await, 200).await;

    let metrics = app.get("/metrics").await.text().await.unwrap();
    for store in ["registry", "history"] {
        let line = format!("store_rows_unreadable_total{{store=\"{store}\"}} 1");
        assert!(metrics.contains(&line), "no `{line}` in:\n{metrics}");
    }
}

/// `%ff` decodes to no text: refused in a path and in a body, and nothing is stored.
#[tokio::test]
async fn an_app_name_that_decodes_to_no_text_is_refused_everywhere() {
    let app = spawn_app().await;
    for url in [
        "/services/%ff",
        "/history/%ff",
        "/history/%ff/latest",
        "/baselines/%ff",
        "/rules/active/%ff",
        "/triage/%ff",
        "/diff/%ff",
        "/profiles/%ff",
    ] {
        assert_error(app.get(url).await, 400, "invalid_app_name").await;
    }
    let put = app
        .put("/services/%ff", &serde_json::json!({"tier": "low"}))
        .await;
    assert_error(put, 400, "invalid_app_name").await;
    for (url, body) in [
        ("/services", serde_json::json!({"appName": "%ff"})),
        (
            "/history",
            serde_json::json!({"appName": "a%ffb", "diagnosis": "d", "severity": "low"}),
        ),
        (
            "/baselines",
            serde_json::json!({"appName": "%ff", "profileType": "cpu", "functionName": "f",
                               "maxSelfPercent": 5, "severity": "warning"}),
        ),
        (
            "/rules",
            serde_json::json!({"appName": "%ff", "profileType": "cpu", "thresholdPercent": 5,
                               "severity": "critical"}),
        ),
    ] {
        assert_error(app.post(url, &body).await, 400, "invalid_app_name").await;
    }
    let mut pg = app.pg().await;
    for table in [
        "service_registry",
        "triage_history",
        "performance_baseline",
        "alert_rule",
    ] {
        let count: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&mut pg)
            .await
            .unwrap();
        assert_eq!(count, 0, "{table}");
    }
    // Escapes that decode to text are names like any other.
    let body = serde_json::json!({"appName": "a%20b", "tier": "low"});
    assert_eq!(app.post("/services", &body).await.status().as_u16(), 201);
}
