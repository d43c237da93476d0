//! OTLP/HTTP profiles on `POST /v1development/profiles` (docs/agents.md#pushing-from-agents): an
//! export is kept as profiles of its `service.name`, read back with its attributes as labels, and a
//! profile that cannot be read is counted in the answer's partial success while the others are
//! kept.

use opentelemetry_proto::tonic::collector::profiles::v1development::{
    ExportProfilesServiceRequest, ExportProfilesServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::profiles::v1development::{
    Function, Line, Location, Profile, ProfilesDictionary, ResourceProfiles, Sample, ScopeProfiles,
    Stack, ValueType,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use serde_json::Value;

use crate::helpers::{json_with_status, spawn_app_with, TestApp};

const FROM: i64 = 1_760_000_000;

pub fn resource(service: &str, profiles: Vec<Profile>) -> ResourceProfiles {
    let kv = |key: &str, value: &str| KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..KeyValue::default()
    };
    ResourceProfiles {
        resource: Some(Resource {
            attributes: vec![kv("service.name", service), kv("service.version", "3.1")],
            ..Resource::default()
        }),
        scope_profiles: vec![ScopeProfiles {
            profiles,
            ..ScopeProfiles::default()
        }],
        ..ResourceProfiles::default()
    }
}

/// `main;parse` 25 and `main;render` 75 at `FROM`; a stack index of 7 makes it unreadable.
pub fn profile(render_stack: i32) -> Profile {
    let sample = |stack_index, value| Sample {
        stack_index,
        values: vec![value],
        ..Sample::default()
    };
    Profile {
        sample_type: Some(ValueType {
            type_strindex: 4,
            unit_strindex: 5,
        }),
        time_unix_nano: FROM as u64 * 1_000_000_000,
        duration_nano: 10_000_000_000,
        samples: vec![sample(0, 25), sample(render_stack, 75)],
        ..Profile::default()
    }
}

pub fn export(resources: Vec<ResourceProfiles>) -> ExportProfilesServiceRequest {
    let strings = ["", "main", "parse", "render", "cpu", "nanoseconds"];
    let location = |f| Location {
        lines: vec![Line {
            function_index: f,
            ..Line::default()
        }],
        ..Location::default()
    };
    ExportProfilesServiceRequest {
        resource_profiles: resources,
        dictionary: Some(ProfilesDictionary {
            string_table: strings.iter().map(|s| (*s).to_owned()).collect(),
            function_table: (1..4)
                .map(|name| Function {
                    name_strindex: name,
                    ..Function::default()
                })
                .collect(),
            location_table: vec![location(0), location(1), location(2)],
            stack_table: vec![
                Stack {
                    location_indices: vec![1, 0],
                },
                Stack {
                    location_indices: vec![2, 0],
                },
            ],
            ..ProfilesDictionary::default()
        }),
    }
}

pub async fn post(app: &TestApp, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/v1development/profiles"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn total(app: &TestApp, service: &str, extra: &str) -> Value {
    let res = app
        .get(&format!(
            "/profiles/{service}?from={FROM}&to={}{extra}",
            FROM + 10
        ))
        .await;
    json_with_status(res, 200).await
}

#[tokio::test]
async fn an_otlp_export_is_kept_and_a_broken_profile_is_counted_not_kept() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_path_buf();
    let app = spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = std::num::NonZeroU32::new(36_500).unwrap();
    })
    .await;
    let body = export(vec![
        resource("otel-shop", vec![profile(1)]),
        resource("otel-broken", vec![profile(7)]),
    ]);
    let res = post(&app, "application/x-protobuf", body.encode_to_vec()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/x-protobuf");
    let answer = ExportProfilesServiceResponse::decode(res.bytes().await.unwrap()).unwrap();
    let partial = answer.partial_success.expect("one profile was rejected");
    assert_eq!(partial.rejected_profiles, 1);
    assert!(
        partial.error_message.contains("stack index 7"),
        "{}",
        partial.error_message
    );

    let shop = total(&app, "otel-shop", "").await;
    assert_eq!(shop["totalSamples"], 100);
    assert_eq!(shop["functions"][0]["name"], "render");
    let versioned = total(&app, "otel-shop", "&labels=service_version%3D%223.1%22").await;
    assert_eq!(versioned["totalSamples"], 100);
    assert_eq!(total(&app, "otel-broken", "").await["totalSamples"], 0);

    // The same export in JSON, for another service.
    let json = serde_json::to_vec(&export(vec![resource("otel-json", vec![profile(1)])])).unwrap();
    let res = post(&app, "application/json", json).await;
    let answer = json_with_status(res, 200).await;
    assert!(
        answer.get("partialSuccess").is_none_or(Value::is_null),
        "{answer}"
    );
    assert_eq!(total(&app, "otel-json", "").await["totalSamples"], 100);

    let res = post(&app, "text/plain", b"x".to_vec()).await;
    assert_eq!(res.status(), 415);
    let res = post(&app, "application/x-protobuf", b"\xff\xff".to_vec()).await;
    assert_eq!(res.status(), 400);
}
