//! A regression as one self-contained HTML page (SPEC §15): what happened first, the trend
//! with the change point and versions marked, the before-vs-after diff with its intervals and
//! differential flame graph, then the exact queries. Pure.

use chrono::DateTime;

use super::notice::{cost, summary};
use crate::diff_report::{findings, DiffReport, DiffRequest};
use crate::pictures::{href, trends_svg_marked, Page};
use crate::profiles::DiffTrees;
use crate::regressions::model::EventState;
use crate::regressions::service::RegressionDetail;
use crate::regressions::store::Regression;

/// Renders `detail`, its before-vs-after comparison `request` answered by `report` and `trees`.
pub fn render(
    detail: &RegressionDetail,
    request: &DiffRequest,
    report: &DiffReport,
    trees: &DiffTrees,
) -> String {
    let r = &detail.regression;
    let mut page = Page::new(&format!("Regression: {} · {}", r.app_name, r.function));
    let state = r.state.as_str();
    let colour = match r.state {
        EventState::Confirmed => "fail",
        EventState::Suspected | EventState::Settled => "warn",
        EventState::WentAway | EventState::Resolved => "pass",
    };
    page.badge(
        colour,
        &format!(
            "{} · {}",
            state.replace('_', " "),
            r.kind.as_str().replace('_', " ")
        ),
    );
    page.paragraph(&summary(r));
    let mut facts = vec![
        ("Function", r.function.clone()),
        ("Change point", utc(r.changed_at)),
        (
            "Self share",
            format!("{:.2}% → {:.2}%", r.before_percent, r.after_percent),
        ),
        (
            "Change",
            format!(
                "{:+.2} points (95 % CI {:+.2} … {:+.2}), p = {:.2e}",
                r.delta_percent, r.significance.low, r.significance.high, r.significance.p_value
            ),
        ),
        ("Cost", cost_fact(r)),
    ];
    if let Some(version) = &r.version {
        let before = version.before.as_deref().unwrap_or("none");
        facts.push(("Deploy", format!("{before} → {}", version.after)));
    }
    if let Some(from) = &r.shifted_from {
        facts.push(("Cost moved from", from.clone()));
    }
    facts.push(("Suspected", utc(r.suspected_at)));
    for (name, at) in [
        ("Confirmed", r.confirmed_at),
        ("Went away", r.went_away_at),
        ("Resolved", r.resolved_at),
        ("Settled (watched again at its new level)", r.settled_at),
    ] {
        if let Some(at) = at {
            facts.push((name, utc(at)));
        }
    }
    page.facts(&facts);
    page.heading("Over time");
    page.svg(&trends_svg_marked(&detail.trend, Some(r.changed_at)));
    page.heading(&format!(
        "Before ({}) and after ({}) the change point",
        request.baseline, request.current
    ));
    findings(&mut page, request, report, trees);
    page.heading("Queries");
    let id = r.id.to_string();
    page.link("This regression as JSON", &href(&["regressions", &id], &[]));
    let trend = &detail.trend;
    let functions = trend
        .series
        .iter()
        .map(|s| s.function.as_str())
        .collect::<Vec<_>>()
        .join(",");
    page.link(
        "The trend",
        &href(
            &["trends", &r.app_name],
            &[
                ("type", r.profile_type.to_string()),
                ("from", trend.from.to_string()),
                ("to", trend.to.to_string()),
                ("functions", functions),
            ],
        ),
    );
    page.link(
        "The diff of before and after",
        &href(
            &["diff", &r.app_name],
            &[
                ("type", r.profile_type.to_string()),
                ("baselineFrom", request.baseline.from.to_string()),
                ("baselineTo", request.baseline.to.to_string()),
                ("from", request.current.from.to_string()),
                ("to", request.current.to.to_string()),
                ("slices", request.slices.to_string()),
                ("format", "html".to_owned()),
            ],
        ),
    );
    page.finish()
}

/// The cost ratio and what the process spends more (SPEC §19), with the ratio's number.
fn cost_fact(r: &Regression) -> String {
    match r.cost_ratio {
        Some(ratio) => format!("{} (cost ratio {ratio:.3})", cost(r)),
        None => format!("{} (cost ratio unbounded)", cost(r)),
    }
}

/// Epoch seconds as `2026-11-24 10:35 UTC`.
fn utc(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| secs.to_string())
}
