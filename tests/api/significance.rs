//! How sure a diff is (docs/api.md#how-sure-is-a-diff), against the noisy stub Pyroscope
//! (`noisy_pyroscope.rs`): pairs of hours where nothing changed rarely fail by the interval
//! verdict though the plain rule fails them often; a real 3-point regression fails nearly always;
//! the interval of a hand-cut case is the formulas' own; `slices=0` answers as before; short windows say why.

use serde_json::{json, Value};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::helpers::{assert_error, eventually, json_with_status, spawn_app_with, TestApp};
use crate::stubs::noisy::{start, NoisyProfiles, FUNCTIONS};

/// The first hour of the experiments: 2023-11-14 22:00 UTC, on a whole hour.
pub const T0: i64 = 1_699_999_200;
pub const HOUR: i64 = 3600;
pub const RESIZE: &str = "java/util/HashMap.resize";

pub async fn spawn(profiles: NoisyProfiles) -> (TestApp, wiremock::MockServer) {
    let pyroscope = start(profiles).await;
    let url = url::Url::parse(&pyroscope.uri()).unwrap();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.cache_ttl_secs = std::time::Duration::ZERO;
    })
    .await;
    // The approved threshold: the true share plus half a point.
    let body = json!({"appName": "checkout", "profileType": "cpu", "functionName": RESIZE,
                      "maxSelfPercent": FUNCTIONS[0].1 * 100.0 + 0.5});
    json_with_status(app.post("/baselines", &body).await, 201).await;
    (app, pyroscope)
}

async fn verdict(app: &TestApp, baseline_from: i64, slices: u32) -> String {
    let path = format!(
        "/diff/checkout?baselineFrom={baseline_from}&baselineTo={}&from={}&to={}&slices={slices}",
        baseline_from + HOUR,
        baseline_from + HOUR,
        baseline_from + 2 * HOUR
    );
    let body = json_with_status(app.get(&path).await, 200).await;
    body["summary"]["verdict"].as_str().unwrap().to_owned()
}

/// Fails among the pairs of hours starting at `firsts`: (the plain rule, the interval verdict).
async fn fails(app: &TestApp, firsts: impl Iterator<Item = i64>) -> (usize, usize) {
    let (mut by_shares, mut by_intervals) = (0, 0);
    for first in firsts {
        by_shares += usize::from(verdict(app, first, 0).await == "fail");
        by_intervals += usize::from(verdict(app, first, 10).await == "fail");
    }
    (by_shares, by_intervals)
}

#[tokio::test]
async fn pairs_of_hours_where_nothing_changed_rarely_fail_and_a_real_regression_nearly_always() {
    let (app, _stub) = spawn(NoisyProfiles::new(7, None)).await;
    let (by_shares, by_intervals) = fails(&app, (0..100).map(|k| T0 + 2 * k * HOUR)).await;
    println!(
        "A/A over 100 pairs: the plain rule fails {by_shares}, the interval verdict {by_intervals}"
    );
    assert!(
        by_shares >= 10,
        "the noise should fool the plain rule: {by_shares}"
    );
    assert!(
        by_intervals <= 2,
        "the interval verdict fails on noise: {by_intervals}"
    );

    // Other noise, and HashMap.resize 3 points higher in the second hour of each pair.
    let (app, _stub) = spawn(NoisyProfiles::new(8, Some(T0))).await;
    let mut caught = 0;
    for k in 0..20 {
        caught += usize::from(verdict(&app, T0 + 2 * k * HOUR, 10).await == "fail");
    }
    println!("3-point regressions: the interval verdict fails {caught} of 20");
    assert!(
        caught >= 19,
        "real regressions missed: {caught} of 20 caught"
    );
}

