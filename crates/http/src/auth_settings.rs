//! Access control settings: API tokens by name, scope and SHA-256 digest, and the paths that
//! need none. No plaintext token is ever configured.

use std::collections::BTreeSet;

use serde::Deserialize;

/// The paths open without a token by default: the probes, the Swagger UI and its document.
/// Not `/metrics`: it names the functions of every app, so Prometheus scrapes it with a `read`
/// token (docs/at-scale.md#scraping-metrics-with-a-token).
/// An entry ending in `/` is a prefix; any other is one exact path.
pub const DEFAULT_EXEMPT: [&str; 5] = [
    "/health/live",
    "/health/ready",
    "/openapi.json",
    "/swagger-ui",
    "/swagger-ui/",
];

/// Who may call the API. No tokens: everything is open, as without this section.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// `auth.tokens`, or the env `API_TOKENS=name:scope:sha256hex[:team],…` (which replaces
    /// them).
    #[serde(default)]
    pub tokens: Vec<TokenSetting>,
    /// Paths answered without a token.
    #[serde(default = "default_exempt")]
    pub exempt: Vec<String>,
}

fn default_exempt() -> Vec<String> {
    DEFAULT_EXEMPT.iter().map(|p| (*p).to_owned()).collect()
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            tokens: Vec::new(),
            exempt: default_exempt(),
        }
    }
}

/// One API token: who it names, what it may do, the SHA-256 of its plaintext, and the team it
/// acts for, if any.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenSetting {
    /// What the audit records for it: a history record's `requestedBy`, a row's `createdBy`.
    pub name: String,
    pub scope: Scope,
    /// The hex SHA-256 of the token (`printf %s "$TOKEN" | sha256sum`).
    pub sha256: String,
    /// The team it is bound to: it changes only the apps the registry gives to this team
    /// (`teamOwner`). None: every app, as a token always could.
    #[serde(default)]
    pub team: Option<String>,
}

/// What a token may do: `read` only reads (GET, HEAD); `write` may also change (POST, PUT, …);
/// `admin` may besides delete history records and change an app's `teamOwner`; `ingest` may
/// only push profiles (the agents' routes), which `write` and `admin` may too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
    Admin,
    Ingest,
}

impl Scope {
    /// Whether it may change what the stores hold (`write` or `admin`).
    pub fn writes(self) -> bool {
        matches!(self, Scope::Write | Scope::Admin)
    }
}

impl TokenSetting {
    /// The digest as bytes; `None` unless it is 64 hex digits.
    pub fn digest(&self) -> Option<[u8; 32]> {
        let mut digest = [0u8; 32];
        hex::decode_to_slice(self.sha256.trim(), &mut digest).ok()?;
        Some(digest)
    }
}

/// Reads `API_TOKENS`. A bad entry is named by its position and, when it has one, its name;
/// never by its content, which could be a plaintext token pasted by mistake.
pub fn parse_env_tokens(raw: &str) -> Result<Vec<TokenSetting>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .enumerate()
        .map(|(i, entry)| {
            let parts: Vec<&str> = entry.split(':').map(str::trim).collect();
            let (name, scope, sha256, team) = match parts[..] {
                [name, scope, sha256] => (name, scope, sha256, None),
                [name, scope, sha256, team] => (name, scope, sha256, Some(team.to_owned())),
                _ => {
                    return Err(format!(
                        "entry {} must be name:scope:sha256hex or name:scope:sha256hex:team \
                         (three or four parts separated by `:`)",
                        i + 1
                    ))
                }
            };
            let scope = match scope {
                "read" => Scope::Read,
                "write" => Scope::Write,
                "admin" => Scope::Admin,
                "ingest" => Scope::Ingest,
                _ => {
                    return Err(format!(
                        "entry {} (`{name}`): the scope must be read, write, admin or ingest",
                        i + 1
                    ))
                }
            };
            Ok(TokenSetting {
                name: name.to_owned(),
                scope,
                sha256: sha256.to_owned(),
                team,
            })
        })
        .collect()
}

/// A token's or a team's name: 1 to 100 characters, none of them `:`, `,` or a control.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 100
        && !name.contains([':', ','])
        && !name.chars().any(char::is_control)
}

impl AuthSettings {
    /// The key and the reason of the first invalid value.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let mut names = BTreeSet::new();
        let mut digests = BTreeSet::new();
        for (i, token) in self.tokens.iter().enumerate() {
            let which = format!("token {} (`{}`)", i + 1, token.name);
            if !plain_name(&token.name) {
                return Err((
                    "auth.tokens",
                    format!("token {}: a name is 1 to 100 characters, without `:`, `,` or control characters", i + 1),
                ));
            }
            if token.team.as_deref().is_some_and(|team| !plain_name(team)) {
                return Err((
                    "auth.tokens",
                    format!("{which}: a team is 1 to 100 characters, without `:`, `,` or control characters"),
                ));
            }
            let Some(digest) = token.digest() else {
                return Err((
                    "auth.tokens",
                    format!("{which}: sha256 must be 64 hex digits"),
                ));
            };
            if !names.insert(token.name.as_str()) {
                return Err(("auth.tokens", format!("{which}: the name is used twice")));
            }
            if !digests.insert(digest) {
                return Err(("auth.tokens", format!("{which}: the digest is used twice")));
            }
        }
        if let Some(path) = self.exempt.iter().find(|p| !p.starts_with('/')) {
            return Err(("auth.exempt", format!("`{path}` must start with `/`")));
        }
        Ok(())
    }
}
