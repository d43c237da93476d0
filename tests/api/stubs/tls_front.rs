//! HTTPS in front of a plain-HTTP stand-in: a private CA made in the test, a server certificate
//! it signed for 127.0.0.1, and a TLS-terminating proxy that forwards every connection to the
//! stand-in — optionally asking the client for a certificate signed by another CA, as a
//! company's gateway does.
//!
//! ```ignore
//! let ca = TestCa::new("Company CA");
//! let front = TlsFront::start(&standin.url(), &ca, None).await;
//! // the service reaches `front.url()` once it trusts `ca.pem`
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{crypto, RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;
use url::Url;

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    /// Its certificate in PEM: what a client is told to trust.
    pub pem: String,
}

/// A certificate signed by a [`TestCa`], with its key.
pub struct Issued {
    der: CertificateDer<'static>,
    key_der: Vec<u8>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("a CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).expect("a self-signed CA");
        TestCa {
            pem: cert.pem(),
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate for `names` (host names, or IP addresses such as `127.0.0.1`).
    pub fn issue(&self, names: &[&str]) -> Issued {
        let key = KeyPair::generate().expect("a key");
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let params = CertificateParams::new(names).expect("certificate parameters");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("a signed certificate");
        Issued {
            der: cert.der().clone(),
            key_der: key.serialize_der(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// Writes `content` to `dir/name` and answers its path.
pub fn write_pem(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("a PEM file is written");
    path
}

/// The proxy; stops accepting when dropped.
pub struct TlsFront {
    port: u16,
    refusals: Arc<Mutex<Vec<String>>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl TlsFront {
    /// Serves HTTPS for 127.0.0.1 with a certificate `ca` signed, forwarding to `upstream`
    /// (`http://127.0.0.1:<port>/`). With `client_ca`, a client must present a certificate
    /// that CA signed, or the handshake fails.
    pub async fn start(upstream: &Url, ca: &TestCa, client_ca: Option<&TestCa>) -> Self {
        let upstream = format!(
            "{}:{}",
            upstream.host_str().expect("the stand-in's host"),
            upstream
                .port_or_known_default()
                .expect("the stand-in's port")
        );
        let acceptor = TlsAcceptor::from(Arc::new(server_config(ca, client_ca)));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("its address").port();
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&refusals);
        let accepting = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, upstream, seen) = (acceptor.clone(), upstream.clone(), seen.clone());
                tokio::spawn(async move {
                    let mut tls = match acceptor.accept(tcp).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                            seen.push(e.to_string());
                            return;
                        }
                    };
                    if let Ok(mut plain) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                });
            }
        });
        TlsFront {
            port,
            refusals,
            accepting,
        }
    }

    /// `https://127.0.0.1:<port>/`.
    pub fn url(&self) -> Url {
        Url::parse(&format!("https://127.0.0.1:{}/", self.port)).expect("the front's URL")
    }

    /// Why each refused handshake failed, as rustls put it on this side.
    pub fn refusals(&self) -> Vec<String> {
        let refusals = self.refusals.lock();
        refusals.unwrap_or_else(PoisonError::into_inner).clone()
    }
}

fn server_config(ca: &TestCa, client_ca: Option<&TestCa>) -> ServerConfig {
    let provider = Arc::new(crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("TLS versions");
    let builder = match client_ca {
        Some(client_ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(client_ca.der.clone()).expect("the client CA");
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("a client verifier");
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let server = ca.issue(&["127.0.0.1", "localhost"]);
    let key = PrivateKeyDer::Pkcs8(server.key_der.into());
    builder
        .with_single_cert(vec![server.der], key)
        .expect("the server's certificate")
}
