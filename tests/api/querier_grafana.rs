//! The data source's and Drilldown's calls over a real Go program's pushed profiles, each
//! answer checked against `/profiles` for the same window (the reference numbers: `/profiles`,
//! itself checked against `go tool pprof` in real_runtimes.rs).

use pf_formats::formats::pyroscope_api::{
    GetProfileStatsRequest, GetProfileStatsResponse, LabelNamesRequest, LabelNamesResponse,
    LabelValuesRequest, LabelValuesResponse, ProfileTypesRequest, ProfileTypesResponse,
    SelectMergeStacktracesRequest, SelectMergeStacktracesResponse, SelectSeriesRequest,
    SelectSeriesResponse, SeriesRequest, SeriesResponse, TimeSeriesAggregationType,
};

use super::{
    assert_whole, call, flame_selves, profiles_answer, pushed_go_app, series_sum, CPU, INUSE,
};

pub const GO: &str = r#"{service_name="goapp"}"#;

pub fn stacks(id: &str, selector: &str, (from, to): (i64, i64)) -> SelectMergeStacktracesRequest {
    // As pyroscopeClient.GetProfile builds it: type, selector, window, max nodes.
    SelectMergeStacktracesRequest {
        profile_type_id: id.into(),
        label_selector: selector.into(),
        start: from * 1000,
        end: to * 1000,
        max_nodes: Some(16_384),
        ..Default::default()
    }
}

