//! The ranking on plain values: the commit that added the work first, decoys below it or not
//! named, merges not scored, renames followed, scores within 0–1.

use super::*;

fn lines(ranges: &[(u32, u32)]) -> Vec<LineRange> {
    ranges.iter().map(|&(a, b)| LineRange::new(a, b)).collect()
}

fn change(path: &str, ranges: &[(u32, u32)]) -> FileChange {
    FileChange {
        path: path.into(),
        old_path: None,
        lines: lines(ranges),
    }
}

fn commit(id: &str, time: i64, files: Vec<FileChange>) -> CommitChange {
    CommitChange {
        id: id.into(),
        title: format!("commit {id}"),
        author: "dev".into(),
        time,
        merge: false,
        files,
    }
}

/// `score` regressed in app/score.go lines 10–30; its caller `route` (lines 40–60) carries
/// 80 % of the regression; `other.go` is on no stack.
fn spans() -> Vec<CodeSpan> {
    vec![
        CodeSpan {
            function: "main.score".into(),
            file: "app/score.go".into(),
            lines: LineRange::new(10, 30),
            role: Role::Regressed,
        },
        CodeSpan {
            function: "main.route".into(),
            file: "app/route.go".into(),
            lines: LineRange::new(40, 60),
            role: Role::Related { weight: 0.8 },
        },
    ]
}

#[test]
fn the_commit_that_changed_the_regressed_function_is_first_and_decoys_follow_or_are_not_named() {
    let commits = vec![
        // Newest first: a comment in the caller, another file, the work, a rename elsewhere
        // in the regressed file.
        commit("d4", 400, vec![change("app/route.go", &[(45, 45)])]),
        commit("c3", 300, vec![change("app/other.go", &[(1, 90)])]),
        commit("b2", 200, vec![change("app/score.go", &[(18, 22)])]),
        commit("a1", 100, vec![change("app/score.go", &[(70, 75)])]),
    ];
    let ranked = rank(&commits, &spans(), MAX_SUSPECTS);
    let order: Vec<&str> = ranked.iter().map(|s| s.commit.as_str()).collect();
    assert_eq!(order, ["b2", "d4", "a1"], "{ranked:#?}");
    assert_eq!(ranked[0].score, 0.9);
    assert_eq!(ranked[0].evidence[0].why, Why::ChangesRegressedFunction);
    assert_eq!(ranked[0].evidence[0].lines, lines(&[(18, 22)]));
    // The caller's weight times the share under it: 0.6 × 0.8.
    assert_eq!(ranked[1].score, 0.48);
    assert_eq!(ranked[1].evidence[0].why, Why::ChangesRelatedFunction);
    assert_eq!(ranked[2].score, 0.15);
    assert_eq!(ranked[2].evidence[0].why, Why::ChangesRegressedFile);
    assert_eq!(ranked[0].short_commit, "b2");
}

#[test]
fn more_evidence_raises_a_score_that_stays_below_one() {
    let commits = vec![commit(
        "e5",
        500,
        vec![
            change("app/score.go", &[(12, 12), (80, 81)]),
            change("app/route.go", &[(50, 52)]),
        ],
    )];
    let ranked = rank(&commits, &spans(), MAX_SUSPECTS);
    // 1 − (1 − 0.9)(1 − 0.48) = 0.948: the regressed function's lines (80–81 elsewhere in
    // its file add nothing to a commit that changed the function itself) and the caller's.
    assert_eq!(ranked[0].score, 0.948);
    let whys: Vec<Why> = ranked[0].evidence.iter().map(|e| e.why).collect();
    assert_eq!(
        whys,
        [Why::ChangesRegressedFunction, Why::ChangesRelatedFunction]
    );
    assert!(ranked[0].score < 1.0);
}

#[test]
fn a_merge_is_not_scored_and_ties_go_to_the_newer_commit() {
    let mut merge = commit("m9", 900, vec![change("app/score.go", &[(10, 30)])]);
    merge.merge = true;
    let commits = vec![
        merge,
        commit("g7", 700, vec![change("app/score.go", &[(11, 11)])]),
        commit("f6", 600, vec![change("app/score.go", &[(29, 30)])]),
    ];
    let ranked = rank(&commits, &spans(), MAX_SUSPECTS);
    let order: Vec<&str> = ranked.iter().map(|s| s.commit.as_str()).collect();
    assert_eq!(order, ["g7", "f6"]);
}

#[test]
fn a_file_renamed_in_the_range_is_followed_to_its_older_name() {
    let rename = FileChange {
        path: "app/score.go".into(),
        old_path: Some("app/scoring.go".into()),
        lines: Vec::new(),
    };
    let commits = vec![
        commit("r2", 200, vec![rename]),
        commit("w1", 100, vec![change("app/scoring.go", &[(20, 24)])]),
    ];
    let ranked = rank(&commits, &spans(), MAX_SUSPECTS);
    assert_eq!(ranked.len(), 1);
    assert_eq!(ranked[0].commit, "w1");
    assert_eq!(ranked[0].evidence[0].file, "app/scoring.go");
}

#[test]
fn no_more_than_the_limit_and_nothing_without_evidence() {
    let commits: Vec<CommitChange> = (0..9)
        .map(|k| {
            commit(
                &format!("c{k}"),
                k,
                vec![change("app/score.go", &[(15, 15)])],
            )
        })
        .chain([commit("z", 99, vec![change("README.md", &[(1, 2)])])])
        .collect();
    let ranked = rank(&commits, &spans(), MAX_SUSPECTS);
    assert_eq!(ranked.len(), MAX_SUSPECTS);
    assert!(ranked.iter().all(|s| s.commit != "z"));
    assert!(rank(&commits, &[], MAX_SUSPECTS).is_empty());
}