#[tokio::test]
async fn the_interval_of_a_hand_cut_case_is_the_formulas_own() {
    let profiles = NoisyProfiles::new(11, None);
    let (app, _stub) = spawn(profiles.clone()).await;
    // Two windows of 4 minutes, 4 parts each: every part is one minute of the stub.
    let (b0, c0) = (T0, T0 + 240);
    let path = format!(
        "/diff/checkout?baselineFrom={b0}&baselineTo={c0}&from={c0}&to={}&slices=4&limit=20",
        c0 + 240
    );
    let body = json_with_status(app.get(&path).await, 200).await;
    let window = |from: i64| -> (Vec<f64>, Vec<f64>) {
        let minutes: Vec<[u64; 6]> = (0..4).map(|k| profiles.minute(from / 60 + k)).collect();
        let totals = minutes
            .iter()
            .map(|m| m.iter().sum::<u64>() as f64)
            .collect();
        let selfs = minutes.iter().map(|m| m[0] as f64).collect();
        (totals, selfs)
    };
    // p = Σs/ΣT; v = n/(n−1)·Σ(s − pT)²/(ΣT)²; se = 100·√(v_b + v_c); Welch df; t(0.975, df).
    let estimate = |(t, s): (Vec<f64>, Vec<f64>)| {
        let (st, ss) = (t.iter().sum::<f64>(), s.iter().sum::<f64>());
        let p = ss / st;
        let r: f64 = t.iter().zip(&s).map(|(t, s)| (s - p * t).powi(2)).sum();
        (p, 4.0 / 3.0 * r / st / st)
    };
    let ((pb, vb), (pc, vc)) = (estimate(window(b0)), estimate(window(c0)));
    let delta = 100.0 * (pc - pb);
    let se = 100.0 * (vb + vc).sqrt();
    let df = (vb + vc).powi(2) / (vb * vb / 3.0 + vc * vc / 3.0);
    let t = StudentsT::new(0.0, 1.0, df).unwrap();
    let half = t.inverse_cdf(0.975) * se;
    let p_value = 2.0 * t.sf(delta.abs() / se);
    let entry = body["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .chain(body["improvements"].as_array().unwrap())
        .find(|e| e["function"] == RESIZE)
        .unwrap_or_else(|| panic!("{RESIZE} is listed: {body}"));
    let round = |x: f64| (x * 100.0).round() / 100.0;
    assert_eq!(
        entry["significance"]["low"],
        json!(round(delta - half)),
        "{entry}"
    );
    assert_eq!(
        entry["significance"]["high"],
        json!(round(delta + half)),
        "{entry}"
    );
    let got = entry["significance"]["pValue"].as_f64().unwrap();
    assert!(
        (got - p_value).abs() <= 1e-9 * p_value.max(1e-12),
        "{got} vs {p_value}"
    );
    assert_eq!(
        body["summary"]["significance"]["slices"],
        json!({"baseline": 4, "current": 4})
    );
}

#[tokio::test]
async fn slices_0_answers_as_before_short_windows_say_why_and_bad_slices_are_refused() {
    let (app, stub) = spawn(NoisyProfiles::new(3, None)).await;
    let window = format!(
        "baselineFrom={T0}&baselineTo={}&from={}&to={}",
        T0 + HOUR,
        T0 + HOUR,
        T0 + 2 * HOUR
    );
    let off = json_with_status(
        app.get(&format!("/diff/checkout?{window}&slices=0")).await,
        200,
    )
    .await;
    let on = json_with_status(app.get(&format!("/diff/checkout?{window}")).await, 200).await;
    assert!(off["summary"].get("significance").is_none(), "{off}");
    assert!(
        off["regressions"]
            .to_string()
            .find("significance")
            .is_none(),
        "{off}"
    );
    // With parts, every Part 1 number is unchanged: only the new fields are added.
    let strip = |mut v: Value| {
        for side in ["regressions", "improvements"] {
            for e in v[side].as_array_mut().unwrap() {
                let e = e.as_object_mut().unwrap();
                for key in [
                    "significance",
                    "currentLow",
                    "currentHigh",
                    "breachSignificant",
                ] {
                    e.remove(key);
                }
            }
        }
        v["summary"].as_object_mut().unwrap().remove("significance");
        v["summary"]["verdict"] = Value::Null;
        v
    };
    assert_eq!(strip(on.clone()), strip(off), "Part 1 numbers moved");
    assert_eq!(on["summary"]["significance"]["available"], true, "{on}");
    // The history record of the diff keeps the intervals of what it lists.
    eventually(
        10,
        "the record of the diff with parts is stored",
        || async {
            let records = json_with_status(app.get("/history/checkout").await, 200).await;
            records["history"].as_array().unwrap().iter().any(|r| {
                let kept = &r["topFunctions"];
                kept["significance"]["available"] == true
                    && kept["query"]["slices"] == 10
                    && kept["regressions"][0]["significance"]["pValue"].is_number()
            })
        },
    )
    .await;

    // 15 s: too short for two parts of 10 s.
    let short = format!(
        "baselineFrom={T0}&baselineTo={}&from={}&to={}",
        T0 + 15,
        T0 + 15,
        T0 + 30
    );
    let body = json_with_status(app.get(&format!("/diff/checkout?{short}")).await, 200).await;
    assert_unavailable(&body, "cannot be cut");
    let markdown = app
        .get(&format!("/diff/checkout?{window}&format=markdown"))
        .await
        .text()
        .await
        .unwrap();
    assert!(markdown.contains("(95 % CI "), "{markdown}");
    for format in ["svg", "html"] {
        let page = app
            .get(&format!("/diff/checkout?{window}&format={format}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("(95 % CI "), "{format}: {page}");
    }

    let before = stub.received_requests().await.unwrap().len();
    for bad in ["61", "-1"] {
        let res = app
            .get(&format!("/diff/checkout?{window}&slices={bad}"))
            .await;
        assert_error(res, 400, "invalid_slices").await;
    }
    let res = app
        .get(&format!("/diff/checkout?{window}&slices=ten"))
        .await;
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(
        stub.received_requests().await.unwrap().len(),
        before,
        "refused before reading"
    );
}

/// `body` is a diff whose intervals are unavailable, for a reason that contains `why`.
pub fn assert_unavailable(body: &Value, why: &str) {
    let significance = &body["summary"]["significance"];
    assert_eq!(significance["available"], false, "{body}");
    let reason = significance["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(why), "{body}");
}
