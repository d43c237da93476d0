//! Both encodings of the query API's messages: binary tags and round trips, and Connect's JSON.

use prost::Message;
use serde_json::json;

use super::profile::Profile;
use super::*;

fn full_request() -> SelectMergeStacktracesRequest {
    SelectMergeStacktracesRequest {
        profile_type_id: "process_cpu:cpu:nanoseconds:cpu:nanoseconds".into(),
        label_selector: r#"{service_name="x"}"#.into(),
        start: 1_000,
        end: 4_000,
        max_nodes: Some(16_384),
        format: ProfileFormat::Pprof as i32,
        stack_trace_selector: Some(StackTraceSelector {
            call_site: vec![Location {
                name: "main".into(),
            }],
            go_pgo: Some(GoPgo {
                keep_locations: 5,
                aggregate_callees: true,
            }),
        }),
        profile_id_selector: vec!["7c9e6679-7425-40de-944b-e07fc1f90ae7".into()],
        r#async: Some(AsyncQueryRequest {
            request_id: "q1".into(),
            r#type: AsyncQueryType::Force as i32,
        }),
        trace_id_selector: vec!["7c9e66797425440de944be07fc1f90ae".into()],
        span_selector: vec!["9a517183f26a089d".into()],
    }
}

#[test]
fn select_merge_stacktraces_request_round_trips_in_binary() {
    let request = full_request();
    let bytes = request.encode_to_vec();
    let back = SelectMergeStacktracesRequest::decode(bytes.as_slice()).expect("decodes");
    assert_eq!(back, request);
    assert_eq!(back.format(), ProfileFormat::Pprof);
}

#[test]
fn binary_uses_the_proto_tags() {
    let request = SelectMergeStacktracesRequest {
        profile_type_id: "a".into(),
        start: 1,
        max_nodes: Some(0),
        format: ProfileFormat::Tree as i32,
        ..Default::default()
    };
    // 1: "a"; 3: 1; 5: 0 (optional, so present); 6: 2.
    assert_eq!(
        request.encode_to_vec(),
        [0x0a, 1, b'a', 0x18, 1, 0x28, 0, 0x30, 2]
    );
    // SeriesResponse's only field is tag 2.
    let series = SeriesResponse {
        labels_set: vec![Labels::default()],
    };
    assert_eq!(series.encode_to_vec(), [0x12, 0]);
}

#[test]
fn parses_a_request_as_connect_json_sends_it() {
    let body = r#"{"profileTypeID":"process_cpu:cpu:nanoseconds:cpu:nanoseconds","labelSelector":"{service_name=\"x\"}","start":"1000","end":"4000","maxNodes":"16384","format":"PROFILE_FORMAT_PPROF"}"#;
    let request: SelectMergeStacktracesRequest = serde_json::from_str(body).expect("parses");
    assert_eq!(
        request,
        SelectMergeStacktracesRequest {
            profile_type_id: "process_cpu:cpu:nanoseconds:cpu:nanoseconds".into(),
            label_selector: r#"{service_name="x"}"#.into(),
            start: 1_000,
            end: 4_000,
            max_nodes: Some(16_384),
            format: ProfileFormat::Pprof as i32,
            ..Default::default()
        }
    );
}

#[test]
fn json_input_takes_numbers_proto_names_nulls_and_ignores_unknowns() {
    let body = json!({
        "profile_typeID": "p:c:n:c:n",
        "label_selector": null,
        "start": 1000,
        "end": 4e3,
        "maxNodes": null,
        "format": 2,
        "stackTraceSelector": {"goPgo": {"keepLocations": "3"}},
        "somethingNew": {"x": 1},
    });
    let request: SelectMergeStacktracesRequest = serde_json::from_value(body).expect("parses");
    assert_eq!(request.profile_type_id, "p:c:n:c:n");
    assert_eq!(request.label_selector, "");
    assert_eq!(
        (request.start, request.end, request.max_nodes),
        (1000, 4000, None)
    );
    assert_eq!(request.format(), ProfileFormat::Tree);
    let pgo = request.stack_trace_selector.and_then(|s| s.go_pgo);
    assert_eq!(pgo.map(|p| p.keep_locations), Some(3));

    let unknown: SelectMergeStacktracesRequest =
        serde_json::from_value(json!({"format": "PROFILE_FORMAT_SVG"})).expect("parses");
    assert_eq!(unknown.format(), ProfileFormat::Unspecified);
    let fractional = serde_json::from_value::<SelectMergeStacktracesRequest>(json!({"start": 1.5}));
    assert!(fractional.is_err());
}

