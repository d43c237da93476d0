//! Token-aware name matching for the triage rules: pattern kinds and their compiled form. Pure.

use serde::Deserialize;

use crate::profile::separator_form;

/// One way a function name can match a category (see the header of `config/triage-rules.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Pattern {
    Contains(String),
    Segment(String),
    Prefix(String),
    Suffix(String),
}

/// A pattern prepared for matching: tokenised once at load time.
#[derive(Debug, Clone)]
pub enum Matcher {
    Contains(String),
    Tokens {
        kind: TokenKind,
        tokens: Vec<String>,
    },
}

/// How a token pattern's edges are compared; inner tokens always compare whole.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TokenKind {
    /// Every token equal.
    Segment,
    /// The last token only has to start the name's token.
    Prefix,
    /// The first token only has to end the name's token.
    Suffix,
}

/// A function name in the form patterns are matched against.
pub struct MatchName {
    /// The name with `/` and `::` read as `.`.
    form: String,
    tokens: Vec<String>,
}

impl MatchName {
    /// Prepares a name as Pyroscope gave it.
    pub fn new(name: &str) -> Self {
        let form = separator_form(name, false);
        let tokens = tokenize(&form).map(str::to_owned).collect();
        MatchName { form, tokens }
    }
}

impl Matcher {
    /// Whether the pattern's tokens appear as consecutive tokens of the name (or, for
    /// `Contains`, its text appears in the name's separator form).
    pub fn matches(&self, name: &MatchName) -> bool {
        match self {
            Matcher::Contains(needle) => name.form.contains(needle.as_str()),
            Matcher::Tokens { kind, tokens } => name.tokens.windows(tokens.len()).any(|window| {
                let last = tokens.len() - 1;
                window
                    .iter()
                    .zip(tokens)
                    .enumerate()
                    .all(|(i, (have, want))| match kind {
                        TokenKind::Prefix if i == last => have.starts_with(want.as_str()),
                        TokenKind::Suffix if i == 0 => have.ends_with(want.as_str()),
                        _ => have == want,
                    })
            }),
        }
    }
}

/// Splits a name into runs of letters, digits and `_`.
fn tokenize(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
}

/// Compiles a pattern as written in the rules file; `None` for one that could never match
/// (nothing to tokenise, or an empty substring).
pub fn compile_pattern(pattern: Pattern) -> Option<Matcher> {
    let (kind, text) = match pattern {
        Pattern::Contains(text) => {
            let form = separator_form(&text, false);
            return (!form.is_empty()).then_some(Matcher::Contains(form));
        }
        Pattern::Segment(text) => (TokenKind::Segment, text),
        Pattern::Prefix(text) => (TokenKind::Prefix, text),
        Pattern::Suffix(text) => (TokenKind::Suffix, text),
    };
    let tokens: Vec<String> = tokenize(&separator_form(&text, false))
        .map(str::to_owned)
        .collect();
    (!tokens.is_empty()).then_some(Matcher::Tokens { kind, tokens })
}
