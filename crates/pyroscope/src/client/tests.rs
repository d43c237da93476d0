//! Unit tests of the Pyroscope client.

use super::transport::error_message;
use super::*;

#[test]
fn endpoints_keep_the_path_prefix() {
    let cases = [
        ("http://pyro:4040", "http://pyro:4040/render"),
        ("http://pyro:4040/", "http://pyro:4040/render"),
        ("http://host/pyroscope", "http://host/pyroscope/render"),
        ("http://host/pyroscope/", "http://host/pyroscope/render"),
    ];
    for (base, want) in cases {
        assert_eq!(join(&Url::parse(base).unwrap(), &["render"]).as_str(), want);
    }
    let url = join(
        &Url::parse("https://host/a/b/").unwrap(),
        &[modern::SERVICE, modern::SERIES],
    );
    assert_eq!(
        url.as_str(),
        "https://host/a/b/querier.v1.QuerierService/Series"
    );
}

#[test]
fn error_bodies_prefer_the_connect_message() {
    assert_eq!(
        error_message(br#"{"code":"unavailable","message":"ingesters down"}"#),
        "ingesters down (unavailable)"
    );
    assert_eq!(error_message(b"  bad gateway\n"), "bad gateway");
    assert_eq!(error_message(&[b'x'; 1000]).len(), 300);
}
