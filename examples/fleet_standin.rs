//! A Pyroscope stand-in of a large fleet for `scripts/pyroscope_fleet_bench.sh`
//! (docs/performance.md, "The watcher at 10 000 apps"): it keeps no profiles but makes each
//! answer from the app and the time, so it answers 10 000 apps as fast as the service asks,
//! with Pyroscope's limit on outstanding requests (429 beyond it), and counts every call.
//!
//! `cargo run --release --example fleet_standin -- PORT [APPS] [MAX_OUTSTANDING] [LATENCY_MS]`
//! (10 000 apps, 100 outstanding, 2 ms a call). Every app has CPU and allocation profiles, the
//! even ones in-use memory too (a snapshot every 10 s); each app's version changes once an hour
//! (at its own minute). `GET /stats` answers the counts: calls by method, 429s, the most
//! requests outstanding at once, and calls per slice start for the merged profiles.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use pf_formats::formats::flamegraph::connect_json;
use pf_formats::formats::pyroscope_api::{
    LabelNamesResponse, LabelPair, LabelValuesResponse, Point, ProfileType, ProfileTypesResponse,
    SelectMergeStacktracesRequest, SelectSeriesRequest, SelectSeriesResponse, Series,
    SeriesResponse,
};
use pf_model::{CallTree, TreeNode};
use serde_json::Value;

const CPU: &str = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
const ALLOC: &str = "memory:alloc_space:bytes:space:bytes";
const INUSE: &str = "memory:inuse_space:bytes:space:bytes";

struct Fleet {
    apps: usize,
    max_outstanding: usize,
    latency: Duration,
    outstanding: AtomicUsize,
    peak: AtomicUsize,
    refused: AtomicUsize,
    calls: Mutex<BTreeMap<String, usize>>,
}

fn app_name(i: usize) -> String {
    format!("app-{i:05}")
}

fn app_index(selector: &str) -> Option<usize> {
    let name = selector.split('"').nth(1)?;
    name.strip_prefix("app-")?.parse().ok()
}

/// App `i`'s version at `t` (epoch seconds): it changes once an hour, at the app's own minute.
fn version(i: usize, t: i64) -> String {
    let offset = (i as i64 * 37) % 3600;
    format!("1.{}", (t + offset).div_euclid(3600))
}

fn has(i: usize, id: &str) -> bool {
    id != INUSE || i.is_multiple_of(2)
}

fn pair(name: &str, value: String) -> LabelPair {
    LabelPair {
        name: name.to_owned(),
        value,
    }
}

/// A small call tree of app `i` for a window from `start` (ms): 24 functions under `main`.
fn tree(i: usize, id: &str, start: i64) -> CallTree {
    let seed = (i as u64).wrapping_mul(2_654_435_761) ^ (start as u64 / 1000);
    let names: Vec<String> = std::iter::once("total".to_owned())
        .chain(std::iter::once("main".to_owned()))
        .chain((0..24).map(|f| format!("app{}.fn{f:02}", i % 50)))
        .collect();
    let unit: u64 = if id == CPU { 10_000_000 } else { 4096 };
    let mut nodes = vec![TreeNode::leaf(0, 0, 0), TreeNode::leaf(0, 0, 1)];
    let mut sum = 0;
    for f in 0..24u64 {
        let value = unit * (1 + (seed.rotate_left(f as u32) % 97) + 40 / (f + 1));
        nodes.push(TreeNode::leaf(value, value, 2 + f as u32));
        sum += value;
    }
    nodes[1] = TreeNode {
        total: sum,
        self_samples: 0,
        name: 1,
        first_child: 2,
        child_end: 26,
    };
    nodes[0] = TreeNode {
        total: sum,
        self_samples: 0,
        name: 0,
        first_child: 1,
        child_end: 2,
    };
    CallTree::new(nodes, &names)
}

fn json<T: serde::Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok().json(value)
}

