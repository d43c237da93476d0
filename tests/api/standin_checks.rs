//! Tests of the Pyroscope stand-in itself (`stubs::standin`), asked with a plain HTTP client,
//! not the service: pushes in both encodings, merged answers as flame graph, tree and pprof
//! in both encodings, its label queries, its modes and its record of requests.

use pf_formats::formats::pyroscope_api::profile::{Function, Profile, Sample};
use pf_formats::formats::pyroscope_api::{
    paths, LabelNamesRequest, LabelNamesResponse, LabelValuesRequest, ProfileFormat,
    ProfileTypesRequest, ProfileTypesResponse, SelectMergeStacktracesResponse,
};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::stubs::standin::{Mode, PyroscopeStandIn, PUSH};
use crate::stubs::standin_client::{
    ask, connect_error, cpu_pprof, flame_graph, label_values, level, merge_profile, merged_pprof,
    post, push, select, send, Encoding, PERIOD_NANOS,
};

/// When the profiles were taken, epoch ms; queries span a minute either side.
const T0: i64 = 1_700_000_000_000;
const WINDOW: (i64, i64) = (T0 - 60_000, T0 + 60_000);
const CPU: &str = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
const COUNT: &str = "process_cpu:samples:count:cpu:nanoseconds";
const CHECKOUT: [(&str, &str); 2] = [("__name__", "process_cpu"), ("service_name", "checkout")];
const OF_CHECKOUT: &str = "{service_name=\"checkout\"}";
use Encoding::{Json, Proto};
use ProfileFormat::{Flamegraph, Pprof};

/// `main` calls `work` from two lines (60 + 10 samples) and runs 30 samples itself.
const STACKS: [(&str, i64); 3] = [
    ("main (app/main.go:12);work (app/work.go:25)", 60),
    ("main (app/main.go:13);work (app/work.go:25)", 10),
    ("main (app/main.go:14)", 30),
];

fn pprof_at(ms: i64) -> Vec<u8> {
    cpu_pprof(ms * 1_000_000, &STACKS, &[])
}

/// A message of `fields` (Connect JSON) over the window.
fn message<T: DeserializeOwned>(mut fields: serde_json::Value) -> T {
    fields["start"] = WINDOW.0.into();
    fields["end"] = WINDOW.1.into();
    serde_json::from_value(fields).unwrap()
}

const CHECKOUT_1: [(&str, &str); 2] = [("service_name", "checkout"), ("version", "1")];
const CHECKOUT_2: [(&str, &str); 2] = [("service_name", "checkout"), ("version", "2")];

#[tokio::test]
async fn pushes_in_both_encodings_merge_into_one_flame_graph_in_both_encodings() {
    let standin = PyroscopeStandIn::start().await;
    push(&standin, Proto, &CHECKOUT, pprof_at(T0)).await;
    push(&standin, Json, &CHECKOUT, pprof_at(T0 + 1_000)).await;
    let ms = 2 * PERIOD_NANOS;
    for enc in Encoding::BOTH {
        let q = select(CPU, OF_CHECKOUT, ProfileFormat::Unspecified, WINDOW);
        let graph = flame_graph(&standin, enc, &q).await;
        assert_eq!(graph.names[0], "total");
        assert_eq!((graph.total, graph.max_self), (100 * ms, 70 * ms));
        assert_eq!(level(&graph, 0), [("total", [0, 100 * ms, 0])]);
        assert_eq!(level(&graph, 1), [("main", [0, 100 * ms, 30 * ms])]);
        // A node's self comes first, its callees after it.
        assert_eq!(level(&graph, 2), [("work", [30 * ms, 70 * ms, 70 * ms])]);
        let counted = flame_graph(&standin, enc, &select(COUNT, "{}", Flamegraph, WINDOW)).await;
        assert_eq!(counted.total, 200);
    }
}

#[tokio::test]
async fn a_small_max_nodes_sums_the_cut_children_of_each_parent_into_other() {
    let standin = PyroscopeStandIn::start().await;
    let stacks = [
        ("main;a", 50),
        ("main;b", 30),
        ("main;c", 15),
        ("main;d", 5),
    ];
    standin.keep(&CHECKOUT, &cpu_pprof(T0 * 1_000_000, &stacks, &[]));
    let mut q = select(COUNT, OF_CHECKOUT, Flamegraph, WINDOW);
    q.max_nodes = Some(3);
    for enc in Encoding::BOTH {
        let graph = flame_graph(&standin, enc, &q).await;
        let cut = [
            ("a", [0, 50, 50]),
            ("b", [0, 30, 30]),
            ("other", [0, 20, 20]),
        ];
        assert_eq!((level(&graph, 2), graph.total), (cut.to_vec(), 100));
    }
    q.format = ProfileFormat::Tree as i32;
    let path = paths::SELECT_MERGE_STACKTRACES;
    let tree: SelectMergeStacktracesResponse = ask(&standin, path, Proto, &q).await;
    // The virtual root: no name, no self, one child (main).
    assert_eq!(tree.tree[..3], [0, 0, 1]);
    q.max_nodes = Some(2 << 20);
    let (status, code, _) = connect_error(send(&standin, path, Json, &q).await).await;
    assert_eq!((status, code.as_str()), (400, "invalid_argument"));
}

