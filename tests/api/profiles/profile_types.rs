//! Which profile type a read asks Pyroscope for: per app, per API, and the same for both windows
//! of a diff.

use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    detailed_graph, java_graph, json_for, modern_app, ok_json, top_java_functions, window, Api,
    ALLOC_SPACE_ID, CPU_ID, FROM, HOUR, RENDER, SELECT, SERIES, TLAB_ID, TO,
};

/// How one app's profile type for `alloc` is resolved.
struct TypeCase {
    case: &'static str,
    api: Api,
    app: &'static str,
    /// The `type` asked for in successive windows: the first window, then the hour after.
    types: &'static [&'static str],
    /// The modern API's answer to the one Series lookup expected, for the first window; none:
    /// a server that does not answer Series (404).
    series: Option<ResponseTemplate>,
    /// The profile-type ID read, or the status answered instead.
    read: Read,
}

/// What a case reads.
#[derive(Clone, Copy)]
enum Read {
    /// This profile-type ID, from Pyroscope.
    Id(&'static str),
    /// Nothing: the app has none of the type's IDs, so it is answered empty under this one
    /// without asking Pyroscope (SPEC §33).
    Quiet(&'static str),
    /// This status instead.
    Status(u16),
}

#[tokio::test]
async fn alloc_reads_the_profile_type_each_app_has_and_an_app_without_it_is_quiet() {
    let cases = [
        TypeCase {
            case: "Series lists alloc_space, remembered for the next window",
            api: Api::Modern,
            app: "checkout-service",
            types: &["memory", "alloc"],
            series: Some(ok_json(json!({"labelsSet": [
                {"labels": [{"name": "__profile_type__", "value": CPU_ID}]},
                {"labels": [{"name": "__profile_type__", "value": ALLOC_SPACE_ID}]}
            ]}))),
            read: Read::Id(ALLOC_SPACE_ID),
        },
        TypeCase {
            case: "Series fails: an error, not a guess",
            api: Api::Modern,
            app: "broken",
            types: &["alloc"],
            series: Some(ResponseTemplate::new(500).set_body_string("boom")),
            read: Read::Status(502),
        },
        TypeCase {
            case: "Series answers nothing: the app is quiet, answered empty",
            api: Api::Modern,
            app: "fresh",
            types: &["alloc"],
            series: Some(ok_json(json!({}))),
            read: Read::Quiet(TLAB_ID),
        },
        TypeCase {
            case: "a server without Series: the first candidate",
            api: Api::Modern,
            app: "proxied",
            types: &["alloc"],
            series: None,
            read: Read::Id(TLAB_ID),
        },
        TypeCase {
            case: "legacy API: the app's alloc metric",
            api: Api::Legacy,
            app: "checkout-service",
            types: &["alloc"],
            series: None,
            read: Read::Id("checkout-service.alloc_in_new_tlab_bytes{}"),
        },
    ];
    let (modern, legacy) = (MockServer::start().await, MockServer::start().await);
    let modern_app = Api::Modern.app(&modern, |_| {}).await;
    let legacy_app = Api::Legacy.app(&legacy, |_| {}).await;
    for TypeCase {
        case,
        api,
        app,
        types,
        series,
        read,
    } in cases
    {
        let (server, service) = match api {
            Api::Modern => (&modern, &modern_app),
            Api::Legacy => (&legacy, &legacy_app),
        };
        if let Some(answer) = series {
            Mock::given(method("POST"))
                .and(path(SERIES))
                .and(body_json(json!({
                    "matchers": [format!("{{service_name=\"{app}\"}}")],
                    "labelNames": ["__profile_type__"],
                    "start": FROM * 1000,
                    "end": TO * 1000
                })))
                .respond_with(answer)
                .expect(1)
                .named(format!("{case}: Series"))
                .mount(server)
                .await;
        }
        let (read_id, reads_made) = match read {
            Read::Id(id) => (id, types.len() as u64),
            Read::Quiet(_) | Read::Status(_) => ("no read", 0),
        };
        let reads = match api {
            Api::Modern => Mock::given(method("POST")).and(path(SELECT)).and(body_partial_json(
                json!({"profileTypeID": read_id, "labelSelector": format!("{{service_name=\"{app}\"}}")}),
            )),
            Api::Legacy => Mock::given(method("GET"))
                .and(path(RENDER))
                .and(query_param("query", read_id)),
        };
        reads
            .respond_with(api.answer(&java_graph()))
            .expect(reads_made)
            .named(format!("{case}: reads"))
            .mount(server)
            .await;
        let windows = [(FROM, TO), (TO, TO + HOUR)];
        for (profile_type, (from, to)) in types.iter().zip(windows) {
            let path = format!("/profiles/{app}?type={profile_type}&{}", window(from, to));
            match read {
                Read::Id(id) => {
                    let body = json_for(case, service.get(&path).await, 200).await;
                    assert_eq!(body["profileType"], "alloc", "{case}: {path}");
                    assert_eq!(body["profileTypeId"], id, "{case}: {path}");
                }
                Read::Quiet(id) => {
                    let body = json_for(case, service.get(&path).await, 200).await;
                    assert_eq!(body["profileTypeId"], id, "{case}: {path}");
                    assert_eq!(body["totalSamples"], 0, "{case}: {path}");
                    assert_eq!(body["functions"], json!([]), "{case}: {path}");
                }
                Read::Status(status) => {
                    let body = json_for(case, service.get(&path).await, status).await;
                    assert!(
                        body["error"].as_str().is_some_and(|e| !e.is_empty()),
                        "{case}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_diff_reads_both_windows_with_one_profile_type() {
    let server = MockServer::start().await;
    // The lookup spans both windows; the default baseline is the hour before `from`.
    Mock::given(method("POST"))
        .and(path(SERIES))
        .and(body_partial_json(
            json!({"start": FROM * 1000, "end": (TO + HOUR) * 1000}),
        ))
        .respond_with(ok_json(json!({"labelsSet": [
            {"labels": [{"name": "__profile_type__", "value": ALLOC_SPACE_ID}]}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    for ((from, to), graph) in [
        ((FROM, TO), detailed_graph()),
        ((TO, TO + HOUR), java_graph()),
    ] {
        Mock::given(method("POST"))
            .and(path(SELECT))
            .and(body_partial_json(json!({
                "profileTypeID": ALLOC_SPACE_ID, "start": from * 1000, "end": to * 1000
            })))
            .respond_with(ok_json(graph.connect()))
            .expect(1)
            .named(format!("SelectMergeStacktraces {from}..{to}"))
            .mount(&server)
            .await;
    }
    let app = modern_app(&server).await;
    let path = format!(
        "/profiles/checkout-service/diff?type=alloc&limit=2&slices=0&{}",
        window(TO, TO + HOUR)
    );
    let body = json_for("diff", app.get(&path).await, 200).await;
    assert_eq!(
        body,
        json!({
            "appName": "checkout-service", "profileType": "alloc", "profileTypeId": ALLOC_SPACE_ID,
            "baseline": {"from": FROM, "to": TO, "totalSamples": 1000, "truncatedPercent": 2.0,
                "functions": [
                    {"name": "java/util/HashMap.resize", "selfPercent": 60.0, "selfSamples": 600, "totalSamples": 600},
                    {"name": "com/example/checkout/CheckoutService.handle", "selfPercent": 38.0, "selfSamples": 380, "totalSamples": 380}
                ]},
            "current": {"from": TO, "to": TO + HOUR, "totalSamples": 1001, "truncatedPercent": 3.0,
                "functions": top_java_functions(2)}
        })
    );
}
