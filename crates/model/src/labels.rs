//! Label selectors (docs/gate.md#comparing-a-canary): Prometheus matchers that narrow a profile to
//! some of an app's series, e.g. `version="1.4.2",region=~"eu-.*"`. One parser for every route:
//! names are checked, values unescaped exactly once and escaped exactly once on the way out,
//! regexes compiled; anything else is refused before a query is built.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::InputError;

/// Longest selector accepted, in bytes.
pub const MAX_SELECTOR_LEN: usize = 1024;

/// How a matcher compares a label's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One matcher: a label name, an operator and the value as meant (unescaped).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

impl fmt::Display for Matcher {
    /// `name op "value"`, the value escaped for a double-quoted selector string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}\"", self.name, self.op.as_str())?;
        for c in self.value.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '"' => f.write_str("\\\"")?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

/// The regex as Pyroscope applies it: anchored at both ends, as in Prometheus.
fn anchored(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!("^(?:{pattern})$"))
}

/// Matchers joined by "and", in the order given; empty selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelSelector(Vec<Matcher>);

impl LabelSelector {
    /// Reads `field`'s text (`None` or blank: no matchers).
    ///
    /// # Errors
    /// `invalid_labels`, naming the field and the bad matcher, for anything that is not a list
    /// of `name op "value"` matchers with a valid name, a known operator, a properly quoted and
    /// escaped value without control characters, and (for `=~`, `!~`) a regex that compiles.
    pub fn parse(raw: Option<&str>, field: &str) -> Result<Self, InputError> {
        let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
            return Ok(LabelSelector::default());
        };
        if raw.len() > MAX_SELECTOR_LEN {
            return Err(invalid(
                field,
                raw,
                &format!("longer than {MAX_SELECTOR_LEN} bytes"),
            ));
        }
        // Whitespace between matchers is spaces and tabs: a newline or another control
        // character has no business in a selector, quoted or not.
        if let Some(c) = raw
            .chars()
            .find(|c| c.is_control() && *c != ' ' && *c != '\t')
        {
            return Err(invalid(
                field,
                excerpt(raw),
                &format!("control character `{}`", c.escape_debug()),
            ));
        }
        let mut rest = raw.trim_start();
        let mut matchers = Vec::new();
        loop {
            let start = rest;
            let (matcher, after) = one(rest).map_err(|why| invalid(field, excerpt(start), &why))?;
            matchers.push(matcher);
            rest = after.trim_start();
            match rest.strip_prefix(',') {
                Some(next) if !next.trim().is_empty() => rest = next.trim_start(),
                Some(_) => break,
                None if rest.is_empty() => break,
                None => {
                    return Err(invalid(
                        field,
                        excerpt(start),
                        &format!("expected `,` or the end, found `{}`", excerpt(rest)),
                    ))
                }
            }
        }
        Ok(LabelSelector(matchers))
    }

    /// A selector of `matchers`, checked by whoever made them.
    pub fn of(matchers: Vec<Matcher>) -> Self {
        LabelSelector(matchers)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The written form, or `None` when there are no matchers (as stored with a record).
    pub fn text(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_string())
    }

    pub fn matchers(&self) -> &[Matcher] {
        &self.0
    }

    /// Both selectors' matchers: what one side of a comparison reads.
    pub fn and(&self, other: &LabelSelector) -> LabelSelector {
        LabelSelector(self.0.iter().chain(&other.0).cloned().collect())
    }
}

/// A selector ready to test many label sets: its regexes compiled once.
pub struct LabelFilter(Vec<(String, MatchOp, Value)>);

enum Value {
    Text(String),
    Pattern(regex::Regex),
}

impl LabelSelector {
    /// The filter that applies these matchers (a regex that does not compile, which `parse`
    /// refuses, matches nothing).
    pub fn filter(&self) -> LabelFilter {
        LabelFilter(
            self.0
                .iter()
                .map(|m| {
                    let value = match m.op {
                        MatchOp::Equal | MatchOp::NotEqual => Value::Text(m.value.clone()),
                        MatchOp::Regex | MatchOp::NotRegex => match anchored(&m.value) {
                            Ok(re) => Value::Pattern(re),
                            Err(_) => Value::Text(String::new()),
                        },
                    };
                    (m.name.clone(), m.op, value)
                })
                .collect(),
        )
    }
}

impl LabelFilter {
    /// Whether a label set, read through `label` (absent counts as `""`, as in Prometheus),
    /// passes every matcher.
    pub fn matches<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|(name, op, value)| {
            let actual = label(name).unwrap_or("");
            let hit = match value {
                Value::Text(v) => actual == v,
                Value::Pattern(re) => re.is_match(actual),
            };
            hit == matches!(op, MatchOp::Equal | MatchOp::Regex)
        })
    }
}

impl fmt::Display for LabelSelector {
    /// The matchers as a selector's inside: `version="1.4.2",region=~"eu-.*"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

impl Serialize for LabelSelector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LabelSelector {
    /// Reads the written form back, checked like any input.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        LabelSelector::parse(Some(&raw), "labels").map_err(serde::de::Error::custom)
    }
}

fn invalid(field: &str, matcher: &str, why: &str) -> InputError {
    InputError::new(
        "invalid_labels",
        format!("{field}: bad matcher `{matcher}`: {why}"),
    )
}

/// At most 60 characters of `s`, for messages.
fn excerpt(s: &str) -> &str {
    let end = s.char_indices().nth(60).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Whether `name` is a label name as Prometheus and Pyroscope spell them.
pub fn is_label_name(name: &str) -> bool {
    !name.is_empty() && label_name_len(name) == name.len()
}

/// Bytes of the label name at the start of `s` (0: none).
fn label_name_len(s: &str) -> usize {
    s.char_indices()
        .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(s.len(), |(i, _)| i)
}

/// One matcher at the start of `s`, and what follows it.
fn one(s: &str) -> Result<(Matcher, &str), String> {
    let name_len = label_name_len(s);
    if name_len == 0 {
        return Err("a label name ([a-zA-Z_][a-zA-Z0-9_]*) must come first".into());
    }
    let (name, rest) = s.split_at(name_len);
    let rest = rest.trim_start();
    let (op, rest) = [
        ("=~", MatchOp::Regex),
        ("!~", MatchOp::NotRegex),
        ("!=", MatchOp::NotEqual),
        ("=", MatchOp::Equal),
    ]
    .into_iter()
    .find_map(|(token, op)| rest.strip_prefix(token).map(|r| (op, r)))
    .ok_or("the operator must be one of =, !=, =~, !~")?;
    let (value, rest) = quoted(rest.trim_start())?;
    if matches!(op, MatchOp::Regex | MatchOp::NotRegex) {
        anchored(&value).map_err(|e| format!("the regex does not compile: {e}"))?;
    }
    let matcher = Matcher {
        name: name.to_owned(),
        op,
        value,
    };
    Ok((matcher, rest))
}

/// A double-quoted value with `\"` and `\\` escapes, unescaped; and what follows it.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let body = s
        .strip_prefix('"')
        .ok_or("the value must be a double-quoted string")?;
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &body[i + 1..])),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => value.push(e),
                Some((_, e)) => return Err(format!("unknown escape `\\{}`", e.escape_debug())),
                None => break,
            },
            c if c.is_control() => {
                return Err(format!(
                    "control character `{}` in the value",
                    c.escape_debug()
                ))
            }
            c => value.push(c),
        }
    }
    Err("the value's closing quote is missing".into())
}

#[path = "labels_split.rs"]
mod split;

#[cfg(test)]
#[path = "labels_tests.rs"]
mod tests;
