//! The change that caused it (docs/regressions.md#the-change-that-caused-it), end to end: profiles
//! of a program built at two commits of a git repository the test made, pushed to `/ingest` with
//! the agents' `service_git_ref` and `service_root_path` labels slice by slice; the watcher
//! confirms the regression and names the commit that added the work first, the decoy commits below
//! it, and the page, the Alertmanager alert and the webhook carry it.

use std::path::Path;

use serde_json::{json, Value};
use wiremock::MockServer;

use crate::alertmanager::receiver;
use crate::alertmanager_server::{start_alertmanager, Alertmanager};
use crate::helpers::{json_with_status, spawn_stoppable, test_settings, TestApp, TestDatabase};
use crate::ingest::CENTURY;
use crate::regressions::{backfill_window, hooks, regression_alerts};
use crate::stubs::standin::PyroscopeStandIn;
use crate::suspects_fixture::Push;
use crate::trends::{backfilled_to, steady_now, SLICE};

/// Slices pushed before the new commit runs, and after.
const BEFORE: i64 = 16;
const AFTER: i64 = 10;

/// One profile as an agent pushes it.
pub enum Pushed {
    /// To `/ingest`, with `query` (`format=pprof` and the like, without `name`, `from` or
    /// `until`): placed in a slice by `from`/`until`.
    Ingest {
        query: String,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// A recorded Connect `push.v1` request (labels in its series): placed in a slice by
    /// moving its pprof's time back.
    Connect(Push),
}

/// One side of the deploy: the labels its `/ingest` pushes carry (`service_git_ref=…`), and
/// its profiles, pushed in turn, one per slice.
pub struct Side<'a> {
    pub labels: String,
    pub pushes: &'a [Pushed],
}

/// A run: the app, the function expected to regress, and the repository as
/// `[repositories.dirs]` names it (a URL or the app name).
pub struct Run<'a> {
    pub app: &'a str,
    pub function: &'a str,
    pub repository: (&'a str, &'a Path),
    pub before: Side<'a>,
    pub after: Side<'a>,
    /// Where the profiles go: the service's own store (`None`), or a Pyroscope the service
    /// reads (`PYROSCOPE_URL`), each profile kept there at the start of its window.
    pub pyroscope: Option<&'a PyroscopeStandIn>,
}

/// What a run found: the confirmed regression and what was delivered of it.
pub struct Named {
    pub regression: Value,
    pub alert: Value,
    pub hook: Value,
    pub page: String,
    pub again: Value,
}

