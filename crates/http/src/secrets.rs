//! What a reader is shown of a webhook URL (SPEC §35): a Slack or Teams webhook's secret is its
//! path, so a reader sees the scheme, the host and a fingerprint, never the path, the query or
//! a password. The fingerprint tells two URLs apart and lets their owner match one
//! (`printf %s "$URL" | sha256sum | cut -c1-12`).

use sha2::{Digest, Sha256};
use url::Url;

/// Hex digits of the SHA-256 of the whole URL that a redacted channel shows.
const FINGERPRINT_HEX: usize = 12;

/// What marks a redacted URL, between its host and its fingerprint.
const MARK: &str = "/[redacted sha256:";

/// `channel` as a reader may see it: a free-text channel (`#payments-oncall`) as it is, an
/// `http(s)://` URL as `https://hooks.example.com/[redacted sha256:1a2b3c4d5e6f]`.
pub fn shown_channel(channel: &str) -> String {
    let Some(url) = webhook(channel) else {
        return channel.to_owned();
    };
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{host}{port}{MARK}{}]",
        url.scheme(),
        fingerprint(channel)
    )
}

/// The first hex digits of the SHA-256 of `channel`, as shown.
pub fn fingerprint(channel: &str) -> String {
    let digest = Sha256::digest(channel.as_bytes());
    let mut hex = hex::encode(digest);
    hex.truncate(FINGERPRINT_HEX);
    hex
}

/// Whether `channel` is a redacted URL as [`shown_channel`] writes it: sent back, it would
/// lead nowhere, so the write path refuses it.
pub fn is_redacted(channel: &str) -> bool {
    let Some((_, rest)) = channel.split_once(MARK) else {
        return false;
    };
    rest.strip_suffix(']').is_some_and(|hex| {
        hex.len() == FINGERPRINT_HEX && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// `channel` as a webhook, when it is an `http(s)://` URL.
fn webhook(channel: &str) -> Option<Url> {
    Url::parse(channel)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_shows_its_scheme_host_and_fingerprint_only() {
        let url = "https://user:pw@hooks.slack.com/services/T000/B000/XXXXSECRET?x=1";
        let shown = shown_channel(url);
        // `printf %s "$url" | sha256sum | cut -c1-12`
        assert_eq!(
            shown,
            format!(
                "https://hooks.slack.com/[redacted sha256:{}]",
                fingerprint(url)
            )
        );
        assert!(!shown.contains("SECRET") && !shown.contains("pw") && !shown.contains("x=1"));
        assert_eq!(fingerprint("abc"), "ba7816bf8f01"); // SHA-256("abc"), FIPS 180-2 B.1
        assert_eq!(
            shown_channel("http://10.0.0.1:9000/hook"),
            format!(
                "http://10.0.0.1:9000/[redacted sha256:{}]",
                fingerprint("http://10.0.0.1:9000/hook")
            )
        );
    }

    #[test]
    fn channel_names_are_shown_as_they_are() {
        for name in ["#payments-oncall", "team payments", "mailto:a@b.c"] {
            assert_eq!(shown_channel(name), name);
        }
    }

    #[test]
    fn a_redacted_channel_is_known_when_sent_back() {
        let shown = shown_channel("https://hooks.example/secret");
        assert!(is_redacted(&shown));
        for plain in [
            "https://hooks.example/secret",
            "#redacted",
            "https://h/[redacted sha256:xyz]",
        ] {
            assert!(!is_redacted(plain), "{plain}");
        }
    }
}
