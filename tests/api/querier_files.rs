//! Grafana's calls over pprof files (`PROFILES_DIR`) read them as `/profiles` reads them, as they
//! do over pushes (querier_grafana.rs): a real Go program's CPU profile copied into the directory.

use pf_formats::formats::pyroscope_api::{
    SelectMergeStacktracesResponse, SelectSeriesRequest, SelectSeriesResponse,
};

use super::grafana::{stacks, GO};
use super::{call, flame_selves, go_profiles, profiles_answer, series_sum, CPU};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn grafanas_calls_over_profile_files_answer_what_profiles_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (cpu, _) = go_profiles(dir.path());
    let files = dir.path().join("files");
    std::fs::create_dir_all(files.join("goapp")).unwrap();
    std::fs::write(files.join("goapp/cpu.pb.gz"), cpu).unwrap();
    let app = spawn_app_with(move |s| s.profiles.dir = Some(files)).await;
    // The profile starts when the program ran, moments ago.
    let now = chrono::Utc::now().timestamp();
    let window = (now - 600, now + 60);

    let (total, selves) = profiles_answer(&app, "goapp", "cpu", window.0, window.1).await;
    assert!(
        total > 0,
        "the Go program's profile is read from the directory"
    );
    let answer: SelectMergeStacktracesResponse =
        call(&app, "SelectMergeStacktraces", &stacks(CPU, GO, window)).await;
    let graph = answer.flamegraph.unwrap();
    assert_eq!(
        graph.total as u64, total,
        "the flame graph's total is /profiles'"
    );
    assert_eq!(
        flame_selves(&graph),
        selves,
        "each function's self value is /profiles'"
    );

    let series = SelectSeriesRequest {
        profile_type_id: CPU.into(),
        label_selector: GO.into(),
        start: window.0 * 1000,
        end: window.1 * 1000,
        step: 60.0,
        ..Default::default()
    };
    let answer: SelectSeriesResponse = call(&app, "SelectSeries", &series).await;
    assert_eq!(
        series_sum(&answer.series),
        total as f64,
        "the series sum to /profiles' total"
    );
}
