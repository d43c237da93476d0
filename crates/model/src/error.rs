//! `InputError`: what the domain says about a value it refuses. The HTTP edge turns it into a 400.

/// A refused input: a stable machine code (`invalid_limit`, `invalid_app_name`, …) and a
/// message for humans that names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    code: &'static str,
    message: String,
}

impl InputError {
    /// A refusal with machine code `code`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        InputError {
            code,
            message: message.into(),
        }
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The same refusal with `context` in front of its message, e.g. `baseline window: …`.
    pub fn within(self, context: &str) -> Self {
        InputError {
            code: self.code,
            message: format!("{context}: {}", self.message),
        }
    }
}
