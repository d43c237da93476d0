//! Grafana Pyroscope 1.x: Connect (JSON) requests of the querier service and their answers.

use serde::{Deserialize, Serialize};

use pf_model::{LabelSelector, MatchOp, Matcher, TimeWindow};

/// The Connect service every call below belongs to; joined onto the base URL as one segment.
pub(super) const SERVICE: &str = "querier.v1.QuerierService";
/// Merged flame graph of one profile type and selector.
pub(super) const SELECT_MERGE_STACKTRACES: &str = "SelectMergeStacktraces";
/// Values of one label (the app label) in a time range.
pub(super) const LABEL_VALUES: &str = "LabelValues";
/// Label sets of the series matching selectors (used to learn an app's profile types).
pub(super) const SERIES: &str = "Series";
/// The label that carries a series' profile-type ID.
pub(super) const PROFILE_TYPE_LABEL: &str = "__profile_type__";

/// `{<label>="<app>"}`: the app's matcher, escaped as every matcher is.
pub(super) fn selector(label: &str, app: &str) -> String {
    labelled_selector(label, app, &LabelSelector::default())
}

/// `{<label>="<app>",<labels>}`: the app's selector narrowed by the matchers. One escaping
/// routine, [`Matcher`]'s display, writes the app and the matchers alike.
pub(super) fn labelled_selector(label: &str, app: &str, labels: &LabelSelector) -> String {
    let app = Matcher {
        name: label.to_owned(),
        op: MatchOp::Equal,
        value: app.to_owned(),
    };
    if labels.is_empty() {
        format!("{{{app}}}")
    } else {
        format!("{{{app},{labels}}}")
    }
}

/// Epoch seconds to the milliseconds the querier expects; saturating, since `TimeWindow` only
/// bounds values below by 0.
fn millis(seconds: i64) -> i64 {
    seconds.saturating_mul(1000)
}

/// Body of `SelectMergeStacktraces`. int64 fields are sent as JSON numbers, which the protobuf
/// JSON mapping accepts as well as strings.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SelectMergeStacktracesRequest<'a> {
    #[serde(rename = "profileTypeID")]
    pub profile_type_id: &'a str,
    pub label_selector: String,
    pub start: i64,
    pub end: i64,
    pub max_nodes: u32,
}

impl<'a> SelectMergeStacktracesRequest<'a> {
    /// The request for `profile_type_id` of the series `label_selector` (see
    /// [`labelled_selector`]) in `window`.
    pub fn new(
        profile_type_id: &'a str,
        label_selector: String,
        window: TimeWindow,
        max_nodes: u32,
    ) -> Self {
        SelectMergeStacktracesRequest {
            profile_type_id,
            label_selector,
            start: millis(window.from),
            end: millis(window.to),
            max_nodes,
        }
    }
}

/// Body of `LabelValues`.
#[derive(Debug, Serialize)]
pub(super) struct LabelValuesRequest<'a> {
    pub name: &'a str,
    /// Series selectors the values are read from; none: every series.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<String>,
    pub start: i64,
    pub end: i64,
}

impl<'a> LabelValuesRequest<'a> {
    pub fn new(name: &'a str, window: TimeWindow) -> Self {
        LabelValuesRequest {
            name,
            matchers: Vec::new(),
            start: millis(window.from),
            end: millis(window.to),
        }
    }
}

/// Answer of `LabelValues`; protobuf JSON leaves out empty lists.
#[derive(Debug, Deserialize)]
pub(super) struct LabelValuesResponse {
    #[serde(default)]
    pub names: Vec<String>,
}

/// Body of `Series`, asking only for the profile-type label.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SeriesRequest {
    pub matchers: Vec<String>,
    pub label_names: Vec<&'static str>,
    pub start: i64,
    pub end: i64,
}

impl SeriesRequest {
    pub fn profile_types_of(label: &str, app: &str, window: TimeWindow) -> Self {
        SeriesRequest {
            matchers: vec![selector(label, app)],
            label_names: vec![PROFILE_TYPE_LABEL],
            start: millis(window.from),
            end: millis(window.to),
        }
    }
}

/// Answer of `Series`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SeriesResponse {
    #[serde(default)]
    pub labels_set: Vec<LabelSet>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct LabelSet {
    #[serde(default)]
    pub labels: Vec<Label>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Label {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

impl SeriesResponse {
    /// The distinct profile-type IDs among the series, in the order Pyroscope listed them.
    pub fn profile_type_ids(self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let labels = self.labels_set.into_iter().flat_map(|set| set.labels);
        for label in labels.filter(|l| l.name == PROFILE_TYPE_LABEL && !l.value.is_empty()) {
            if !ids.contains(&label.value) {
                ids.push(label.value);
            }
        }
        ids
    }
}

/// The Connect error body (`{"code": "...", "message": "..."}`), read to name the cause.
#[derive(Debug, Deserialize)]
pub(super) struct ConnectError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_escape_backslashes_before_quotes() {
        assert_eq!(
            selector("service_name", r#"a"b\c"#),
            r#"{service_name="a\"b\\c"}"#
        );
        assert_eq!(selector("app", "plain"), r#"{app="plain"}"#);
        let labels = LabelSelector::parse(Some(r#"version="1\"2",region=~"eu-.*""#), "labels");
        assert_eq!(
            labelled_selector("service_name", "a\"b", &labels.unwrap()),
            r#"{service_name="a\"b",version="1\"2",region=~"eu-.*"}"#
        );
    }

    #[test]
    fn requests_use_connect_field_names_and_milliseconds() {
        let window = TimeWindow::new(100, 200).unwrap();
        let body = serde_json::to_value(SelectMergeStacktracesRequest::new(
            "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
            labelled_selector("service_name", "checkout", &LabelSelector::default()),
            window,
            16384,
        ))
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "profileTypeID": "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
                "labelSelector": "{service_name=\"checkout\"}",
                "start": 100_000, "end": 200_000, "maxNodes": 16384
            })
        );
        let series =
            serde_json::to_value(SeriesRequest::profile_types_of("service_name", "x", window))
                .unwrap();
        assert_eq!(
            series["labelNames"],
            serde_json::json!(["__profile_type__"])
        );
        assert_eq!(
            series["matchers"],
            serde_json::json!(["{service_name=\"x\"}"])
        );
    }

    #[test]
    fn series_answers_yield_distinct_profile_types_in_order() {
        let raw = r#"{"labelsSet":[
            {"labels":[{"name":"__profile_type__","value":"memory:alloc_space:bytes:space:bytes"}]},
            {"labels":[{"name":"service_name","value":"x"},{"name":"__profile_type__","value":"process_cpu:cpu:nanoseconds:cpu:nanoseconds"}]},
            {"labels":[{"name":"__profile_type__","value":"memory:alloc_space:bytes:space:bytes"}]},
            {}]}"#;
        let parsed: SeriesResponse = serde_json::from_str(raw).unwrap();
        assert_eq!(
            parsed.profile_type_ids(),
            [
                "memory:alloc_space:bytes:space:bytes",
                "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
            ]
        );
        let empty: SeriesResponse = serde_json::from_str("{}").unwrap();
        assert!(empty.profile_type_ids().is_empty());
    }
}
