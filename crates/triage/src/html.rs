//! The triage as one self-contained HTML page: the diagnosis first, then each type's findings,
//! top functions and flame graph, then the exact query with a link to its JSON. Pure.

use std::sync::Arc;

use super::model::{Assessment, TriageReport, TriageRequest, TypeAssessment};
use pf_model::trend_view::Trends;
use pf_model::{round_percent, CallTree, ProfileType};
use pf_pictures::{flame_graph, href, shown, thousands, trends_svg, Captions, Cell, Page};

/// Renders `report`; `trees` and `trends` are the call trees and recent trends of
/// `req.types`, in that order (no trend: no panel).
pub fn render(
    req: &TriageRequest,
    report: &TriageReport,
    (trees, trends): (&[Option<Arc<CallTree>>], &[Option<Trends>]),
) -> String {
    let mut page = Page::new(&format!("Triage: {}", report.app_name));
    let summary = &report.summary;
    page.badge(
        summary.severity.as_str(),
        &format!(
            "{} · {} severity",
            summary.primary_issue,
            summary.severity.as_str()
        ),
    );
    page.paragraph(&summary.recommendation);
    if let Some(violations) = summary.baseline_violations {
        page.paragraph(&format!(
            "Functions above their approved baseline: {violations}"
        ));
    }
    for (i, (profile_type, assessment)) in report.profiles.iter().enumerate() {
        page.heading(&format!("{profile_type}: {}", diagnosis(assessment)));
        match assessment {
            TypeAssessment::Unavailable(u) => page.paragraph(&format!("Unavailable: {}", u.error)),
            TypeAssessment::Assessed(a) => {
                assessed(&mut page, a);
                match trees.get(i).and_then(Option::as_ref) {
                    Some(tree) if tree.total() > 0 => {
                        page.svg(&picture(req, *profile_type, tree));
                    }
                    Some(_) => page.note("No samples in this window: no flame graph."),
                    None => page.note("The flame graph could not be read."),
                }
                if let Some(trend) = trends.get(i).and_then(Option::as_ref) {
                    page.note(
                        "The last 24 hours of these functions, per slice of the profile watcher:",
                    );
                    page.svg(&trends_svg(trend));
                }
            }
        }
    }
    query(&mut page, req);
    page.finish()
}

fn diagnosis(assessment: &TypeAssessment) -> &str {
    match assessment {
        TypeAssessment::Assessed(a) => &a.diagnosis,
        TypeAssessment::Unavailable(u) => &u.diagnosis,
    }
}

fn assessed(page: &mut Page, a: &Assessment) {
    page.paragraph(&a.recommendation);
    page.facts(&[
        ("Samples", thousands(a.total_samples)),
        (
            "Evidence",
            if a.evidence.matched_functions.is_empty() {
                "no function matches a category of the rules".to_owned()
            } else {
                format!(
                    "{:.2}% in {}",
                    round_percent(a.evidence.matched_percent),
                    a.evidence.matched_functions.join(", ")
                )
            },
        ),
    ]);
    if let Some(violations) = a.baseline_violations.as_ref().filter(|v| !v.is_empty()) {
        page.table(
            &[
                "Above baseline",
                "#Current %",
                "#Threshold %",
                "#Exceeded by",
                "Severity",
            ],
            violations.iter().map(|v| {
                vec![
                    Cell::Code(&v.function),
                    Cell::Number(format!("{:.2}", round_percent(v.current_percent))),
                    Cell::Number(format!("{:.2}", round_percent(v.threshold))),
                    Cell::Number(format!("{:+.2}", round_percent(v.exceeded_by))),
                    Cell::Text(v.severity.as_str()),
                ]
            }),
        );
    }
    if a.top_functions.is_empty() {
        page.note("No functions in this window.");
        return;
    }
    page.table(
        &["Top function", "#Self %", "#Self samples", "#Total samples"],
        a.top_functions.iter().map(|f| {
            vec![
                Cell::Code(&f.name),
                Cell::Number(format!("{:.2}", round_percent(f.self_percent))),
                Cell::Number(thousands(f.self_samples)),
                Cell::Number(thousands(f.total_samples)),
            ]
        }),
    );
}

fn picture(req: &TriageRequest, profile_type: ProfileType, tree: &CallTree) -> String {
    flame_graph(
        tree,
        &Captions {
            title: &format!("{} · {profile_type}", req.app),
            subtitle: &format!("{} · {} samples", req.window, thousands(tree.total())),
            interactive: false,
        },
    )
}

fn query(page: &mut Page, req: &TriageRequest) {
    let types: Vec<&str> = req.types.iter().map(|t| t.as_str()).collect();
    page.heading("Query");
    page.facts(&[
        ("App", req.app.to_string()),
        ("Types", types.join(",")),
        ("Window", req.window.to_string()),
        ("Labels", shown(&req.labels)),
        ("Top functions", req.limit.to_string()),
    ]);
    let mut params = vec![
        ("from", req.window.from.to_string()),
        ("to", req.window.to.to_string()),
        ("types", types.join(",")),
        ("limit", req.limit.to_string()),
    ];
    if !req.labels.is_empty() {
        params.push(("labels", req.labels.to_string()));
    }
    page.link(
        "This triage as JSON",
        &href(&["triage", req.app.as_str()], &params),
    );
}
