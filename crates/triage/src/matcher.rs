//! Token-aware name matching for the triage rules: pattern kinds, their compiled form, and an
//! index that tries a name only against the patterns its tokens could start. Pure.

use std::ops::Range;

use serde::Deserialize;

use pf_model::separator_form;

/// Most categories one profile type may have: a name's matches are a bit set in a `u64`.
pub const MAX_CATEGORIES: usize = 64;

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
    /// Where each token lies in `form`.
    tokens: Vec<Range<usize>>,
}

impl MatchName {
    /// Prepares a name as Pyroscope gave it.
    pub fn new(name: &str) -> Self {
        let form = separator_form(name, false);
        let tokens = tokenize(&form)
            .map(|t| {
                // `t` is a sub-slice of `form`, so its offset is the pointer difference.
                let start = t.as_ptr() as usize - form.as_ptr() as usize;
                start..start + t.len()
            })
            .collect();
        MatchName { form, tokens }
    }

    fn token(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |r| &self.form[r.clone()])
    }
}

impl Matcher {
    /// Whether the pattern's tokens appear as consecutive tokens of the name (or, for
    /// `Contains`, its text appears in the name's separator form).
    pub fn matches(&self, name: &MatchName) -> bool {
        match self {
            Matcher::Contains(needle) => name.form.contains(needle.as_str()),
            Matcher::Tokens { .. } => (0..name.tokens.len()).any(|at| self.matches_at(name, at)),
        }
    }

    /// Whether the pattern's tokens appear as consecutive tokens of the name from token `at`.
    fn matches_at(&self, name: &MatchName, at: usize) -> bool {
        let Matcher::Tokens { kind, tokens } = self else {
            return false;
        };
        if at + tokens.len() > name.tokens.len() {
            return false;
        }
        let last = tokens.len() - 1;
        tokens.iter().enumerate().all(|(i, want)| {
            let have = name.token(at + i);
            match kind {
                TokenKind::Prefix if i == last => have.starts_with(want.as_str()),
                TokenKind::Suffix if i == 0 => have.ends_with(want.as_str()),
                _ => have == want,
            }
        })
    }

    /// The byte every name token starting a match must begin with: the first byte of the first
    /// token, which compares whole or as a prefix. `None` when that token only has to end the
    /// name's token (`Suffix`) or the pattern is a plain substring.
    fn anchor(&self) -> Option<u8> {
        match self {
            Matcher::Tokens { kind, tokens } if *kind != TokenKind::Suffix => {
                tokens.first()?.bytes().next()
            }
            _ => None,
        }
    }
}

/// The compiled patterns of one profile type's categories, bucketed by anchor byte so that a
/// name token is tried only against the patterns that could start at it. With a few hundred
/// patterns this makes a profile's diagnosis some thirty times cheaper than trying every
/// pattern at every token.
#[derive(Debug, Clone)]
pub struct PatternIndex {
    /// `(category, matcher)` by anchor byte.
    anchored: Vec<Vec<(usize, Matcher)>>,
    /// Patterns without an anchor byte, tried against every name.
    unanchored: Vec<(usize, Matcher)>,
}

impl Default for PatternIndex {
    fn default() -> Self {
        PatternIndex {
            anchored: vec![Vec::new(); 256],
            unanchored: Vec::new(),
        }
    }
}

impl PatternIndex {
    /// Adds one of `category`'s patterns; `category` must be below [`MAX_CATEGORIES`].
    pub fn add(&mut self, category: usize, matcher: Matcher) {
        debug_assert!(category < MAX_CATEGORIES);
        match matcher.anchor() {
            Some(byte) => self.anchored[usize::from(byte)].push((category, matcher)),
            None => self.unanchored.push((category, matcher)),
        }
    }

    /// The categories with a pattern matching `name`: bit `c` is set for category `c`.
    pub fn categories(&self, name: &MatchName) -> u64 {
        let mut found = 0u64;
        for (at, range) in name.tokens.iter().enumerate() {
            let Some(&first) = name.form.as_bytes().get(range.start) else {
                continue;
            };
            for (category, matcher) in &self.anchored[usize::from(first)] {
                let bit = 1u64 << category;
                if found & bit == 0 && matcher.matches_at(name, at) {
                    found |= bit;
                }
            }
        }
        for (category, matcher) in &self.unanchored {
            let bit = 1u64 << category;
            if found & bit == 0 && matcher.matches(name) {
                found |= bit;
            }
        }
        found
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Tokens and separators the patterns below are built from, so that random names hit them.
    const WORDS: [&str; 12] = [
        "G1",
        "G1Young",
        "Unsafe",
        "park",
        "spark",
        "sync",
        "Mutex",
        "Lock",
        "runtime",
        "gc",
        "Deserializer",
        "é",
    ];
    const SEPARATORS: [&str; 6] = [".", "/", "::", "$", " ", "("];

    fn word() -> impl Strategy<Value = String> {
        prop::sample::select(WORDS.to_vec()).prop_map(str::to_owned)
    }

    fn name() -> impl Strategy<Value = String> {
        prop::collection::vec((word(), prop::sample::select(SEPARATORS.to_vec())), 0..6)
            .prop_map(|parts| parts.into_iter().map(|(w, s)| w + s).collect())
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(word(), 1..3).prop_map(|w| w.join("."))
    }

    fn pattern() -> impl Strategy<Value = Pattern> {
        prop_oneof![
            text().prop_map(Pattern::Segment),
            text().prop_map(Pattern::Prefix),
            text().prop_map(Pattern::Suffix),
            text().prop_map(Pattern::Contains),
        ]
    }

    proptest! {
        /// The index finds exactly the categories that trying every pattern everywhere finds.
        #[test]
        fn the_index_agrees_with_trying_every_pattern(
            patterns in prop::collection::vec((0usize..4, pattern()), 1..12),
            name in name(),
        ) {
            let mut index = PatternIndex::default();
            let mut expected = 0u64;
            let prepared = MatchName::new(&name);
            for (category, pattern) in patterns {
                let Some(matcher) = compile_pattern(pattern) else { continue };
                if matcher.matches(&prepared) {
                    expected |= 1 << category;
                }
                index.add(category, matcher);
            }
            prop_assert_eq!(index.categories(&prepared), expected);
        }
    }

    #[test]
    fn tokens_are_found_in_the_separator_form() {
        let name = MatchName::new("jdk/internal/misc/Unsafe.park");
        let tokens: Vec<&str> = (0..name.tokens.len()).map(|i| name.token(i)).collect();
        assert_eq!(tokens, ["jdk", "internal", "misc", "Unsafe", "park"]);
        assert_eq!(name.token(9), "");
    }
}