async fn call(req: HttpRequest, body: web::Bytes, fleet: web::Data<Arc<Fleet>>) -> HttpResponse {
    let method = req.path().rsplit('/').next().unwrap_or_default().to_owned();
    let now = fleet.outstanding.fetch_add(1, Ordering::SeqCst) + 1;
    let _done = Done(&fleet.outstanding);
    if now > fleet.max_outstanding {
        fleet.refused.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::TooManyRequests()
            .json(serde_json::json!({"code": "resource_exhausted", "message": "too many outstanding requests"}));
    }
    fleet.peak.fetch_max(now, Ordering::Relaxed);
    if let Ok(mut calls) = fleet.calls.lock() {
        *calls.entry(method.clone()).or_insert(0) += 1;
    }
    tokio::time::sleep(fleet.latency).await;
    let message: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match method.as_str() {
        "ProfileTypes" => json(&ProfileTypesResponse {
            profile_types: [CPU, ALLOC, INUSE]
                .iter()
                .map(|id| ProfileType {
                    id: (*id).to_owned(),
                    ..ProfileType::default()
                })
                .collect(),
        }),
        "LabelValues" => json(&LabelValuesResponse {
            names: (0..fleet.apps).map(app_name).collect(),
        }),
        "LabelNames" => json(&LabelNamesResponse {
            names: [
                "__name__",
                "__profile_type__",
                "service_name",
                "version",
                "service_git_ref",
            ]
            .map(str::to_owned)
            .to_vec(),
        }),
        "Series" => json(&SeriesResponse::default()),
        "SelectSeries" => {
            let Ok(q) = serde_json::from_value::<SelectSeriesRequest>(message) else {
                return HttpResponse::BadRequest().finish();
            };
            json(&select_series(&fleet, &q))
        }
        "SelectMergeStacktraces" => {
            let Ok(q) = serde_json::from_value::<SelectMergeStacktracesRequest>(message) else {
                return HttpResponse::BadRequest().finish();
            };
            let Some(i) = app_index(&q.label_selector).filter(|&i| i < fleet.apps) else {
                return HttpResponse::Ok().json(serde_json::json!({}));
            };
            if !has(i, &q.profile_type_id) {
                return HttpResponse::Ok().json(serde_json::json!({}));
            }
            if let Ok(mut calls) = fleet.calls.lock() {
                *calls
                    .entry(format!("merge@{}", q.start / 1000))
                    .or_insert(0) += 1;
            }
            HttpResponse::Ok()
                .content_type("application/json")
                .body(connect_json(&tree(i, &q.profile_type_id, q.start)))
        }
        _ => HttpResponse::NotFound().finish(),
    }
}

/// Gives the request's place back when it is answered.
struct Done<'a>(&'a AtomicUsize);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Every app's series of the type: event types one point per step, grouped by app, version and
/// ref; in-use memory one point per snapshot (every 10 s) of each app's one series.
fn select_series(fleet: &Fleet, q: &SelectSeriesRequest) -> SelectSeriesResponse {
    let step = ((q.step * 1000.0) as i64).max(1);
    let mut series = Vec::new();
    for i in (0..fleet.apps).filter(|&i| has(i, &q.profile_type_id)) {
        let labels = |t: i64| {
            let mut labels = vec![pair("service_name", app_name(i))];
            if q.group_by.iter().any(|g| g == "version") {
                labels.push(pair("version", version(i, t)));
            }
            if q.group_by.iter().any(|g| g == "service_git_ref") {
                labels.push(pair(
                    "service_git_ref",
                    format!("{:x}", (i * 7919) % 65_536),
                ));
            }
            labels
        };
        // Profiles every 10 s, at the app's own second.
        let offset = (i as i64 % 10) * 1000;
        let first = (q.start - offset).div_euclid(10_000) * 10_000 + offset;
        let mut by_labels: BTreeMap<Vec<(String, String)>, BTreeMap<i64, f64>> = BTreeMap::new();
        let mut t = first;
        while t <= q.end {
            if t > q.start - step {
                let stamp = q.start + (t - q.start + step - 1).div_euclid(step) * step;
                if stamp <= q.end {
                    let key = labels(t / 1000)
                        .into_iter()
                        .map(|l| (l.name, l.value))
                        .collect();
                    *by_labels.entry(key).or_default().entry(stamp).or_default() +=
                        (1000 + i % 100) as f64 * 1024.0;
                }
            }
            t += 10_000;
        }
        for (labels, points) in by_labels {
            series.push(Series {
                labels: labels
                    .into_iter()
                    .map(|(name, value)| LabelPair { name, value })
                    .collect(),
                points: points
                    .into_iter()
                    .map(|(timestamp, value)| Point {
                        value,
                        timestamp,
                        ..Point::default()
                    })
                    .collect(),
            });
        }
    }
    SelectSeriesResponse { series }
}

async fn stats(fleet: web::Data<Arc<Fleet>>) -> HttpResponse {
    let calls = fleet.calls.lock().map(|c| c.clone()).unwrap_or_default();
    HttpResponse::Ok().json(serde_json::json!({
        "calls": calls,
        "refused": fleet.refused.load(Ordering::Relaxed),
        "peakOutstanding": fleet.peak.load(Ordering::Relaxed),
    }))
}

fn main() -> ExitCode {
    actix_web::rt::System::new().block_on(serve())
}

async fn serve() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let Some(port) = args.first().and_then(|p| p.parse::<u16>().ok()) else {
        eprintln!("usage: fleet_standin PORT [APPS] [MAX_OUTSTANDING] [LATENCY_MS]");
        return ExitCode::from(2);
    };
    let fleet = Arc::new(Fleet {
        apps: arg(1, 10_000) as usize,
        max_outstanding: arg(2, 100) as usize,
        latency: Duration::from_millis(arg(3, 2)),
        outstanding: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
        calls: Mutex::new(BTreeMap::new()),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(fleet.clone()))
            .app_data(web::PayloadConfig::new(16 << 20))
            .route("/stats", web::get().to(stats))
            .default_service(web::post().to(call))
    })
    .workers(1)
    .bind(("127.0.0.1", port));
    match server {
        Ok(server) => match server.run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("fleet_standin: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("fleet_standin: cannot bind port {port}: {e}");
            ExitCode::FAILURE
        }
    }
}
