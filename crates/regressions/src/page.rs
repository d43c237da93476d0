//! A regression as one self-contained HTML page (docs/regressions.md): what happened first, the
//! trend with the change point and versions marked, the before-vs-after diff with its intervals and
//! differential flame graph, then the exact queries. Pure.

use super::notice::{cost, summary, suspect_commit};
use crate::service::Compared;
use crate::store::Regression;
use pf_commits::{SuspectsReason, Why};
use pf_detection::model::EventState;
use pf_diff_report::findings;
use pf_model::utc::{utc_text, MINUTE};
use pf_pictures::{href, trends_svg_marked, Cell, Page};

/// Renders an event, and its before-vs-after comparison `request` answered by `report` and
/// `trees`.
pub fn render(compared: &Compared) -> String {
    let Compared {
        detail,
        request,
        report,
        trees,
    } = compared;
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
        ("Change point", utc_text(r.changed_at, MINUTE)),
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
    ];
    if r.leak.is_none() {
        facts.push(("Cost", cost_fact(r)));
    }
    if let Some(version) = &r.version {
        facts.push(("Deploy", version.to_string()));
    }
    if let Some(from) = &r.shifted_from {
        facts.push(("Cost moved from", from.clone()));
    }
    facts.push(("Suspected", utc_text(r.suspected_at, MINUTE)));
    for (name, at) in [
        ("Confirmed", r.confirmed_at),
        ("Went away", r.went_away_at),
        ("Resolved", r.resolved_at),
        ("Settled (watched again at its new level)", r.settled_at),
    ] {
        if let Some(at) = at {
            facts.push((name, utc_text(at, MINUTE)));
        }
    }
    if let Some(line) = suspect_commit(r) {
        facts.push(("Likeliest commit", line));
    }
    page.facts(&facts);
    if let Some(leak) = &r.leak {
        super::leak_page::section(&mut page, &detail.trend, &r.function, leak);
    } else if r.confirmed_at.is_some() {
        suspects(&mut page, r);
    }
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

/// The commits most likely behind it, with their evidence, or why none is named
/// (docs/regressions.md#the-change-that-caused-it).
fn suspects(page: &mut Page, r: &Regression) {
    page.heading("The change that caused it");
    if let Some(range) = &r.range {
        page.paragraph(&format!(
            "{} commits between {} and {}, ranked by how much of what they changed lies where \
             the regression is.",
            range.commits,
            short_ref(&range.from),
            short_ref(&range.to)
        ));
    }
    if let Some(reason) = r.suspects_reason {
        page.note(match reason {
            SuspectsReason::NoRefLabel => "No commit named: the slices before or after the change name no service_git_ref (nor a version that names one).",
            SuspectsReason::RepositoryNotConfigured => "No commit named: [repositories.dirs] names no git directory for this app or its repository.",
            SuspectsReason::RefNotFound => "No commit named: a ref is not in the repository yet; fetch it and ask GET /regressions/{id}/suspects.",
            SuspectsReason::TooManyCommits => "No commit named: the range holds more than repositories.max_commits commits.",
            SuspectsReason::RepositoryUnreadable => "No commit named: the configured directory is no git repository the service can read.",
            SuspectsReason::NoCommitTouchesStacks => "No commit of the range changes a function on the regression's stacks, or its file.",
            SuspectsReason::SameRef => "No commit named: the slices before and after the change run the same ref, so no code changed there.",
            SuspectsReason::SourceHasNoLines => "No commit named: the profile source names functions only (the legacy Pyroscope API), no files or lines.",
            SuspectsReason::ProfileUnreadable => "No commit named: the profile could not be read at the confirmation; GET /regressions/{id}/suspects reads it again.",
        });
        return;
    }
    let evidence: Vec<String> = r
        .suspects
        .iter()
        .map(|s| {
            s.evidence
                .iter()
                .map(|e| {
                    let lines = e
                        .lines
                        .iter()
                        .map(|l| format!("{}-{}", l.start, l.end))
                        .collect::<Vec<_>>()
                        .join(",");
                    let why = match e.why {
                        Why::ChangesRegressedFunction => "the regressed function",
                        Why::ChangesRelatedFunction => "a caller or callee",
                        Why::ChangesRegressedFile => "its file",
                    };
                    format!("{} {}:{lines} ({why})", e.function, e.file)
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    let rows = r.suspects.iter().zip(&evidence).map(|(s, evidence)| {
        vec![
            Cell::Code(&s.short_commit),
            Cell::Text(&s.title),
            Cell::Text(&s.author),
            Cell::Number(format!("{:.2}", s.score)),
            Cell::Text(evidence),
        ]
    });
    page.table(&["Commit", "Title", "Author", "#Score", "Evidence"], rows);
}

/// A commit id as people write it (its first 7 digits); a tag or branch as it is.
fn short_ref(name: &str) -> &str {
    match name.get(..7) {
        Some(short) if name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit()) => short,
        _ => name,
    }
}

/// The cost ratio and what the process spends more (docs/regressions.md), with the ratio's number.
fn cost_fact(r: &Regression) -> String {
    match r.cost_ratio {
        Some(ratio) => format!("{} (cost ratio {ratio:.3})", cost(r)),
        None => format!("{} (cost ratio unbounded)", cost(r)),
    }
}