/// Runs the service with `run.repository` configured, pushes its before side then its after
/// side, backfills with `notify` and answers the confirmed regression of `run.function` with
/// what was delivered of it.
pub async fn confirm_and_name(run: Run<'_>) -> Named {
    let (app, function) = (run.app, run.function);
    let receiver = receiver().await;
    let alertmanager = start_alertmanager(&format!("{}/alertmanager", receiver.uri())).await;
    let db = TestDatabase::create().await;
    let store = tempfile::tempdir().unwrap();
    let mut settings = settings(&db, store.path(), &alertmanager, run.repository);
    let now = steady_now().await;
    let last = backfilled_to(now);
    let first = last - (BEFORE + AFTER) * SLICE;
    let slices = 0..(BEFORE + AFTER + 2);
    if let Some(pyroscope) = run.pyroscope {
        settings.pyroscope.url = Some(pyroscope.url());
        // In Pyroscope before the service starts, as a fleet's history is.
        for (k, half, side, window) in windows(&run, first, now, slices.clone()) {
            let push = &side.pushes[(k + half) as usize % side.pushes.len()];
            keep(pyroscope, app, side, push, window);
        }
    }
    let service = spawn_stoppable(settings).await;
    let hook = json!({"appName": app, "notificationChannel": format!("{}/hook", receiver.uri())});
    json_with_status(service.app.post("/services", &hook).await, 201).await;
    if run.pyroscope.is_none() {
        for (k, half, side, window) in windows(&run, first, now, slices) {
            let push = &side.pushes[(k + half) as usize % side.pushes.len()];
            send(&service.app, app, side, push, window).await;
        }
    }
    backfill_window(&service.app, &db, now, first).await;

    let list = json_with_status(
        service
            .app
            .get(&format!(
                "/regressions?appName={}&state=confirmed",
                urlencode(app)
            ))
            .await,
        200,
    )
    .await;
    let Some(regression) = list["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["function"] == function)
        .cloned()
    else {
        let every = json_with_status(
            service
                .app
                .get(&format!("/regressions?appName={}", urlencode(app)))
                .await,
            200,
        )
        .await;
        let trend = json_with_status(
            service
                .app
                .get(&format!(
                    "/trends/{}?from={first}&to={now}&functions={function}",
                    urlencode(app)
                ))
                .await,
            200,
        )
        .await;
        panic!("{function} is not confirmed; every event: {every:#}; its trend: {trend}");
    };
    let id = regression["id"].as_i64().unwrap();
    let page = service
        .app
        .get(&format!("/regressions/{id}?format=html"))
        .await
        .text()
        .await
        .unwrap();
    let again = json_with_status(
        service
            .app
            .get(&format!("/regressions/{id}/suspects"))
            .await,
        200,
    )
    .await;
    let alert = delivered_alert(&alertmanager, function).await;
    let hook = delivered_hook(&receiver, function).await;
    Named {
        regression,
        alert,
        hook,
        page,
        again,
    }
}

fn settings(
    db: &TestDatabase,
    store: &Path,
    alertmanager: &Alertmanager,
    (key, repository): (&str, &Path),
) -> pyroscope_functions::app::settings::Settings {
    let mut s = test_settings(db);
    s.ingest.store_dir = store.to_path_buf();
    s.ingest.retention_days = CENTURY;
    s.watch.enabled = true;
    s.watch.backfill_hours = 0;
    s.watch.reference_slices = 12;
    s.watch.recent_slices = 4;
    s.alerts.alertmanager_url = Some(url::Url::parse(&alertmanager.url).unwrap());
    s.repositories
        .dirs
        .insert(key.to_owned(), repository.to_path_buf());
    s
}

async fn delivered_alert(alertmanager: &Alertmanager, function: &str) -> Value {
    for _ in 0..300 {
        let found = regression_alerts(alertmanager)
            .await
            .into_iter()
            .find(|a| a["labels"]["function"] == function);
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("Alertmanager holds no alert of {function}");
}

async fn delivered_hook(receiver: &MockServer, function: &str) -> Value {
    for _ in 0..300 {
        let found = hooks(receiver)
            .await
            .into_iter()
            .map(|(body, _)| body)
            .find(|b| b["regression"]["function"] == function);
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no webhook of {function} was delivered");
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The first suspect's commit, and every suspect's commit in order.
pub fn commits(answer: &Value) -> Vec<String> {
    answer["suspects"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| s["commit"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// When a pprof says it was taken, epoch seconds.
fn pprof_time(pprof: &[u8]) -> i64 {
    let profile: crate::profile_data::pprof::proto::Profile =
        prost::Message::decode(pprof).expect("a pprof");
    profile.time_nanos / 1_000_000_000
}

/// Every half-slice window `(k, half, side, [from, until))` of the run's slices `ks` after
/// `first`: two profiles a slice, each in its half, so that a slice holds enough samples even
/// when the programs ran on a busy machine; none past `now`.
fn windows<'r, 'a>(
    run: &'r Run<'a>,
    first: i64,
    now: i64,
    ks: std::ops::Range<i64>,
) -> Vec<(i64, i64, &'r Side<'a>, (i64, i64))> {
    let mut out = Vec::new();
    for k in ks {
        let start = first + k * SLICE;
        let side = if k < BEFORE { &run.before } else { &run.after };
        for half in 0..2 {
            let from = start + half * SLICE / 2;
            let until = (from + SLICE / 2).min(now);
            if until > from {
                out.push((k, half, side, (from, until)));
            }
        }
    }
    out
}

/// Keeps `push` of `side` in `pyroscope`, taken at `from` and lasting to `until`, under the
/// side's labels and `service_name` (Pyroscope places a profile at its `time_nanos`).
fn keep(
    pyroscope: &PyroscopeStandIn,
    app: &str,
    side: &Side<'_>,
    push: &Pushed,
    (from, until): (i64, i64),
) {
    let Pushed::Ingest { body, .. } = push else {
        panic!("only /ingest pushes are kept in the stand-in");
    };
    let mut labels: Vec<(&str, &str)> = side
        .labels
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    labels.push(("service_name", app));
    pyroscope.keep_at(&labels, body, (from, until));
}

/// Pushes `push` of `side` into the window `[from, until)`.
async fn send(
    service: &TestApp,
    app: &str,
    side: &Side<'_>,
    push: &Pushed,
    (from, until): (i64, i64),
) {
    let (path, content_type, body) = match push {
        Pushed::Ingest {
            query,
            content_type,
            body,
        } => {
            let name = format!("{app}{{{}}}", side.labels);
            let path = format!(
                "/ingest?name={}&from={from}&until={until}&{query}",
                urlencode(&name)
            );
            (path, (*content_type).to_owned(), body.clone())
        }
        Pushed::Connect(push) => {
            let (_, pprof) = push.profiles().into_iter().next().expect("a series");
            let taken = pprof_time(&pprof);
            // The pprof says when it starts and how long it lasts (5 s): inside the window.
            let body = push.backdated(taken - from.min(until - 6));
            (push.path.clone(), push.content_type.clone(), body)
        }
    };
    let res = service
        .client
        .post(service.url(&path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "a push is refused: {}",
        res.text().await.unwrap()
    );
}
