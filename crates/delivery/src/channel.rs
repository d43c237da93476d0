//! Where a notice goes and what it links to: the webhook a channel names, a link to a page of
//! this service. Shared by every kind of alert (rules, regressions).

use url::Url;

/// The webhook a channel names, when it is an `http(s)://` URL (the address guard's reading,
/// so what is checked when saved is what is sent).
pub fn webhook(channel: &str) -> Option<Url> {
    pf_infra::address_guard::webhook_url(channel)
}

/// A link an alert carries to a page of this service: `segments` under `base` (each one
/// percent-encoded) with one query parameter.
pub fn link(base: &Url, segments: &[&str], (name, value): (&str, &str)) -> String {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url.query_pairs_mut().append_pair(name, value);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_channels_are_webhooks() {
        assert_eq!(webhook("#team"), None);
        assert!(webhook("https://hooks.example/x").is_some());
        assert_eq!(webhook("ftp://example/x"), None);
    }

    #[test]
    fn links_encode_their_segments_and_carry_one_parameter() {
        let base = Url::parse("http://svc:8080/").unwrap();
        assert_eq!(
            link(&base, &["triage", "a b"], ("types", "cpu")),
            "http://svc:8080/triage/a%20b?types=cpu"
        );
    }
}
