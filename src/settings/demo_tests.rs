//! The demo's ledger repository: served beside the bundled profiles, read with gix, and, from
//! the demo's own stacks and labels, naming the commit behind ledger's regression
//! (docs/regressions.md#the-change-that-caused-it).

use std::collections::BTreeMap;
use std::io::Read as _;

use prost::Message as _;

use crate::settings::Settings;
use pf_commits::{
    name_suspects, repo_path, span_of, CodeSpan, GitRepository, LineRange, RangeAsked, Role, Why,
};
use pf_model::FunctionSite;
use pf_pprof::encode::{parse_folded, Frame};
use pf_pprof::proto;

const VALIDATOR: &str = "src/main/java/com/example/ledger/EntryValidator.java";
const CULPRIT: &str = "Compile the validation pattern per entry";

fn settings() -> Settings {
    Settings::load_from(None, Vec::<(String, String)>::new()).expect("the defaults")
}

fn demo_repository() -> GitRepository {
    let s = settings();
    let repositories = s.repositories_with_demo();
    let dir = repositories
        .dir_for(None, "ledger")
        .expect("the demo's ledger");
    GitRepository::at(dir)
}

#[test]
fn the_demo_serves_its_ledger_repository_unless_the_operator_names_one() {
    let s = settings();
    let demo = s.repositories_with_demo();
    let dir = demo.dir_for(None, "ledger").expect("the demo's ledger");
    assert!(
        dir.ends_with("demo/repository/ledger.git"),
        "{}",
        dir.display()
    );
    assert!(dir.is_dir(), "{}", dir.display());
    assert_eq!(demo.max_commits, s.repositories.max_commits);

    let mut configured = s.repositories.clone();
    configured
        .dirs
        .insert("ledger".into(), "/srv/git/ledger.git".into());
    configured
        .dirs
        .insert("cart".into(), "/srv/git/cart".into());
    let mut operator = settings();
    operator.repositories = configured.clone();
    assert_eq!(operator.repositories_with_demo().dirs, configured.dirs);

    // Profiles from a directory of the operator's: no demo, no demo repository.
    let mut files = settings();
    files.profiles.dir = Some("/var/lib/profiles".into());
    assert!(files.repositories_with_demo().dirs.is_empty());
}

#[test]
fn the_demo_repository_holds_the_deploys_three_commits() {
    let repository = demo_repository();
    let commits = repository
        .range("v1.4.1", "v1.4.2", 500)
        .expect("gix reads the bare repository");
    let titles: Vec<&str> = commits.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Say what a reversal is validated against",
            CULPRIT,
            "Document when the reconcile job runs",
        ]
    );
    // The culprit removes the static field (before line 8) and compiles in validate (14-15).
    let culprit = &commits[1].files;
    assert_eq!(culprit.len(), 1);
    assert_eq!(culprit[0].path, VALIDATOR);
    assert_eq!(
        culprit[0].lines,
        [LineRange::new(8, 8), LineRange::new(14, 15)]
    );
    assert!(repository.has_file("v1.4.2", VALIDATOR).unwrap());
}

/// The string labels of the first sample of a demo profile of ledger's.
fn labels(file: &str) -> BTreeMap<String, String> {
    let path = format!("{}/demo/profiles/ledger/{file}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(raw.as_slice())
        .read_to_end(&mut bytes)
        .unwrap();
    let profile = proto::Profile::decode(bytes.as_slice()).unwrap();
    let text = |i: i64| String::from_utf8_lossy(&profile.string_table[i as usize]).into_owned();
    profile.sample[0]
        .label
        .iter()
        .map(|l| (text(l.key), text(l.str)))
        .collect()
}

/// Where ledger's stacks after its deploy place `name`: its file and the lines sampled in it.
fn site_after_deploy(name: &str) -> FunctionSite {
    let path = format!(
        "{}/demo/stacks/ledger.after.cpu.folded",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut site = FunctionSite {
        name: name.to_owned(),
        file: String::new(),
        start_line: None,
        sampled: Vec::new(),
    };
    for stack in parse_folded(&text).unwrap() {
        for frame in stack.frames.iter().map(|f| Frame::placed(f)) {
            if let (true, Some((file, line))) = (frame.name == name, frame.place) {
                site.file = file.to_owned();
                site.sampled.push(u32::try_from(line).unwrap());
            }
        }
    }
    site.sampled.sort_unstable();
    site.sampled.dedup();
    site
}

#[test]
fn ledgers_labels_and_stacks_name_the_culprit_alone() {
    let (before, after) = (labels("day-1555.pb.gz"), labels("day-1600.pb.gz"));
    assert_eq!(before["version"], "1.4.1");
    assert_eq!(after["version"], "1.4.2");
    let root = after["service_root_path"].as_str();
    assert_eq!(root, "/build/ledger");
    let repository = demo_repository();
    let git = gix::open(repository.path()).unwrap();
    let tag = |rev: &str| {
        let id = git.rev_parse_single(rev).unwrap().object().unwrap();
        id.peel_to_commit().unwrap().id.to_string()
    };
    assert_eq!(before["service_git_ref"], tag("v1.4.1"));
    assert_eq!(after["service_git_ref"], tag("v1.4.2"));

    // Pattern.compile (the JDK's) has no file; its callers, all of whose share rose with it, do.
    let spans: Vec<CodeSpan> = [
        "com/example/ledger/EntryValidator.validate",
        "com/example/ledger/JournalController.post",
    ]
    .map(|name| {
        let site = site_after_deploy(name);
        let exists = |p: &str| repository.has_file(&after["service_git_ref"], p).unwrap();
        CodeSpan {
            function: site.name.clone(),
            file: repo_path(&site.file, Some(root), exists).expect("a file of the repository"),
            lines: span_of(&site, None).expect("sampled lines"),
            role: Role::Related { weight: 1.0 },
        }
    })
    .into();
    assert_eq!(
        (spans[0].file.as_str(), spans[0].lines),
        (VALIDATOR, LineRange::new(14, 15))
    );
    assert_eq!(spans[1].lines, LineRange::new(17, 21));

    let asked = RangeAsked {
        repository: Some(&repository),
        from: Some(before["service_git_ref"].as_str()),
        to: Some(after["service_git_ref"].as_str()),
        max_commits: 500,
    };
    let answer = name_suspects(asked, &spans);
    assert_eq!(answer.range.map(|r| r.commits), Some(3));
    let [suspect] = answer.suspects.as_slice() else {
        panic!("one suspect: {:?}", answer.suspects);
    };
    assert_eq!(suspect.title, CULPRIT);
    assert_eq!(suspect.evidence.len(), 1);
    let evidence = &suspect.evidence[0];
    assert_eq!(
        evidence.function,
        "com/example/ledger/EntryValidator.validate"
    );
    assert_eq!(evidence.lines, [LineRange::new(14, 15)]);
    assert_eq!(evidence.why, Why::ChangesRelatedFunction);
}
