//! The diff report as one self-contained HTML page: the verdict first, the regressions and
//! improvements, the differential flame graph, then the exact query with a link to its JSON.
//! Pure.

use std::collections::HashMap;

use super::model::{DiffEntry, DiffReport, DiffRequest};
use super::significance::{delta_text, summary_text};
use pf_model::{round_percent, LabelSelector};
use pf_pictures::{diff_flame_graph, href, shown, Captions, Cell, Page};
use pf_profiles::DiffTrees;

/// The differential flame graph of a report: the current window's shape, coloured by change;
/// the tooltips of the functions `report` lists add their self share's change, with its
/// interval when there is one.
pub fn picture(
    req: &DiffRequest,
    report: &DiffReport,
    trees: &DiffTrees,
    interactive: bool,
) -> String {
    let notes: HashMap<String, String> = report
        .regressions
        .iter()
        .chain(&report.improvements)
        .map(|e| {
            let delta = delta_text(e.delta_percent, e.significance.as_ref());
            (e.function.clone(), format!("self share {delta}"))
        })
        .collect();
    diff_flame_graph(
        &trees.current,
        &trees.baseline,
        &Captions {
            title: &format!(
                "Differential flame graph: {} · {}",
                req.app, req.profile_type
            ),
            subtitle: &format!(
                "baseline {}{} → current {}{} · red grew, blue shrank",
                req.baseline,
                side(&req.labels.and(&req.baseline_labels)),
                req.current,
                side(&req.labels.and(&req.current_labels)),
            ),
            interactive,
        },
        &notes,
    )
}

/// Renders `report` with the picture of `trees`.
pub fn render(req: &DiffRequest, report: &DiffReport, trees: &DiffTrees) -> String {
    let mut page = Page::new(&format!("Diff report: {}", report.app_name));
    let summary = &report.summary;
    let verdict = summary.verdict.as_str();
    page.badge(verdict, &format!("Verdict: {}", verdict.to_uppercase()));
    let mut facts = vec![
        ("Regressions", summary.regressions_count.to_string()),
        ("Improvements", summary.improvements_count.to_string()),
    ];
    if let Some(top) = &summary.top_regression {
        facts.push(("Top regression", top.clone()));
    }
    if let Some(breaches) = summary.threshold_breaches {
        facts.push(("Threshold breaches", breaches.to_string()));
    }
    if let Some(significance) = &summary.significance {
        facts.push(("Significance", summary_text(significance)));
    }
    page.facts(&facts);
    findings(&mut page, req, report, trees);
    page.heading("Query");
    page.facts(&[
        ("App", req.app.to_string()),
        ("Type", req.profile_type.to_string()),
        ("Baseline", req.baseline.to_string()),
        ("Current", req.current.to_string()),
        ("Labels", shown(&req.labels)),
        ("Baseline labels", shown(&req.baseline_labels)),
        ("Current labels", shown(&req.current_labels)),
        ("Slices", req.slices.to_string()),
    ]);
    let mut params = vec![
        ("type", req.profile_type.to_string()),
        ("from", req.current.from.to_string()),
        ("to", req.current.to.to_string()),
        ("baselineFrom", req.baseline.from.to_string()),
        ("baselineTo", req.baseline.to.to_string()),
        ("limit", req.limit.to_string()),
        ("slices", req.slices.to_string()),
    ];
    for (name, labels) in [
        ("labels", &req.labels),
        ("baselineLabels", &req.baseline_labels),
        ("currentLabels", &req.current_labels),
    ] {
        if !labels.is_empty() {
            params.push((name, labels.to_string()));
        }
    }
    page.link(
        "This report as JSON",
        &href(&["diff", req.app.as_str()], &params),
    );
    page.finish()
}

/// The changes with their intervals and the differential flame graph: what a page about two
/// windows shows of them (this report's, and a regression's before and after).
pub fn findings(page: &mut Page, req: &DiffRequest, report: &DiffReport, trees: &DiffTrees) {
    let summary = &report.summary;
    if summary.significance.as_ref().is_some_and(|s| s.available) {
        page.note(
            "Each delta is shown with its 95 % confidence interval: how far it could move \
             from the normal minute-to-minute variation of this profile alone, estimated from \
             the parts each window was cut into; a change whose interval crosses zero (after \
             correcting for the number of functions compared) is marked not significant.",
        );
    }
    let with_thresholds = summary.threshold_breaches.is_some();
    table(page, "Regressions", &report.regressions, with_thresholds);
    table(page, "Improvements", &report.improvements, with_thresholds);
    page.heading("Differential flame graph");
    if trees.current.total() > 0 {
        page.svg(&picture(req, report, trees, false));
    } else {
        page.note("No samples in the current window: no flame graph.");
    }
}

/// ` {labels}` after a window, when a side is narrowed.
fn side(labels: &LabelSelector) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!(" {{{labels}}}")
    }
}

fn table(page: &mut Page, title: &str, entries: &[DiffEntry], with_thresholds: bool) {
    page.heading(title);
    if entries.is_empty() {
        page.note("None.");
        return;
    }
    let mut headers = vec!["Function", "#Baseline %", "#Current %", "#Delta"];
    if with_thresholds {
        headers.push("#Threshold %");
    }
    page.table(
        &headers,
        entries.iter().map(|e| {
            let mut row = vec![
                Cell::Code(&e.function),
                Cell::Number(format!("{:.2}", round_percent(e.baseline_percent))),
                Cell::Number(format!("{:.2}", round_percent(e.current_percent))),
                Cell::Number(delta_text(e.delta_percent, e.significance.as_ref())),
            ];
            if with_thresholds {
                row.push(Cell::Number(
                    match (e.approved_threshold, e.exceeds_threshold) {
                        (Some(t), Some(true)) if e.breach_significant == Some(false) => {
                            format!("{t:.2} BREACH (not significant)")
                        }
                        (Some(t), Some(true)) => format!("{t:.2} BREACH"),
                        (Some(t), _) => format!("{t:.2}"),
                        (None, _) => "—".to_owned(),
                    },
                ));
            }
            row
        }),
    );
}
