//! The git reader on a real repository made by the test with the `git` command
//! (docs/regressions.md#the-change-that-caused-it): the commits of a range newest first with the
//! lines each changed, a merge, a rename, a range over the bound, unknown refs; the ranking of that
//! range names the commit that added the work first, the decoys below it, wherever within a slice
//! of the deploy the change point lands; and every reason a regression names no commit.

use std::path::Path;
use std::process::Command;

use pf_commits::{
    name_suspects, range_ends, rank, CodeSpan, GitError, GitRepository, LineRange, RangeAsked,
    Role, SuspectsReason, Why, MAX_SUSPECTS,
};
use pf_model::trend::SliceSummary;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_DATE", "2026-11-25T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-25T10:00:00Z")
        .output()
        .expect("the git command runs (the tests make their repositories with it)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn write(dir: &Path, path: &str, text: &str) {
    let file = dir.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, text).unwrap();
}

fn commit(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

/// Twenty numbered lines, with `extra` after line `at`.
fn numbered(name: &str, at: usize, extra: &str) -> String {
    let mut text = String::new();
    for n in 1..=20 {
        text.push_str(&format!("// {name} line {n}\n"));
        if n == at {
            text.push_str(extra);
        }
    }
    text
}

/// v1 at tag `v1`; then, newest last: another file, the work in score.go (lines 12–13 of its
/// new version), a comment in the caller, a rename of a file nobody profiles, a branch merged.
fn repository(dir: &Path) -> (String, String) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Dev One"]);
    git(dir, &["config", "user.email", "dev@example.com"]);
    write(dir, "app/score.go", &numbered("score", 0, ""));
    write(dir, "app/route.go", &numbered("route", 0, ""));
    write(dir, "app/old_name.go", &numbered("old", 0, ""));
    let v1 = commit(dir, "v1");
    git(dir, &["tag", "v1"]);
    write(dir, "app/other.go", "package app\n");
    commit(dir, "Add another file");
    write(
        dir,
        "app/score.go",
        &numbered("score", 11, "work()\nwork()\n"),
    );
    let work = commit(dir, "Score every request twice");
    write(dir, "app/route.go", &numbered("route", 5, "// a comment\n"));
    commit(dir, "Explain the router");
    git(dir, &["mv", "app/old_name.go", "app/new_name.go"]);
    commit(dir, "Rename a file");
    git(dir, &["checkout", "-q", "-b", "side", "HEAD"]);
    write(dir, "app/side.go", "package app\n");
    commit(dir, "A side branch");
    git(dir, &["checkout", "-q", "main"]);
    write(dir, "README", "hello\n");
    commit(dir, "A readme");
    git(dir, &["merge", "-q", "--no-ff", "side", "-m", "Merge side"]);
    (v1, work)
}

#[test]
fn a_range_is_read_newest_first_with_the_lines_each_commit_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, work) = repository(dir.path());
    let repo = GitRepository::at(dir.path());
    let range = repo.range("v1", "HEAD", 500).unwrap();
    let titles: Vec<&str> = range.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles.len(), 7, "{titles:?}");
    assert_eq!(titles[0], "Merge side");
    assert!(range[0].merge);
    assert!(range.iter().all(|c| c.id != v1));
    let scored = range.iter().find(|c| c.id == work).unwrap();
    assert_eq!(scored.author, "Dev One");
    assert_eq!(scored.files.len(), 1);
    assert_eq!(scored.files[0].path, "app/score.go");
    assert_eq!(scored.files[0].lines, [LineRange::new(12, 13)]);
    let renamed = range.iter().find(|c| c.title == "Rename a file").unwrap();
    assert_eq!(renamed.files[0].path, "app/new_name.go");
    assert_eq!(
        renamed.files[0].old_path.as_deref(),
        Some("app/old_name.go")
    );
    assert!(renamed.files[0].lines.is_empty());

    assert!(repo.has_file("HEAD", "app/score.go").unwrap());
    assert!(!repo.has_file("HEAD", "app/old_name.go").unwrap());
    assert!(repo.has_file("v1", "app/old_name.go").unwrap());
    assert!(
        !repo.has_file("HEAD", "app").unwrap(),
        "a directory is no file"
    );
}

#[test]
fn a_range_over_the_bound_an_unknown_ref_and_no_repository_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    repository(dir.path());
    let repo = GitRepository::at(dir.path());
    assert_eq!(
        repo.range("v1", "HEAD", 3),
        Err(GitError::TooManyCommits(3))
    );
    assert_eq!(
        repo.range("v0", "HEAD", 500),
        Err(GitError::RefNotFound("v0".into()))
    );
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        GitRepository::at(empty.path()).range("v1", "HEAD", 500),
        Err(GitError::NotARepository(..))
    ));
}

#[test]
fn the_commit_that_added_the_work_is_ranked_first_and_the_decoys_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_, work) = repository(dir.path());
    let range = GitRepository::at(dir.path())
        .range("v1", "HEAD", 500)
        .unwrap();
    // What a profile of the new version says: score's work at lines 11–14, its caller route
    // holding 90 % of the regression at lines 1–20.
    let spans = [
        CodeSpan {
            function: "app.score".into(),
            file: "app/score.go".into(),
            lines: LineRange::new(11, 14),
            role: Role::Regressed,
        },
        CodeSpan {
            function: "app.route".into(),
            file: "app/route.go".into(),
            lines: LineRange::new(1, 20),
            role: Role::Related { weight: 0.9 },
        },
    ];
    let suspects = rank(&range, &spans, MAX_SUSPECTS);
    assert_eq!(suspects[0].commit, work, "{suspects:#?}");
    assert_eq!(suspects[0].evidence[0].why, Why::ChangesRegressedFunction);
    let titles: Vec<&str> = suspects.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["Score every request twice", "Explain the router"]);
    assert!(suspects[1].score < suspects[0].score);
}

