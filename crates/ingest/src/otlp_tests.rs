use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::profiles::v1development::{
    Function, KeyValueAndUnit, Line, Location, ResourceProfiles, Sample, ScopeProfiles, Stack,
    ValueType,
};
use opentelemetry_proto::tonic::resource::v1::Resource;

use super::*;
use pf_pprof::{parse_file, parse_file_where, Limits};

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 20,
    max_stack_depth: 64,
};

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..KeyValue::default()
    }
}

/// `main;hot` 70 and `main;cold` 30 (the first on thread `worker`), from `service`.
pub(crate) fn export(service: Option<&str>, stack_index: i32) -> ExportProfilesServiceRequest {
    let strings = [
        "",
        "main",
        "hot",
        "cold",
        "cpu",
        "nanoseconds",
        "thread.name",
        "worker",
    ];
    let function = |name: i32| Function {
        name_strindex: name,
        ..Function::default()
    };
    let location = |f: i32| Location {
        lines: vec![Line {
            function_index: f,
            line: 1,
            column: 0,
        }],
        ..Location::default()
    };
    let dictionary = ProfilesDictionary {
        string_table: strings.iter().map(|s| (*s).to_owned()).collect(),
        function_table: vec![function(1), function(2), function(3)],
        location_table: vec![location(0), location(1), location(2)],
        // Leaf first, as pprof.
        stack_table: vec![
            Stack {
                location_indices: vec![1, 0],
            },
            Stack {
                location_indices: vec![2, 0],
            },
        ],
        attribute_table: vec![KeyValueAndUnit {
            key_strindex: 6,
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue("worker".into())),
            }),
            unit_strindex: 0,
        }],
        ..ProfilesDictionary::default()
    };
    let cpu = ValueType {
        type_strindex: 4,
        unit_strindex: 5,
    };
    let profile = otlp::Profile {
        sample_type: Some(cpu),
        period_type: Some(cpu),
        period: 10_000_000,
        time_unix_nano: 1_760_000_000_000_000_000,
        duration_nano: 10_000_000_000,
        samples: vec![
            Sample {
                stack_index,
                values: vec![70],
                attribute_indices: vec![0],
                ..Sample::default()
            },
            Sample {
                stack_index: 1,
                values: vec![30],
                ..Sample::default()
            },
        ],
        ..otlp::Profile::default()
    };
    let mut attributes = vec![kv("deployment.environment", "prod")];
    attributes.extend(service.map(|s| kv("service.name", s)));
    ExportProfilesServiceRequest {
        resource_profiles: vec![ResourceProfiles {
            resource: Some(Resource {
                attributes,
                ..Resource::default()
            }),
            scope_profiles: vec![ScopeProfiles {
                scope: Some(InstrumentationScope {
                    attributes: vec![kv("profiler", "ebpf")],
                    ..InstrumentationScope::default()
                }),
                profiles: vec![profile],
                ..ScopeProfiles::default()
            }],
            ..ResourceProfiles::default()
        }],
        dictionary: Some(dictionary),
    }
}

#[test]
fn an_otlp_profile_becomes_a_pprof_of_the_same_stacks_and_labels() {
    let body = export(Some("otel-app"), 0).encode_to_vec();
    let export = decode_otlp(&body, WireEncoding::Proto, false, 1 << 20).unwrap();
    assert!(export.rejected.is_empty(), "{:?}", export.rejected);
    let pushed = &export.pushed[0];
    assert_eq!(pushed.app, "otel-app");
    assert_eq!(
        pushed.labels.pairs(),
        [("deployment_environment", "prod"), ("profiler", "ebpf")]
    );
    let parsed = parse_file(&pushed.pprof, LIMITS).unwrap();
    assert_eq!(parsed.sample_types[0].name(), "cpu/nanoseconds");
    assert_eq!(parsed.time_nanos, 1_760_000_000_000_000_000);
    let stats = parsed.stats(0).unwrap();
    let selves: Vec<(&str, u64)> = stats
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.self_samples))
        .collect();
    assert_eq!(selves, [("hot", 70), ("cold", 30), ("main", 0)]);
    // The sample's attribute is its own label.
    let on_worker = |pairs: &[(&str, &str)]| pairs.contains(&("thread_name", "worker"));
    let worker = parse_file_where(&pushed.pprof, LIMITS, Some(&on_worker)).unwrap();
    assert_eq!(worker.stats(0).unwrap().total_samples, 70);
}

#[test]
fn json_reads_like_protobuf() {
    let json = serde_json::to_vec(&export(Some("otel-app"), 0)).unwrap();
    let export = decode_otlp(&json, WireEncoding::Json, false, 1 << 20).unwrap();
    assert_eq!(export.pushed.len(), 1);
    let stats = parse_file(&export.pushed[0].pprof, LIMITS)
        .unwrap()
        .stats(0)
        .unwrap();
    assert_eq!(stats.total_samples, 100);
}

#[test]
fn a_profile_that_cannot_be_read_is_rejected_alone() {
    let nameless = decode_otlp(
        &export(None, 0).encode_to_vec(),
        WireEncoding::Proto,
        false,
        1 << 20,
    );
    assert_eq!(nameless.unwrap().rejected.len(), 1);
    let broken = decode_otlp(
        &export(Some("a"), 9).encode_to_vec(),
        WireEncoding::Proto,
        false,
        1 << 20,
    )
    .unwrap();
    assert!(broken.pushed.is_empty());
    assert!(
        broken.rejected[0].contains("stack index 9"),
        "{:?}",
        broken.rejected
    );
    let garbage = decode_otlp(b"\xff\xff", WireEncoding::Proto, false, 1 << 20);
    assert!(matches!(garbage, Err(IngestError::Malformed(_))));
}