#[test]
fn json_output_leaves_defaults_out_but_keeps_set_optionals() {
    let empty = serde_json::to_value(SelectMergeStacktracesRequest::default()).unwrap();
    assert_eq!(empty, json!({}));
    let request = SelectMergeStacktracesRequest {
        max_nodes: Some(0),
        format: ProfileFormat::Flamegraph as i32,
        ..Default::default()
    };
    let expected = json!({"maxNodes": "0", "format": "PROFILE_FORMAT_FLAMEGRAPH"});
    assert_eq!(serde_json::to_value(&request).unwrap(), expected);
    let full = serde_json::to_string(&full_request()).unwrap();
    let back: SelectMergeStacktracesRequest = serde_json::from_str(&full).unwrap();
    assert_eq!(back, full_request());
    assert!(full.contains(r#""async":{"requestId":"q1","type":"ASYNC_QUERY_TYPE_FORCE"}"#));
}

fn level(values: &[i64]) -> Level {
    Level {
        values: values.to_vec(),
    }
}

#[test]
fn flame_graph_response_is_written_with_int64_as_strings() {
    let response = SelectMergeStacktracesResponse {
        flamegraph: Some(FlameGraph {
            names: vec!["total".into(), "main".into(), "other".into()],
            levels: vec![level(&[0, 100, 0, 0]), level(&[0, 90, 90, 1, 0, 10, 10, 2])],
            total: 100,
            max_self: 90,
        }),
        ..Default::default()
    };
    let value = serde_json::to_value(&response).unwrap();
    assert_eq!(
        value,
        json!({"flamegraph": {
            "names": ["total", "main", "other"],
            "levels": [
                {"values": ["0", "100", "0", "0"]},
                {"values": ["0", "90", "90", "1", "0", "10", "10", "2"]},
            ],
            "total": "100",
            "maxSelf": "90",
        }})
    );
    let back: SelectMergeStacktracesResponse = serde_json::from_value(value).unwrap();
    assert_eq!(back, response);
}

#[test]
fn tree_bytes_are_base64_in_json() {
    let response = SelectMergeStacktracesResponse {
        tree: bytes::Bytes::from_static(&[0, 0, 1, 4, b'm', b'a', b'i', b'n', 7, 0]),
        ..Default::default()
    };
    let value = serde_json::to_value(&response).unwrap();
    assert_eq!(value, json!({"tree": "AAABBG1haW4HAA=="}));
    assert_eq!(
        serde_json::from_value::<SelectMergeStacktracesResponse>(value).unwrap(),
        response
    );
    let unpadded: SelectMergeStacktracesResponse =
        serde_json::from_value(json!({"tree": "AAABBG1haW4HAA"})).unwrap();
    assert_eq!(unpadded.tree, response.tree);
}

/// A pprof as the service's own encoder writes it, uncompressed.
fn encoded_pprof() -> bytes::Bytes {
    use pf_pprof::encode;
    let header = encode::Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        time_nanos: 4_000_000_000,
        ..Default::default()
    };
    let stacks = encode::parse_folded("main;work 30").expect("folded");
    encode::to_bytes(&encode::profile(&header, &stacks), false).into()
}

#[test]
fn pprof_answer_carries_the_encoded_profile_in_both_encodings() {
    let encoded = encoded_pprof();
    let response = SelectMergeStacktracesResponse {
        pprof: Some(PprofProfile {
            profile: Some(encoded.clone()),
        }),
        ..Default::default()
    };
    let binary = SelectMergeStacktracesResponse::decode(&*response.encode_to_vec()).unwrap();
    assert_eq!(binary.pprof.and_then(|p| p.profile), Some(encoded.clone()));

    let value = serde_json::to_value(&response).unwrap();
    let profile = &value["pprof"]["profile"];
    assert_eq!(profile["timeNanos"], json!("4000000000"));
    assert_eq!(profile["sample"][0]["value"], json!(["30"]));
    let names = profile["stringTable"].as_array().expect("strings");
    assert!(names.contains(&json!("work")) && names[0] == json!(""));
    // Read back, the object is encoded again into a profile equal to the first.
    let back: SelectMergeStacktracesResponse = serde_json::from_value(value).unwrap();
    let again = back.pprof.and_then(|p| p.profile).expect("profile");
    assert_eq!(
        Profile::decode(again).unwrap(),
        Profile::decode(encoded).unwrap()
    );

    let empty = SelectMergeStacktracesResponse {
        pprof: Some(PprofProfile {
            profile: Some(bytes::Bytes::new()),
        }),
        ..Default::default()
    };
    assert_eq!(empty.encode_to_vec(), [0x2a, 2, 0x0a, 0]);
    let value = serde_json::to_value(&empty).unwrap();
    assert_eq!(value, json!({"pprof": {"profile": {}}}));
}

#[test]
fn select_series_keeps_its_optional_enum_and_double_step() {
    let body = json!({
        "profileTypeID": "p:c:n:c:n",
        "step": 15.5,
        "aggregation": "TIME_SERIES_AGGREGATION_TYPE_SUM",
        "limit": "0",
        "exemplarType": "EXEMPLAR_TYPE_INDIVIDUAL",
        "groupBy": ["pod"],
    });
    let request: SelectSeriesRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(request.aggregation(), TimeSeriesAggregationType::Sum);
    assert_eq!(request.aggregation, Some(0));
    assert_eq!(request.exemplar_type(), ExemplarType::Individual);
    assert_eq!((request.step, request.limit), (15.5, Some(0)));
    assert_eq!(serde_json::to_value(&request).unwrap(), body);
    let binary = SelectSeriesRequest::decode(&*request.encode_to_vec()).unwrap();
    assert_eq!(binary, request);
}

#[test]
fn series_points_and_profile_types_use_their_json_names() {
    let response = SelectSeriesResponse {
        series: vec![Series {
            labels: vec![],
            points: vec![Point {
                value: f64::NAN,
                timestamp: 1_700_000_000_000,
                ..Default::default()
            }],
        }],
    };
    let value = serde_json::to_value(&response).unwrap();
    let point = &value["series"][0]["points"][0];
    assert_eq!(
        *point,
        json!({"value": "NaN", "timestamp": "1700000000000"})
    );

    let types: ProfileTypesResponse =
        serde_json::from_value(json!({"profileTypes": [{"ID": "m:a:b:s:b", "periodUnit": "b"}]}))
            .unwrap();
    let first = &types.profile_types[0];
    assert_eq!(
        (first.id.as_str(), first.period_unit.as_str()),
        ("m:a:b:s:b", "b")
    );
}

#[test]
fn profile_stats_with_no_data_is_an_empty_object() {
    let none = serde_json::to_string(&GetProfileStatsResponse::default()).unwrap();
    assert_eq!(none, "{}");
    let stats: GetProfileStatsResponse =
        serde_json::from_str(r#"{"dataIngested":true,"oldestProfileTime":"5"}"#).unwrap();
    let times = (stats.oldest_profile_time, stats.newest_profile_time);
    assert!(stats.data_ingested && times == (5, 0));
}

#[test]
fn enum_names_match_the_proto_and_unknown_numbers_survive() {
    let dot = ProfileFormat::from_str_name("PROFILE_FORMAT_DOT");
    assert_eq!(
        (dot, ProfileFormat::try_from(4)),
        (Some(ProfileFormat::Dot), Ok(ProfileFormat::Pprof))
    );
    let nine: SelectMergeStacktracesRequest = serde_json::from_value(json!({"format": 9})).unwrap();
    assert_eq!(serde_json::to_value(&nine).unwrap(), json!({"format": 9}));
}
