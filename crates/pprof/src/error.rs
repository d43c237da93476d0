//! `PprofError`: why a profile file is skipped.

/// Why a file was skipped. [`PprofError::reason`] is its `reason` label in
/// `profile_files_skipped_total`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PprofError {
    #[error("cannot read the file: {0}")]
    Unreadable(String),
    #[error("not a pprof profile, nor gzip of one: {0}")]
    NotPprof(String),
    #[error("truncated: {0}")]
    Truncated(String),
    #[error("larger than {limit} bytes when decompressed")]
    TooLarge { limit: u64 },
    #[error("{what} {index} is out of range")]
    BadIndex { what: &'static str, index: u64 },
    #[error("a stack of {depth} frames is deeper than the limit of {limit}")]
    TooDeep { depth: usize, limit: usize },
    #[error("invalid profile: {0}")]
    Invalid(String),
}

impl PprofError {
    /// The metric label of this kind of failure.
    pub fn reason(&self) -> &'static str {
        match self {
            PprofError::Unreadable(_) => "unreadable",
            PprofError::NotPprof(_) => "not_pprof",
            PprofError::Truncated(_) => "truncated",
            PprofError::TooLarge { .. } => "too_large",
            PprofError::BadIndex { .. } => "bad_index",
            PprofError::TooDeep { .. } => "too_deep",
            PprofError::Invalid(_) => "invalid",
        }
    }
}
