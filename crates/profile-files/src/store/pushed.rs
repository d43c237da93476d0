//! What a push becomes, whatever route it came by (`pf-ingest` reads them), and what the store
//! keeps: [`Pushed`], its [`LabelSet`], and why a
//! push is refused.

use std::collections::BTreeMap;

use pf_model::{AppName, InputError};

/// One profile as an agent pushed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pushed {
    pub app: AppName,
    /// The push's labels (the `name` tags, the Connect series labels): every sample gets them.
    pub labels: LabelSet,
    /// `[from, until)` in epoch seconds when the push said; else the pprof's own time.
    pub window: Option<(i64, i64)>,
    /// The pprof, gzip or raw, as sent.
    pub pprof: bytes::Bytes,
}

/// Labels by name. Names are made selectable (docs/gate.md#comparing-a-canary:
/// `[a-zA-Z_][a-zA-Z0-9_]*`, other characters as `_`, so `service.name` is `service_name`); empty
/// names and values are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSet(BTreeMap<String, String>);

impl LabelSet {
    /// Adds `name = value` (a later value of the same name wins).
    pub fn insert(&mut self, name: &str, value: &str) {
        let name = label_name(name);
        if !name.is_empty() && !value.is_empty() {
            self.0.insert(name, value.to_owned());
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Takes `name` out, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// Every label, sorted by name.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// `raw` as a label name: letters, digits and `_`, not starting with a digit.
pub fn label_name(raw: &str) -> String {
    let mut name: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// Why a push is refused; nothing of a refused push is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// The app name is not one (400, `invalid_app_name`): the same refusal at every door.
    #[error(transparent)]
    AppName(InputError),
    /// The body or the query cannot be read (400).
    #[error("{0}")]
    Malformed(String),
    /// A format the service does not read (415).
    #[error("{0}")]
    Unsupported(String),
    /// Valid, but not something the service keeps (422).
    #[error("{0}")]
    Unprocessable(String),
    /// Larger than a bound, as sent or decompressed (413).
    #[error("{0}")]
    TooLarge(String),
    /// Dated where no profile can be: later than a little past now, or before the store's
    /// retention (400, `profile_out_of_range`), as Pyroscope refuses them.
    #[error("{0}")]
    OutOfRange(String),
}

/// `raw` as the app of a push: the one rule for an app name, as every route reads it.
pub fn pushed_app(raw: &str) -> Result<AppName, IngestError> {
    raw.parse().map_err(IngestError::AppName)
}