/// What a profile of the new version says of the regression: score's work at lines 11–14.
fn score_span() -> CodeSpan {
    CodeSpan {
        function: "app.score".into(),
        file: "app/score.go".into(),
        lines: LineRange::new(11, 14),
        role: Role::Regressed,
    }
}

#[test]
fn every_reason_a_regression_names_no_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (_, work) = repository(dir.path());
    let repo = GitRepository::at(dir.path());
    let spans = [score_span()];
    let asked = RangeAsked {
        repository: Some(&repo),
        from: Some("v1"),
        to: Some("HEAD"),
        max_commits: 500,
    };
    let named = name_suspects(asked, &spans);
    assert_eq!(named.suspects[0].commit, work);
    assert_eq!(named.suspects_reason, None);
    let range = named.range.expect("the range read");
    assert_eq!(
        (range.from.as_str(), range.to.as_str(), range.commits),
        ("v1", "HEAD", 7)
    );

    let reason = |asked: RangeAsked<'_>, spans: &[CodeSpan]| {
        let answer = name_suspects(asked, spans);
        assert!(answer.suspects.is_empty());
        answer.suspects_reason
    };
    let no_ref = RangeAsked {
        from: None,
        ..asked
    };
    assert_eq!(reason(no_ref, &spans), Some(SuspectsReason::NoRefLabel));
    let no_repository = RangeAsked {
        repository: None,
        ..asked
    };
    assert_eq!(
        reason(no_repository, &spans),
        Some(SuspectsReason::RepositoryNotConfigured)
    );
    let unknown = RangeAsked {
        from: Some("v0"),
        ..asked
    };
    assert_eq!(reason(unknown, &spans), Some(SuspectsReason::RefNotFound));
    let bounded = RangeAsked {
        max_commits: 3,
        ..asked
    };
    assert_eq!(
        reason(bounded, &spans),
        Some(SuspectsReason::TooManyCommits)
    );
    let empty = tempfile::tempdir().unwrap();
    let not_git = GitRepository::at(empty.path());
    let unreadable = RangeAsked {
        repository: Some(&not_git),
        ..asked
    };
    assert_eq!(
        reason(unreadable, &spans),
        Some(SuspectsReason::RepositoryUnreadable)
    );
    // A function in a file no commit of the range touched.
    let untouched = [CodeSpan {
        file: "app/elsewhere.go".into(),
        ..score_span()
    }];
    let answer = name_suspects(asked, &untouched);
    assert_eq!(
        answer.suspects_reason,
        Some(SuspectsReason::NoCommitTouchesStacks)
    );
    assert_eq!(
        answer.range.map(|r| r.commits),
        Some(7),
        "the range is still said"
    );
}

/// Twelve one-minute slices of an app deployed from `v1` to HEAD at 300 s: before it every
/// slice names v1's commit, from it on HEAD's; `rolling` makes the deploy's slice name both.
fn deployed(v1: &str, head: &str, rolling: bool) -> Vec<SliceSummary> {
    (0..12)
        .map(|k| {
            let refs = match k {
                5 if rolling => vec![v1.to_owned(), head.to_owned()],
                k if k < 5 => vec![v1.to_owned()],
                _ => vec![head.to_owned()],
            };
            SliceSummary::of(k * 60, 100, Vec::new(), Vec::new(), 10).with_refs(refs)
        })
        .collect()
}

/// The suspects of a change at `changed_at` in `history`, the range from its ends, ranked
/// against score's span.
fn named_at(
    repo: &GitRepository,
    history: &[SliceSummary],
    changed_at: i64,
) -> pf_commits::SuspectsAnswer {
    let ends = range_ends(history, changed_at).expect("both sides name refs");
    let asked = RangeAsked {
        repository: Some(repo),
        from: Some(ends.from.as_str()),
        to: Some(ends.to.as_str()),
        max_commits: 500,
    };
    name_suspects(asked, &[score_span()])
}

#[test]
fn the_culprit_is_ranked_first_wherever_within_a_slice_of_the_deploy_the_change_point_lands() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, work) = repository(dir.path());
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    let repo = GitRepository::at(dir.path());
    for rolling in [false, true] {
        let history = deployed(&v1, &head, rolling);
        // On the deploy's slice, one slice after its first profile, one slice before it.
        for changed_at in [300, 360, 240] {
            let named = named_at(&repo, &history, changed_at);
            let first = named.suspects.first().map(|s| s.commit.as_str());
            assert_eq!(first, Some(work.as_str()), "at {changed_at}: {named:#?}");
            assert_eq!(named.range.map(|r| r.commits), Some(7));
        }
    }
    // Two slices late, both ends run HEAD: the event says so, never "no commit touches".
    let history = deployed(&v1, &head, false);
    let named = named_at(&repo, &history, 420);
    assert_eq!(named.suspects_reason, Some(SuspectsReason::SameRef));
    assert_eq!(named.range.map(|r| r.commits), Some(0));
}
