//! The credentials sent with every Pyroscope request, and the TLS its connections trust and
//! present (docs/at-scale.md#behind-a-company-ca).

use reqwest::RequestBuilder;
use secrecy::{ExposeSecret, SecretString};

use pf_infra::tls::{PeerTls, PemFile, TlsFileError};
use pf_profiles::PyroscopeSettings;

/// The system's roots plus `pyroscope.ca_file`, and the client certificate when one is set.
///
/// # Errors
/// When a file cannot serve, naming its setting and its path.
pub(super) fn tls(settings: &PyroscopeSettings) -> Result<PeerTls, TlsFileError> {
    let mut tls = PeerTls::default();
    if let Some(path) = &settings.ca_file {
        tls = tls.trust(PemFile {
            setting: "pyroscope.ca_file",
            path,
        })?;
    }
    if let (Some(cert), Some(key)) = (&settings.client_cert, &settings.client_key) {
        let cert = PemFile {
            setting: "pyroscope.client_cert",
            path: cert,
        };
        let key = PemFile {
            setting: "pyroscope.client_key",
            path: key,
        };
        tls = tls.present(cert, key)?;
    }
    Ok(tls)
}

/// Credentials sent with every request.
pub(super) enum Auth {
    None,
    Basic {
        username: String,
        password: Option<SecretString>,
    },
    Bearer(SecretString),
}

impl Auth {
    /// Basic auth when a username is set, else a bearer token when one is, else none.
    pub(super) fn from_settings(settings: &PyroscopeSettings) -> Self {
        match (&settings.username, &settings.bearer_token) {
            (Some(username), bearer) if !username.is_empty() => {
                if bearer.is_some() {
                    tracing::warn!("both pyroscope.username and pyroscope.bearer_token are set; using basic auth");
                }
                Auth::Basic {
                    username: username.clone(),
                    password: settings.password.clone(),
                }
            }
            (_, Some(token)) => Auth::Bearer(token.clone()),
            _ => Auth::None,
        }
    }

    /// `request` with these credentials.
    pub(super) fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Auth::None => request,
            Auth::Basic { username, password } => request.basic_auth(
                username,
                password.as_ref().map(|p| p.expose_secret().to_owned()),
            ),
            Auth::Bearer(token) => request.bearer_auth(token.expose_secret()),
        }
    }
}
