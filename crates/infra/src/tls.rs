//! What outbound TLS trusts and presents (docs/at-scale.md#behind-a-company-ca). Every client
//! trusts what curl and Go trust: the operating system's store, or `SSL_CERT_FILE` /
//! `SSL_CERT_DIR` when set. A peer may add a CA bundle of its own and a client certificate,
//! read here from PEM files at start-up, so that a file that cannot serve stops the service
//! naming its setting and its path, instead of failing every call later.

use std::error::Error as _;
use std::path::{Path, PathBuf};

use reqwest::{Certificate, Client, ClientBuilder, Identity};

/// The variables the system's roots are replaced by, as OpenSSL reads them.
const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
const SSL_CERT_DIR: &str = "SSL_CERT_DIR";

/// A PEM file, with the setting that names it (`pyroscope.ca_file`, say).
#[derive(Debug, Clone, Copy)]
pub struct PemFile<'a> {
    pub setting: &'static str,
    pub path: &'a Path,
}

/// Why a TLS file cannot serve. It names the setting and the file, never what the file holds
/// (a key file's content is a secret).
#[derive(Debug, thiserror::Error)]
#[error("names `{}`, which {reason}", path.display())]
pub struct TlsFileError {
    pub setting: &'static str,
    pub path: PathBuf,
    pub reason: String,
}

/// What one peer's connections add to the system's trust: roots of its own, and the identity
/// presented to a server that asks for a client certificate.
#[derive(Clone, Default)]
pub struct PeerTls {
    roots: Vec<Certificate>,
    identity: Option<Identity>,
}

impl PeerTls {
    /// Also trusts every certificate of the PEM bundle `file`.
    ///
    /// # Errors
    /// When the file cannot be read, holds no PEM certificate, or holds one that cannot be a
    /// root.
    pub fn trust(mut self, file: PemFile<'_>) -> Result<Self, TlsFileError> {
        let refused = |reason: String| refusal(file, reason);
        let certificates = certificates(file)?;
        for certificate in &certificates {
            // The bundle is parsed only when a client is built: building one now is what
            // tells a certificate rustls cannot use from one it can.
            probe(Client::builder().add_root_certificate(certificate.clone()))
                .map_err(|e| refused(format!("holds a certificate that cannot be a root: {e}")))?;
        }
        self.roots.extend(certificates);
        Ok(self)
    }

    /// Presents the certificate chain in `cert` with the private key in `key` to a server that
    /// asks for a client certificate.
    ///
    /// # Errors
    /// When either file cannot be read, `cert` holds no certificate, `key` no unencrypted
    /// private key (PKCS#8, PKCS#1 or SEC1), or the key is not the certificate's.
    pub fn present(mut self, cert: PemFile<'_>, key: PemFile<'_>) -> Result<Self, TlsFileError> {
        certificates(cert)?;
        let chain = read(cert)?;
        let mut pem = read(key)?;
        pem.push(b'\n');
        pem.extend_from_slice(&chain);
        let identity = Identity::from_pem(&pem).map_err(|e| {
            refusal(
                key,
                format!("holds no private key this service can read: {}", causes(&e)),
            )
        })?;
        probe(Client::builder().identity(identity.clone())).map_err(|e| {
            refusal(
                key,
                format!(
                    "holds a key that cannot be used with `{}`: {e}",
                    cert.setting
                ),
            )
        })?;
        self.identity = Some(identity);
        Ok(self)
    }

    /// `builder` with these roots and this identity.
    pub(crate) fn apply(&self, mut builder: ClientBuilder) -> ClientBuilder {
        for root in &self.roots {
            builder = builder.add_root_certificate(root.clone());
        }
        if let Some(identity) = &self.identity {
            builder = builder.identity(identity.clone());
        }
        builder
    }
}

/// Checks `SSL_CERT_FILE` and `SSL_CERT_DIR`, when set, as every outbound client will read
/// them: the client would take an unreadable file for an empty store and fail each call with
/// an unknown issuer, far from the cause. Answers how many certificates they hold (`None`
/// when neither is set: the operating system's store is used).
///
/// # Errors
/// When `SSL_CERT_FILE` cannot be read or holds no certificate, or a directory of
/// `SSL_CERT_DIR` or a file in it cannot be read.
pub fn check_system_roots() -> Result<Option<usize>, TlsFileError> {
    let file = std::env::var_os(SSL_CERT_FILE).map(PathBuf::from);
    let dirs: Vec<PathBuf> = std::env::var_os(SSL_CERT_DIR)
        .map(|dirs| std::env::split_paths(&dirs).collect())
        .unwrap_or_default();
    let dirs: Vec<PathBuf> = dirs
        .into_iter()
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    if file.is_none() && dirs.is_empty() {
        return Ok(None);
    }
    let mut count = 0;
    if let Some(path) = &file {
        let loaded = rustls_native_certs::load_certs_from_paths(Some(path), None);
        let named = PemFile {
            setting: SSL_CERT_FILE,
            path,
        };
        if let Some(error) = loaded.errors.first() {
            return Err(refusal(named, format!("cannot be read: {error}")));
        }
        if loaded.certs.is_empty() {
            return Err(refusal(named, "holds no PEM certificate".into()));
        }
        count += loaded.certs.len();
    }
    for dir in &dirs {
        let loaded = rustls_native_certs::load_certs_from_paths(None, Some(dir));
        if let Some(error) = loaded.errors.first() {
            let named = PemFile {
                setting: SSL_CERT_DIR,
                path: dir,
            };
            return Err(refusal(named, format!("cannot be read: {error}")));
        }
        count += loaded.certs.len();
    }
    Ok(Some(count))
}

/// The certificates of the PEM bundle `file`: at least one.
fn certificates(file: PemFile<'_>) -> Result<Vec<Certificate>, TlsFileError> {
    let pem = read(file)?;
    let certificates = Certificate::from_pem_bundle(&pem)
        .map_err(|e| refusal(file, format!("is not a PEM bundle: {}", causes(&e))))?;
    if certificates.is_empty() {
        return Err(refusal(file, "holds no PEM certificate".into()));
    }
    Ok(certificates)
}

fn read(file: PemFile<'_>) -> Result<Vec<u8>, TlsFileError> {
    std::fs::read(file.path).map_err(|e| refusal(file, format!("cannot be read: {e}")))
}

/// Builds a client that trusts nothing but what `builder` was given, to learn whether rustls
/// accepts it; the reason is the error's causes.
fn probe(builder: ClientBuilder) -> Result<(), String> {
    builder
        .tls_built_in_root_certs(false)
        .build()
        .map(drop)
        .map_err(|e| causes(&e))
}

/// An error and its sources in one line (reqwest's own message alone says "builder error").
fn causes(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

fn refusal(file: PemFile<'_>, reason: String) -> TlsFileError {
    TlsFileError {
        setting: file.setting,
        path: file.path.to_path_buf(),
        reason,
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
