//! The commits of a range ranked by their evidence (docs/regressions.md#the-change-that-caused-it):
//! a change to the regressed function weighs most, one to a caller or callee whose share rose with
//! it weighs by how much of the regression lies under that function, and one elsewhere in the
//! regressed function's file weighs least. A commit's score is one minus the chance that none of
//! its evidence is why, so more evidence never lowers it and it stays within 0–1.

use std::collections::HashSet;

use crate::suspects::model::{
    CodeSpan, CommitChange, Evidence, FileChange, LineRange, Role, Suspect, Why,
};

/// Suspects named at most.
pub const MAX_SUSPECTS: usize = 5;

/// The weight of a change to the regressed function's lines.
const REGRESSED: f64 = 0.9;
/// The weight of a change to a related function's lines, times that function's share of the
/// regression.
const RELATED: f64 = 0.6;
/// The weight of a change elsewhere in the regressed function's file.
const SAME_FILE: f64 = 0.15;

/// The `limit` commits of `commits` (newest first, as a walk from the range's end gives them)
/// with the most evidence against them among `spans`, best first; a commit without evidence is
/// not named. A file renamed in the range is followed to its older name for older commits; a
/// merge is not scored (its branch's commits are in the range themselves). Line numbers are
/// compared as each commit left the file.
pub fn rank(commits: &[CommitChange], spans: &[CodeSpan], limit: usize) -> Vec<Suspect> {
    let mut names: Vec<HashSet<String>> = spans
        .iter()
        .map(|s| HashSet::from([s.file.clone()]))
        .collect();
    let mut suspects = Vec::new();
    for commit in commits {
        let mut evidence = Vec::new();
        let mut weights = Vec::new();
        for change in &commit.files {
            for (span, known) in spans.iter().zip(names.iter_mut()) {
                if !known.contains(&change.path) {
                    continue;
                }
                if let Some(old) = &change.old_path {
                    known.insert(old.clone());
                }
                if commit.merge {
                    continue;
                }
                if let Some((e, w)) = weigh(span, change, spans) {
                    evidence.push(e);
                    weights.push(w);
                }
            }
        }
        if evidence.is_empty() {
            continue;
        }
        let none = weights.iter().fold(1.0, |p, w| p * (1.0 - w));
        suspects.push(Suspect {
            short_commit: commit.id.chars().take(7).collect(),
            commit: commit.id.clone(),
            title: commit.title.clone(),
            author: commit.author.clone(),
            time: commit.time,
            score: ((1.0 - none) * 1000.0).round() / 1000.0,
            evidence,
        });
    }
    suspects.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.time.cmp(&a.time))
            .then(a.commit.cmp(&b.commit))
    });
    suspects.truncate(limit);
    suspects
}

/// What `change` says against `span`'s function: its lines changed, or, for the regressed
/// function, lines of its file that no function of the stacks holds.
fn weigh(span: &CodeSpan, change: &FileChange, spans: &[CodeSpan]) -> Option<(Evidence, f64)> {
    let touched: Vec<LineRange> = change
        .lines
        .iter()
        .filter(|l| l.overlaps(&span.lines))
        .copied()
        .collect();
    let (why, weight, lines) = match (span.role, touched.is_empty()) {
        (Role::Regressed, false) => (Why::ChangesRegressedFunction, REGRESSED, touched),
        (Role::Related { weight }, false) => (
            Why::ChangesRelatedFunction,
            RELATED * weight.clamp(0.0, 1.0),
            touched,
        ),
        (Role::Regressed, true) => {
            // Lines a function of the stacks holds are that function's evidence, not the file's.
            let elsewhere: Vec<LineRange> = change
                .lines
                .iter()
                .filter(|l| {
                    !spans
                        .iter()
                        .any(|s| s.file == span.file && l.overlaps(&s.lines))
                })
                .copied()
                .collect();
            if elsewhere.is_empty() {
                return None;
            }
            (Why::ChangesRegressedFile, SAME_FILE, elsewhere)
        }
        (Role::Related { .. }, true) => return None,
    };
    (weight > 0.0).then(|| {
        let evidence = Evidence {
            function: span.function.clone(),
            file: change.path.clone(),
            lines,
            why,
        };
        (evidence, weight)
    })
}

#[cfg(test)]
#[path = "rank_tests.rs"]
mod tests;
