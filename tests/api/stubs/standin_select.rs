//! The stand-in's reading of what a query names: Prometheus label selectors (as Pyroscope's
//! `ParseMetricSelector` reads them) and profile-type IDs (`ParseProfileTypeSelector`).

use std::collections::BTreeMap;

/// `=`, `!=`, `=~`, `!~`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// One matcher; a regex is anchored at both ends, as in Prometheus.
#[derive(Clone, Debug)]
struct Matcher {
    name: String,
    op: Op,
    value: String,
    pattern: Option<regex::Regex>,
}

/// Matchers joined by "and"; none selects every series.
#[derive(Clone, Debug, Default)]
pub struct Selector(Vec<Matcher>);

impl Selector {
    /// `{name="value", other=~"re.*"}`, or `metric{…}` (a `__name__` matcher), as Prometheus
    /// writes selectors: values in double, single or back quotes; `{}` selects everything; an
    /// empty text is refused, as Pyroscope refuses it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("unexpected end of input".into());
        }
        let mut matchers = Vec::new();
        let (metric, mut rest) = name_at(text, true);
        if !metric.is_empty() {
            matchers.push(Matcher::new("__name__", Op::Equal, metric)?);
            rest = rest.trim_start();
            if rest.is_empty() {
                return Ok(Selector(matchers));
            }
        }
        rest = rest.strip_prefix('{').ok_or("expected `{`")?;
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let (name, after) = name_at(rest, false);
            if name.is_empty() {
                return Err(format!("unexpected `{}` in a label matcher", excerpt(rest)));
            }
            rest = after.trim_start();
            let (op, after) = [
                ("=~", Op::Regex),
                ("!~", Op::NotRegex),
                ("!=", Op::NotEqual),
                ("=", Op::Equal),
            ]
            .into_iter()
            .find_map(|(text, op)| rest.strip_prefix(text).map(|after| (op, after)))
            .ok_or_else(|| format!("expected an operator after `{name}`"))?;
            let (value, after) = quoted(after.trim_start())?;
            matchers.push(Matcher::new(name, op, &value)?);
            rest = after.trim_start();
            match rest.strip_prefix(',') {
                Some(after) => rest = after,
                None if rest.starts_with('}') => {}
                None => return Err(format!("expected `,` or `}}`, found `{}`", excerpt(rest))),
            }
        }
        if !rest.trim().is_empty() {
            return Err(format!("unexpected `{}` after the selector", excerpt(rest)));
        }
        Ok(Selector(matchers))
    }

    /// A selector of one `name="value"` matcher.
    pub fn equal(name: &str, value: &str) -> Self {
        Selector(vec![Matcher {
            name: name.to_owned(),
            op: Op::Equal,
            value: value.to_owned(),
            pattern: None,
        }])
    }

    /// This selector's matchers and `other`'s.
    pub fn and(mut self, other: Selector) -> Self {
        self.0.extend(other.0);
        self
    }

    /// Whether a series' labels pass every matcher (an absent label reads as `""`).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|m| {
            let actual = labels.get(&m.name).map_or("", String::as_str);
            let hit = match &m.pattern {
                Some(re) => re.is_match(actual),
                None => actual == m.value,
            };
            hit == matches!(m.op, Op::Equal | Op::Regex)
        })
    }
}

impl Matcher {
    fn new(name: &str, op: Op, value: &str) -> Result<Self, String> {
        let pattern = match op {
            Op::Regex | Op::NotRegex => Some(
                regex::Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("bad regex `{value}`: {e}"))?,
            ),
            Op::Equal | Op::NotEqual => None,
        };
        Ok(Matcher {
            name: name.to_owned(),
            op,
            value: value.to_owned(),
            pattern,
        })
    }
}

/// The label (or, with `metric`, metric) name at the start of `s`, and what follows it.
fn name_at(s: &str, metric: bool) -> (&str, &str) {
    let end = s
        .char_indices()
        .find(|&(i, c)| {
            let letter = c.is_ascii_alphabetic() || c == '_' || (metric && c == ':');
            !(letter || (i > 0 && c.is_ascii_digit()))
        })
        .map_or(s.len(), |(i, _)| i);
    s.split_at(end)
}

/// The string literal at the start of `s`, unescaped, and what follows it.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let quote = s
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))
        .ok_or_else(|| format!("expected a quoted value, found `{}`", excerpt(s)))?;
    let mut value = String::new();
    let mut chars = s[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((value, &s[1 + i + 1..])),
            '\\' if quote != '`' => {
                let (_, escaped) = chars.next().ok_or("unterminated quoted string")?;
                value.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '\\' | '"' | '\'' => escaped,
                    other => return Err(format!("unknown escape sequence `\\{other}`")),
                });
            }
            c => value.push(c),
        }
    }
    Err("unterminated quoted string".into())
}

fn excerpt(s: &str) -> &str {
    let end = s.char_indices().nth(20).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// `<name>:<sample type>:<sample unit>:<period type>:<period unit>[:delta]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileTypeId {
    pub id: String,
    pub name: String,
    pub sample_type: String,
    pub sample_unit: String,
    pub period_type: String,
    pub period_unit: String,
}

impl ProfileTypeId {
    /// Reads an ID as Pyroscope does: five parts, or six with `:delta`.
    pub fn parse(id: &str) -> Result<Self, String> {
        let parts: Vec<&str> = id.split(':').collect();
        if parts.len() != 5 && parts.len() != 6 {
            return Err(format!(
                "profile-type selection must be of the form <name>:<sample-type>:<sample-unit>:<period-type>:<period-unit>(:delta), got({}): {id:?}",
                parts.len()
            ));
        }
        Ok(ProfileTypeId {
            id: id.to_owned(),
            name: parts[0].to_owned(),
            sample_type: parts[1].to_owned(),
            sample_unit: parts[2].to_owned(),
            period_type: parts[3].to_owned(),
            period_unit: parts[4].to_owned(),
        })
    }

    /// The `__profile_type__="<first five parts>"` matcher the query frontend adds.
    pub fn selector(&self) -> Selector {
        let five = [
            &self.name,
            &self.sample_type,
            &self.sample_unit,
            &self.period_type,
            &self.period_unit,
        ]
        .map(String::as_str)
        .join(":");
        Selector::equal("__profile_type__", &five)
    }
}
