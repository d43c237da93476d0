//! Pyroscope OG (<= 0.37): `/render` and `/label-values` query strings and answers.

use pf_model::{LabelSelector, TimeWindow};

/// Flame graph of one application query, as flamebearer JSON.
pub(super) const RENDER: &str = "render";
/// Values of one label; with `__name__` these are `<app>.<suffix>` application names.
pub(super) const LABEL_VALUES: &str = "label-values";

/// The application query for one app and profile-type suffix, e.g. `checkout.cpu{}`.
///
/// OG stores each profile type as its own application named `<app>.<suffix>`; the empty tag
/// selector selects all of its series.
pub(super) fn query(app: &str, suffix: &str) -> String {
    format!("{app}.{suffix}{{}}")
}

/// `query` narrowed by `labels`: `checkout.cpu{}` becomes `checkout.cpu{version="2"}`.
fn labelled(query: &str, labels: &LabelSelector) -> String {
    match query.strip_suffix("{}") {
        Some(app) if !labels.is_empty() => format!("{app}{{{labels}}}"),
        _ => query.to_owned(),
    }
}

/// Query parameters of `/render`; the client percent-encodes them.
pub(super) fn render_params(
    query: &str,
    labels: &LabelSelector,
    window: TimeWindow,
    max_nodes: u32,
) -> Vec<(&'static str, String)> {
    vec![
        ("query", labelled(query, labels)),
        ("from", window.from.to_string()),
        ("until", window.to.to_string()),
        ("format", "json".to_owned()),
        ("max-nodes", max_nodes.to_string()),
    ]
}

/// Query parameters of `/label-values` listing application names in `window`.
pub(super) fn app_name_params(window: TimeWindow) -> Vec<(&'static str, String)> {
    vec![
        ("label", "__name__".to_owned()),
        ("from", window.from.to_string()),
        ("until", window.to.to_string()),
    ]
}

/// Query parameters of `/label-values` listing the values of `label` on one application query.
pub(super) fn label_value_params(
    label: &str,
    query: &str,
    window: TimeWindow,
) -> Vec<(&'static str, String)> {
    vec![
        ("label", label.to_owned()),
        ("query", query.to_owned()),
        ("from", window.from.to_string()),
        ("until", window.to.to_string()),
    ]
}

/// App names from `<app>.<suffix>` names: the part before the last dot (app names may contain
/// dots themselves), unique and sorted. A name without a dot is taken whole.
pub(super) fn app_names(names: Vec<String>) -> Vec<String> {
    let mut apps: Vec<String> = names
        .into_iter()
        .map(|name| match name.rsplit_once('.') {
            Some((app, _)) => app.to_owned(),
            None => name,
        })
        .filter(|app| !app.is_empty())
        .collect();
    apps.sort_unstable();
    apps.dedup();
    apps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_stripped_after_the_last_dot() {
        let names = [
            "checkout.cpu",
            "checkout.alloc_in_new_tlab_bytes",
            "com.example.billing.cpu",
            "bare",
            ".cpu",
            "checkout.lock_count",
        ];
        assert_eq!(
            app_names(names.map(String::from).to_vec()),
            ["bare", "checkout", "com.example.billing"]
        );
    }

    #[test]
    fn render_asks_for_json_with_a_node_budget() {
        let window = TimeWindow::new(1_700_000_000, 1_700_003_600).unwrap();
        let params = render_params(
            &query("checkout", "cpu"),
            &LabelSelector::default(),
            window,
            16384,
        );
        assert_eq!(
            params,
            [
                ("query", "checkout.cpu{}".to_owned()),
                ("from", "1700000000".to_owned()),
                ("until", "1700003600".to_owned()),
                ("format", "json".to_owned()),
                ("max-nodes", "16384".to_owned()),
            ]
        );
    }
}