fn select_series(
    selector: &str,
    (from, to): (i64, i64),
    step: f64,
    group_by: &[&str],
) -> SelectSeriesRequest {
    // As pyroscopeClient.GetSeries builds it.
    SelectSeriesRequest {
        profile_type_id: CPU.into(),
        label_selector: selector.into(),
        start: from * 1000,
        end: to * 1000,
        step,
        group_by: group_by.iter().map(|g| (*g).to_owned()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn grafanas_calls_over_a_pushed_go_program_answer_what_profiles_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (app, t) = pushed_go_app(dir.path()).await;
    let window = (t, t + 30);

    // The data source's health check, then its type picker.
    let health: ProfileTypesResponse = call(
        &app,
        "ProfileTypes",
        &ProfileTypesRequest {
            start: 1000,
            end: 4000,
        },
    )
    .await;
    assert!(health.profile_types.is_empty(), "nothing was kept in 1970");
    let types: ProfileTypesResponse = call(
        &app,
        "ProfileTypes",
        &ProfileTypesRequest {
            start: t * 1000,
            end: (t + 30) * 1000,
        },
    )
    .await;
    let ids: Vec<&str> = types.profile_types.iter().map(|p| p.id.as_str()).collect();
    for id in [
        CPU,
        INUSE,
        "memory:alloc_space:bytes:space:bytes",
        "process_cpu:samples:count:cpu:nanoseconds",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let cpu = types.profile_types.iter().find(|p| p.id == CPU).unwrap();
    assert_eq!(
        (
            cpu.name.as_str(),
            cpu.sample_type.as_str(),
            cpu.period_unit.as_str()
        ),
        ("process_cpu", "cpu", "nanoseconds")
    );

    // Drilldown lists services and their types, and the stats of the tenant.
    let series: SeriesResponse = call(
        &app,
        "Series",
        &SeriesRequest {
            matchers: vec!["{}".into()],
            label_names: vec!["service_name".into(), "__profile_type__".into()],
            start: t * 1000,
            end: (t + 30) * 1000,
        },
    )
    .await;
    let pairs: Vec<Vec<(String, String)>> = series
        .labels_set
        .iter()
        .map(|l| {
            l.labels
                .iter()
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect()
        })
        .collect();
    let wanted = vec![
        ("__profile_type__".to_owned(), CPU.to_owned()),
        ("service_name".to_owned(), "goapp".to_owned()),
    ];
    assert!(pairs.contains(&wanted), "{pairs:?}");
    let stats: GetProfileStatsResponse =
        call(&app, "GetProfileStats", &GetProfileStatsRequest {}).await;
    assert!(stats.data_ingested);
    assert_eq!(
        (stats.oldest_profile_time, stats.newest_profile_time),
        (t * 1000, (t + 20) * 1000)
    );

    // The label browser.
    let names: LabelNamesResponse = call(
        &app,
        "LabelNames",
        &LabelNamesRequest {
            matchers: vec![GO.into()],
            start: t * 1000,
            end: (t + 30) * 1000,
        },
    )
    .await;
    for name in ["service_name", "version", "__profile_type__", "__name__"] {
        assert!(
            names.names.contains(&name.to_owned()),
            "{name}: {:?}",
            names.names
        );
    }
    let values: LabelValuesResponse = call(
        &app,
        "LabelValues",
        &LabelValuesRequest {
            name: "version".into(),
            matchers: vec![GO.into()],
            start: t * 1000,
            end: (t + 30) * 1000,
        },
    )
    .await;
    assert_eq!(values.names, ["1.4.2", "1.4.3"]);

    // The flame graph: its total and each function's self value are /profiles'.
    let (total, selves) = profiles_answer(&app, "goapp", "cpu", t, t + 30).await;
    assert!(total > 0);
    let answer: SelectMergeStacktracesResponse =
        call(&app, "SelectMergeStacktraces", &stacks(CPU, GO, window)).await;
    let graph = answer.flamegraph.expect("a flame graph");
    assert_eq!(graph.total as u64, total);
    assert_eq!(flame_selves(&graph), selves);
    assert_eq!(graph.names[0], "total");
    assert_whole(&graph);

    // The series: their sum is the same total; one series per version, 2:1.
    let all: SelectSeriesResponse =
        call(&app, "SelectSeries", &select_series(GO, window, 10.0, &[])).await;
    assert_eq!(series_sum(&all.series), total as f64);
    let by_version: SelectSeriesResponse = call(
        &app,
        "SelectSeries",
        &select_series(GO, window, 10.0, &["version"]),
    )
    .await;
    let sums: Vec<(String, f64)> = by_version
        .series
        .iter()
        .map(|s| {
            (
                s.labels[0].value.clone(),
                series_sum(std::slice::from_ref(s)),
            )
        })
        .collect();
    let one = total as f64 / 3.0;
    assert_eq!(
        sums,
        [("1.4.2".to_owned(), 2.0 * one), ("1.4.3".to_owned(), one)]
    );
    let points: Vec<i64> = by_version.series[0]
        .points
        .iter()
        .map(|p| p.timestamp)
        .collect();
    assert_eq!(
        points,
        [t * 1000, (t + 10) * 1000],
        "one point per step holding a profile's start"
    );
    let mut top = select_series(GO, window, 10.0, &["version"]);
    top.limit = Some(1);
    let top: SelectSeriesResponse = call(&app, "SelectSeries", &top).await;
    assert_eq!(top.series.len(), 1);
    assert_eq!(top.series[0].labels[0].value, "1.4.2");
    let mut mean = select_series(GO, window, 30.0, &["version"]);
    mean.aggregation = Some(TimeSeriesAggregationType::Average as i32);
    let mean: SelectSeriesResponse = call(&app, "SelectSeries", &mean).await;
    assert_eq!(mean.series[0].points.len(), 1);
    assert_eq!(
        mean.series[0].points[0].value, one,
        "the mean of two equal profiles"
    );

    // A window holds the profiles that start in it; a selector narrows as /profiles' labels.
    let (middle, _) = profiles_answer(&app, "goapp", "cpu", t + 10, t + 20).await;
    let answer: SelectMergeStacktracesResponse = call(
        &app,
        "SelectMergeStacktraces",
        &stacks(CPU, GO, (t + 10, t + 20)),
    )
    .await;
    assert_eq!(
        (answer.flamegraph.unwrap().total as u64, middle),
        (total / 3, total / 3)
    );
    let newer = r#"{service_name="goapp", version="1.4.3"}"#;
    let answer: SelectMergeStacktracesResponse =
        call(&app, "SelectMergeStacktraces", &stacks(CPU, newer, window)).await;
    let labelled = app
        .get(&format!(
            "/profiles/goapp?type=cpu&from={t}&to={}&labels=version%3D%221.4.3%22",
            t + 30
        ))
        .await;
    let labelled = crate::helpers::json_with_status(labelled, 200).await["totalSamples"]
        .as_u64()
        .unwrap();
    assert_eq!(answer.flamegraph.unwrap().total as u64, labelled);

    // In-use memory: the window's mean, as /profiles.
    let (held, held_selves) = profiles_answer(&app, "goapp", "inuse", t, t + 30).await;
    let answer: SelectMergeStacktracesResponse =
        call(&app, "SelectMergeStacktraces", &stacks(INUSE, GO, window)).await;
    let graph = answer.flamegraph.unwrap();
    assert_eq!(
        (graph.total as u64, flame_selves(&graph)),
        (held, held_selves)
    );
}
