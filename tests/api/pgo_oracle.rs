//! Go's compiler as the judge of `/pgo` (docs/at-scale.md): a real Go program with an interface
//! call and small hot functions (`tests/runtimes/pgo`) is profiled twice by `runtime/pprof`;
//! the two profiles reach the service from a profile directory, as pushes to `/ingest` and kept
//! in a Pyroscope (the stand-in, read through `PYROSCOPE_URL`). The same program is built with
//! `go build -pgo=<file> -gcflags='-m -d=pgodebug=1'` on each `/pgo` answer and on the raw
//! profiles merged by `go tool pprof -proto`: every line the compiler prints of its decisions
//! (the hot call-site threshold, each hot function's budget, each call inlined because it is
//! hot, each interface call devirtualized, and every ordinary inlining and escape decision)
//! is the same set for all four.

use std::collections::BTreeSet;
use std::path::Path;

use pf_formats::formats::pyroscope_api::paths;

use crate::helpers::{spawn_app_with, TestApp};
use crate::pgo::PgoProgram;
use crate::real_runtimes::run;
use crate::stubs::standin::PyroscopeStandIn;

/// What the compiler printed of its decisions with `file` as the profile: each line once, the
/// package header left out.
fn decisions(program: &PgoProgram, file: &Path) -> BTreeSet<String> {
    let flag = format!("-pgo={}", file.display());
    let out = program.dir.path().join("judged");
    let printed = program.build(&[
        &flag,
        "-gcflags=-m -d=pgodebug=1",
        "-o",
        &out.to_string_lossy(),
    ]);
    printed
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The `/pgo` answer of `app` for the window, written to `name` beside the program.
async fn pgo_file(
    app: &TestApp,
    window: &str,
    program: &PgoProgram,
    name: &str,
) -> std::path::PathBuf {
    let answer = app.get(&format!("/pgo/pgoapp?{window}")).await;
    let status = answer.status();
    let bytes = answer.bytes().await.unwrap();
    assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&bytes));
    let file = program.dir.path().join(name);
    std::fs::write(&file, &bytes).unwrap();
    file
}

#[tokio::test]
async fn the_compiler_decides_the_same_on_pgo_from_files_pushes_and_pyroscope_as_on_the_raw_profiles(
) {
    let program = PgoProgram::new();
    let profiles = program.dir.path().join("profiles");
    let runs = program.profile(&profiles.join("pgoapp"), "2");
    let now = chrono::Utc::now().timestamp();
    let window = format!("from={}&to={}", now - 600, now + 60);

    // Go's own merge of the raw profiles.
    let raw = program.dir.path().join("raw.pgo");
    let output = format!("-output={}", raw.display());
    let mut args = vec!["tool", "pprof", "-proto", output.as_str()];
    let names: Vec<String> = runs
        .iter()
        .map(|r| r.to_string_lossy().into_owned())
        .collect();
    args.extend(names.iter().map(String::as_str));
    run(&program.go, &args, &[]);

    // From the profile directory.
    let dir = profiles.clone();
    let files = spawn_app_with(move |s| s.profiles.dir = Some(dir)).await;
    let from_files = pgo_file(&files, &window, &program, "files.pgo").await;

    // Pushed as runtime/pprof wrote them (each at its own time).
    let pushes = spawn_app_with(|_| {}).await;
    for r in &runs {
        let res = pushes
            .client
            .post(pushes.url("/ingest?name=pgoapp&format=pprof"))
            .header("content-type", "application/octet-stream")
            .body(std::fs::read(r).unwrap())
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }
    let from_pushes = pgo_file(&pushes, &window, &program, "pushes.pgo").await;

    // Kept in Pyroscope.
    let standin = PyroscopeStandIn::start().await;
    for r in &runs {
        standin.keep(&[("service_name", "pgoapp")], &std::fs::read(r).unwrap());
    }
    let url = standin.url();
    let remote = spawn_app_with(move |s| s.pyroscope.url = Some(url)).await;
    let from_pyroscope = pgo_file(&remote, &window, &program, "pyroscope.pgo").await;
    let asked = standin.messages(paths::SELECT_MERGE_STACKTRACES);
    assert!(
        asked
            .iter()
            .any(|m| m["stackTraceSelector"]["goPgo"].is_object()),
        "the stacks were asked cut for Go: {asked:?}"
    );

    // PGO_KEEP=<dir> keeps the four files, for a look with `go tool pprof -raw`.
    if let Ok(keep) = std::env::var("PGO_KEEP") {
        for f in [&raw, &from_files, &from_pushes, &from_pyroscope] {
            std::fs::copy(f, Path::new(&keep).join(f.file_name().unwrap())).unwrap();
        }
    }
    let want = decisions(&program, &raw);
    let hot_inlined = want
        .iter()
        .filter(|l| l.starts_with("hot-budget check allows inlining"));
    assert!(
        hot_inlined.count() >= 1,
        "mix is inlined where it is hot: {want:#?}"
    );
    assert!(
        want.iter()
            .any(|l| l.contains("PGO devirtualizing interface call")),
        "the shapes' call is devirtualized: {want:#?}"
    );
    for (source, file) in [
        ("files", &from_files),
        ("pushes", &from_pushes),
        ("pyroscope", &from_pyroscope),
    ] {
        let got = decisions(&program, file);
        let missing: Vec<&String> = want.difference(&got).collect();
        let extra: Vec<&String> = got.difference(&want).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "/pgo from {source}: the compiler decided differently\nmissing: {missing:#?}\nextra: {extra:#?}"
        );
    }
}