#[tokio::test]
async fn the_pprof_answer_keeps_functions_files_and_start_lines_in_one_column() {
    let standin = PyroscopeStandIn::start().await;
    standin.keep(&CHECKOUT, &pprof_at(T0));
    for enc in Encoding::BOTH {
        let p = merged_pprof(&standin, enc, &select(CPU, "{}", Pprof, WINDOW)).await;
        let text = |i: i64| p.string_table[i as usize].as_str();
        let ty = &p.sample_type;
        let ty = (ty.len(), text(ty[0].r#type), text(ty[0].unit));
        assert_eq!(ty, (1, "cpu", "nanoseconds"));
        assert_eq!(p.time_nanos, WINDOW.1 * 1_000_000);
        let function = |f: &Function| (text(f.name), text(f.filename), f.start_line);
        let functions: Vec<_> = p.function.iter().map(function).collect();
        let written = [("work", "app/work.go", 23), ("main", "app/main.go", 10)];
        assert_eq!(functions, written);
        let values: Vec<i64> = p.sample.iter().map(|s| s.value[0] / PERIOD_NANOS).collect();
        assert_eq!(values, [60, 10, 30]);
        // Go PGO: each stack cut to its innermost location, equal stacks merged.
        let mut q = select(CPU, "{}", Pprof, WINDOW);
        let selector = json!({"goPgo": {"keepLocations": 1}});
        q.stack_trace_selector = serde_json::from_value(selector).unwrap();
        let cut = merged_pprof(&standin, enc, &q).await;
        let sample = |s: &Sample| (s.location_id.len(), s.value[0] / PERIOD_NANOS);
        assert_eq!(
            cut.sample.iter().map(sample).collect::<Vec<_>>(),
            [(1, 70), (1, 30)]
        );
    }
    let nobody = select(CPU, "{service_name=\"nobody\"}", Pprof, WINDOW);
    let empty = merged_pprof(&standin, Proto, &nobody).await;
    assert_eq!(empty, Profile::default());
}

#[tokio::test]
async fn select_merge_profile_answers_the_same_pprof_in_both_encodings() {
    let standin = PyroscopeStandIn::start().await;
    standin.keep(&CHECKOUT, &pprof_at(T0));
    let path = paths::SELECT_MERGE_PROFILE;
    let binary: Profile = ask(&standin, path, Proto, &merge_profile(CPU, "{}", WINDOW)).await;
    let json: Profile = ask(&standin, path, Json, &merge_profile(CPU, "{}", WINDOW)).await;
    assert_eq!(binary, json);
    let stacktraces = merged_pprof(&standin, Proto, &select(CPU, "{}", Pprof, WINDOW)).await;
    assert_eq!(binary, stacktraces);
}

#[tokio::test]
async fn label_values_names_and_profile_types_list_what_was_kept() {
    let standin = PyroscopeStandIn::start().await;
    standin.keep(&CHECKOUT_1, &pprof_at(T0));
    standin.keep(
        &[("service_name", "inventory"), ("version", "2.0")],
        &pprof_at(T0),
    );
    for enc in Encoding::BOTH {
        let values = |matchers| label_values(&standin, enc, ("service_name", matchers), WINDOW);
        assert_eq!(values(&[]).await, ["checkout", "inventory"]);
        assert_eq!(values(&["{version=~\"1(\\\\..*)?\"}"]).await, ["checkout"]);
        assert_eq!(
            values(&["{version!=\"1\"}", "{service_name!~'c.*'}"]).await,
            ["inventory"]
        );
        let q: LabelNamesRequest = message(json!({}));
        let names: LabelNamesResponse = ask(&standin, paths::LABEL_NAMES, enc, &q).await;
        let wanted = ["__name__", "__profile_type__", "service_name", "version"];
        assert!(
            wanted.iter().all(|n| names.names.contains(&n.to_string())),
            "{names:?}"
        );
        let q: ProfileTypesRequest = message(json!({}));
        let types: ProfileTypesResponse = ask(&standin, paths::PROFILE_TYPES, enc, &q).await;
        let ids: Vec<_> = types.profile_types.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            (ids, types.profile_types[0].sample_type.as_str()),
            (vec![CPU, COUNT], "cpu")
        );
    }
    let nameless: LabelValuesRequest = message(json!({}));
    let error = connect_error(send(&standin, paths::LABEL_VALUES, Proto, &nameless).await).await;
    assert_eq!(
        error,
        (400, "invalid_argument".into(), "name is required".into())
    );
}

#[tokio::test]
async fn the_selector_and_the_window_pick_which_profiles_merge() {
    let standin = PyroscopeStandIn::start().await;
    standin.keep(&CHECKOUT_1, &pprof_at(T0));
    standin.keep(&CHECKOUT_2, &pprof_at(T0 + 120_000));
    let mut q = select(COUNT, OF_CHECKOUT, Flamegraph, WINDOW);
    assert_eq!(flame_graph(&standin, Json, &q).await.total, 100);
    q.label_selector = "{service_name=\"checkout\",version!=\"1\"}".into();
    q.end = T0 + 180_000;
    assert_eq!(flame_graph(&standin, Json, &q).await.total, 100);
    q.label_selector = "{version=~\"1|2\"}".into();
    assert_eq!(flame_graph(&standin, Proto, &q).await.total, 200);
    // The end is excluded; an empty answer is still a flame graph of its root.
    (q.start, q.end) = (T0 - 1_000, T0);
    let empty = flame_graph(&standin, Json, &q).await;
    assert_eq!((empty.names, empty.total), (vec!["total".to_owned()], 0));
    assert_eq!(empty.levels[0].values, [0; 4]);
}

#[tokio::test]
async fn a_pyroscope_before_2_2_answers_a_flame_graph_whatever_the_format() {
    let standin = PyroscopeStandIn::start().await;
    standin.keep(&CHECKOUT, &pprof_at(T0));
    standin.set_mode(Mode::Before2_2);
    for enc in Encoding::BOTH {
        let graph = flame_graph(&standin, enc, &select(COUNT, "{}", Pprof, WINDOW)).await;
        assert_eq!(graph.total, 100);
    }
}

#[tokio::test]
async fn with_select_merge_stacktraces_unimplemented_a_client_falls_back_on_select_merge_profile() {
    let standin = PyroscopeStandIn::start().await;
    standin.keep(&CHECKOUT, &pprof_at(T0));
    standin.set_mode(Mode::NoMergeStacktraces);
    let q = select(CPU, "{}", Pprof, WINDOW);
    let error = connect_error(send(&standin, paths::SELECT_MERGE_STACKTRACES, Proto, &q).await);
    assert_eq!((error.await.1), "unimplemented");
    let q = merge_profile(CPU, OF_CHECKOUT, WINDOW);
    let merged: Profile = ask(&standin, paths::SELECT_MERGE_PROFILE, Proto, &q).await;
    assert_eq!(merged.sample.len(), 3);
}

#[tokio::test]
async fn every_request_is_recorded_with_its_message_in_connect_json() {
    let standin = PyroscopeStandIn::start().await;
    let mut q = select(CPU, OF_CHECKOUT, Pprof, WINDOW);
    q.max_nodes = Some(16);
    for enc in Encoding::BOTH {
        let _: SelectMergeStacktracesResponse =
            ask(&standin, paths::SELECT_MERGE_STACKTRACES, enc, &q).await;
    }
    let sent = standin.messages(paths::SELECT_MERGE_STACKTRACES);
    let (start, end) = (WINDOW.0.to_string(), WINDOW.1.to_string());
    let expected = json!({"profileTypeID": CPU, "labelSelector": OF_CHECKOUT, "start": start,
        "end": end, "maxNodes": "16", "format": "PROFILE_FORMAT_PPROF"});
    assert_eq!(sent, [expected.clone(), expected]);
    let types: Vec<_> = standin
        .received()
        .into_iter()
        .map(|r| r.content_type)
        .collect();
    assert_eq!(types, ["application/proto", "application/json"]);
    // Unknown methods and unreadable bodies answer Connect errors, and are recorded too.
    let json = "application/json";
    let nothing = post(
        &standin,
        "/querier.v1.QuerierService/Nothing",
        json,
        b"{}".to_vec(),
    );
    assert_eq!(connect_error(nothing.await).await.0, 404);
    let empty = post(&standin, paths::LABEL_NAMES, json, Vec::new()).await;
    assert_eq!(connect_error(empty).await.1, "invalid_argument");
    let timeless = LabelNamesRequest::default();
    let timeless = send(&standin, paths::LABEL_NAMES, Json, &timeless).await;
    let missing = "missing time range in the query";
    assert_eq!(connect_error(timeless).await.2, missing);
    assert_eq!(standin.received().len(), 5);
}

#[tokio::test]
async fn a_profile_without_time_counts_from_its_arrival_and_sample_labels_make_series() {
    let standin = PyroscopeStandIn::start().await;
    let before = chrono::Utc::now().timestamp_millis();
    let labels = [("region", "eu"), ("span_id", "00f067aa0ba902b7")];
    push(&standin, Proto, &CHECKOUT, cpu_pprof(0, &STACKS, &labels)).await;
    let kept = standin.kept();
    assert_eq!(kept.len(), 1);
    let (labels, time) = &kept[0];
    assert!((before..before + 60_000).contains(time));
    let names: Vec<_> = labels.iter().map(|(n, v)| format!("{n}={v}")).collect();
    assert_eq!(
        names,
        ["__name__=process_cpu", "region=eu", "service_name=checkout"]
    );
    // A push with a profile that is no pprof keeps nothing.
    let body = json!({"series": [{"labels": [{"name": "service_name", "value": "x"},
        {"name": "__name__", "value": "process_cpu"}], "samples": [{"rawProfile": "AAAA"}]}]});
    let res = post(
        &standin,
        PUSH,
        "application/json",
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(connect_error(res).await.0, 400);
    assert_eq!(standin.kept().len(), 1);
}
