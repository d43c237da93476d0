//! The diff report as Markdown, for pull-request comments and chat. Pure.

use std::fmt::Write;

use super::model::{DiffEntry, DiffReport};
use super::significance::{delta_text, summary_text};
use pf_model::round_percent;

/// Renders `report`; the Threshold columns appear when it carries baselines (v2). Numbers are
/// rounded as in the JSON answer (half away from zero), then printed with 2 decimals.
pub fn render(report: &DiffReport) -> String {
    let with_thresholds = report.summary.threshold_breaches.is_some();
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(out, "# Diff report: {}\n", report.app_name);
    let _ = writeln!(out, "- **Profile type:** {}", report.profile_type);
    let _ = writeln!(out, "- **Baseline:** {}", report.baseline);
    let _ = writeln!(out, "- **Current:** {}", report.current);
    for (title, labels) in [
        ("Labels", &report.labels),
        ("Baseline labels", &report.baseline_labels),
        ("Current labels", &report.current_labels),
    ] {
        if !labels.is_empty() {
            let _ = writeln!(out, "- **{title}:** {}", code(&labels.to_string()));
        }
    }
    out.push('\n');
    table(
        &mut out,
        "Regressions",
        &report.regressions,
        with_thresholds,
    );
    table(
        &mut out,
        "Improvements",
        &report.improvements,
        with_thresholds,
    );
    let summary = &report.summary;
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(
        out,
        "- **Verdict:** {}",
        summary.verdict.as_str().to_uppercase()
    );
    let _ = writeln!(out, "- Regressions: {}", summary.regressions_count);
    let _ = writeln!(out, "- Improvements: {}", summary.improvements_count);
    if let Some(top) = report.regressions.first() {
        let _ = writeln!(
            out,
            "- Top regression: {} (+{}%)",
            code(&top.function),
            top.delta_percent
        );
    }
    if let Some(first) = report.suspects.as_ref().and_then(|s| s.suspects.first()) {
        let _ = writeln!(
            out,
            "- Likeliest commit: {} {} (score {:.2})",
            code(&first.short_commit),
            first.title,
            first.score
        );
    }
    if let Some(breaches) = summary.threshold_breaches {
        let _ = writeln!(out, "- Threshold breaches: {breaches}");
    }
    if let Some(significance) = &summary.significance {
        let _ = writeln!(out, "- Significance: {}", summary_text(significance));
    }
    out
}

fn table(out: &mut String, title: &str, entries: &[DiffEntry], with_thresholds: bool) {
    let _ = writeln!(out, "## {title}\n");
    if entries.is_empty() {
        let _ = writeln!(out, "_None._\n");
        return;
    }
    if with_thresholds {
        let _ = writeln!(
            out,
            "| Function | Baseline % | Current % | Delta | Threshold |\n|---|---:|---:|---:|---|"
        );
    } else {
        let _ = writeln!(
            out,
            "| Function | Baseline % | Current % | Delta |\n|---|---:|---:|---:|"
        );
    }
    for e in entries {
        let _ = write!(
            out,
            "| {} | {:.2} | {:.2} | {} |",
            code(&e.function).replace('|', "\\|"),
            round_percent(e.baseline_percent),
            round_percent(e.current_percent),
            delta_text(e.delta_percent, e.significance.as_ref())
        );
        if with_thresholds {
            let cell = match (e.approved_threshold, e.exceeds_threshold) {
                (Some(t), Some(true)) if e.breach_significant == Some(false) => {
                    format!("{t:.2} **BREACH** (not significant)")
                }
                (Some(t), Some(true)) => format!("{t:.2} **BREACH**"),
                (Some(t), _) => format!("{t:.2}"),
                (None, _) => "—".to_owned(),
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out.push('\n');
}

/// A function name as a code span (so `*`, `_` and `<` are not read as Markdown), one line.
fn code(name: &str) -> String {
    let one_line = name.replace(['\n', '\r'], " ");
    if one_line.contains('`') {
        format!("`` {one_line} ``")
    } else {
        format!("`{one_line}`")
    }
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
