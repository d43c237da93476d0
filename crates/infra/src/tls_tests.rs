//! A peer's own CA bundle and client certificate: what serves is taken, and what cannot serve
//! is refused naming its setting and its file, never its content.

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

use super::*;

/// A CA and a certificate it signed, with their keys, in PEM.
struct Made {
    ca: String,
    cert: String,
    key: String,
}

fn made() -> Made {
    let ca_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["client.test".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap()
        .pem();
    Made {
        ca,
        cert,
        key: key.serialize_pem(),
    }
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn file<'a>(setting: &'static str, path: &'a Path) -> PemFile<'a> {
    PemFile { setting, path }
}

#[test]
fn a_ca_bundle_and_a_matching_client_certificate_are_taken() {
    let dir = tempfile::tempdir().unwrap();
    let other = made().ca;
    let made = made();
    let bundle = write(dir.path(), "ca.pem", &format!("{}{}", made.ca, other));
    let cert = write(dir.path(), "client.pem", &made.cert);
    let key = write(dir.path(), "client.key", &made.key);
    let tls = PeerTls::default()
        .trust(file("pyroscope.ca_file", &bundle))
        .unwrap()
        .present(
            file("pyroscope.client_cert", &cert),
            file("pyroscope.client_key", &key),
        )
        .unwrap();
    assert_eq!(tls.roots.len(), 2, "both certificates of the bundle");
    assert!(tls.identity.is_some());
    tls.apply(Client::builder()).build().unwrap();
}

#[test]
fn a_ca_file_that_cannot_serve_is_refused_naming_the_setting_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let text = write(dir.path(), "notes.txt", "not a certificate\n");
    let broken = write(
        dir.path(),
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    for (path, reason) in [
        (&missing, "cannot be read"),
        (&text, "holds no PEM certificate"),
        (&broken, "cannot be a root"),
    ] {
        let error = PeerTls::default()
            .trust(file("pyroscope.ca_file", path))
            .err()
            .unwrap_or_else(|| panic!("{} was taken", path.display()));
        assert_eq!(error.setting, "pyroscope.ca_file");
        let message = error.to_string();
        assert!(
            message.contains(&path.display().to_string()) && message.contains(reason),
            "{message}"
        );
    }
}

#[test]
fn a_key_that_is_missing_unreadable_or_not_the_certificates_is_refused_without_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let made = made();
    let cert = write(dir.path(), "client.pem", &made.cert);
    let other_key = write(
        dir.path(),
        "other.key",
        &KeyPair::generate().unwrap().serialize_pem(),
    );
    let no_key = write(dir.path(), "no.key", &made.ca);
    let missing = dir.path().join("missing.key");
    for (path, reason) in [
        (&other_key, "cannot be used with `pyroscope.client_cert`"),
        (&no_key, "holds no private key"),
        (&missing, "cannot be read"),
    ] {
        let error = PeerTls::default()
            .present(
                file("pyroscope.client_cert", &cert),
                file("pyroscope.client_key", path),
            )
            .err()
            .unwrap_or_else(|| panic!("{} was taken", path.display()));
        assert_eq!(error.setting, "pyroscope.client_key");
        let message = error.to_string();
        assert!(message.contains(reason), "{message}");
        assert!(!message.contains("PRIVATE KEY"), "{message}");
    }
    // A certificate file without a certificate names the certificate's setting.
    let key = write(dir.path(), "client.key", &made.key);
    let error = PeerTls::default()
        .present(
            file("pyroscope.client_cert", &key),
            file("pyroscope.client_key", &key),
        )
        .err()
        .unwrap();
    assert_eq!(error.setting, "pyroscope.client_cert");
    assert!(!error.to_string().contains("PRIVATE KEY"));
}
