//! The `name` of Pyroscope's `/ingest`: `app{key=value,…}`. The text before `{` is the app; each
//! pair a label, split on `,`, key and value trimmed, no quoting (as the agents write it).

use pf_model::AppName;
use pf_profile_files::{pushed_app, IngestError, LabelSet};

/// The app and the labels of an `/ingest` `name`.
pub fn parse_name(raw: &str) -> Result<(AppName, LabelSet), IngestError> {
    let (app, rest) = match raw.split_once('{') {
        Some((app, rest)) => {
            let inner = rest.strip_suffix('}').ok_or_else(|| {
                IngestError::Malformed(format!("name `{raw}`: the labels must end with `}}`"))
            })?;
            (app, Some(inner))
        }
        None => (raw, None),
    };
    let app = pushed_app(app.trim())?;
    let mut labels = LabelSet::default();
    for pair in rest.unwrap_or_default().split(',') {
        if pair.trim().is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            IngestError::Malformed(format!("name `{raw}`: the label `{pair}` has no `=`"))
        })?;
        labels.insert(key.trim(), value.trim());
    }
    Ok((app, labels))
}

#[cfg(test)]
mod tests {
    use super::parse_name;

    #[test]
    fn the_app_comes_before_the_braces_and_each_pair_is_a_label() {
        let (app, labels) = parse_name("checkout{version=1.0.0, region = eu ,}").unwrap();
        assert_eq!(app.as_str(), "checkout");
        assert_eq!(labels.pairs(), [("region", "eu"), ("version", "1.0.0")]);
        let (app, labels) = parse_name("ledger").unwrap();
        assert_eq!((app.as_str(), labels.pairs().len()), ("ledger", 0));
        // The legacy agents' dotted names are kept whole: the app is what the agent named.
        assert_eq!(parse_name("app.cpu{}").unwrap().0.as_str(), "app.cpu");
        // Kubernetes names as Grafana Alloy gives them are names like any other.
        assert_eq!(
            parse_name("default/checkout{pod=a}").unwrap().0.as_str(),
            "default/checkout"
        );
    }

    #[test]
    fn a_name_without_an_app_or_with_a_broken_pair_is_refused() {
        for bad in [
            "",
            "{version=1}",
            "  {a=b}",
            "app{version}",
            "app{version=1",
        ] {
            assert!(parse_name(bad).is_err(), "{bad:?}");
        }
    }
}
