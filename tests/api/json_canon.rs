//! JSON compared by meaning, numbers of any size included: `1e308` and the 309 digits
//! PostgreSQL prints for it are one value, `{"b":1,"a":2}` and `{"a": 2, "b": 1}` are one
//! object. `serde_json::Value` cannot do this: it holds numbers as `f64`.

use std::collections::BTreeMap;

/// A JSON value with each number as an exact decimal (`[-]digits e exponent`, no zeros at
/// either end of the digits) and each object's keys in order (the last of duplicates wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canon {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Canon>),
    Object(BTreeMap<String, Canon>),
}

/// Parses JSON text; panics on text that is not JSON (a test bug).
pub fn canon(text: &str) -> Canon {
    let mut parser = Parser {
        text: text.as_bytes(),
        at: 0,
    };
    let value = parser.value();
    parser.space();
    assert_eq!(parser.at, text.len(), "trailing text in {text}");
    value
}

/// The exact decimal of a JSON number literal.
pub fn canon_number(literal: &str) -> String {
    let (negative, rest) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().expect("exponent")),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return "0".to_owned();
    }
    let significant = digits.trim_end_matches('0');
    let exponent = exponent - frac.len() as i64 + (digits.len() - significant.len()) as i64;
    let sign = if negative { "-" } else { "" };
    format!("{sign}{significant}e{exponent}")
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> u8 {
        self.space();
        self.text[self.at]
    }

    fn eat(&mut self, byte: u8) {
        assert_eq!(self.peek(), byte, "at {}", self.at);
        self.at += 1;
    }

    fn value(&mut self) -> Canon {
        match self.peek() {
            b'{' => {
                self.eat(b'{');
                let mut map = BTreeMap::new();
                while self.peek() != b'}' {
                    let key = self.string();
                    self.eat(b':');
                    map.insert(key, self.value());
                    if self.peek() == b',' {
                        self.eat(b',');
                    }
                }
                self.eat(b'}');
                Canon::Object(map)
            }
            b'[' => {
                self.eat(b'[');
                let mut items = Vec::new();
                while self.peek() != b']' {
                    items.push(self.value());
                    if self.peek() == b',' {
                        self.eat(b',');
                    }
                }
                self.eat(b']');
                Canon::Array(items)
            }
            b'"' => Canon::String(self.string()),
            b't' => self.word("true", Canon::Bool(true)),
            b'f' => self.word("false", Canon::Bool(false)),
            b'n' => self.word("null", Canon::Null),
            _ => {
                let start = self.at;
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|b| b"+-.eE0123456789".contains(b))
                {
                    self.at += 1;
                }
                let literal = std::str::from_utf8(&self.text[start..self.at]).expect("utf-8");
                Canon::Number(canon_number(literal))
            }
        }
    }

    fn word(&mut self, word: &str, value: Canon) -> Canon {
        assert!(self.text[self.at..].starts_with(word.as_bytes()));
        self.at += word.len();
        value
    }

    fn string(&mut self) -> String {
        self.space();
        let start = self.at;
        self.at += 1;
        while self.text[self.at] != b'"' {
            self.at += if self.text[self.at] == b'\\' { 2 } else { 1 };
        }
        self.at += 1;
        let token = std::str::from_utf8(&self.text[start..self.at]).expect("utf-8");
        serde_json::from_str(token).expect("a JSON string")
    }
}

#[test]
fn one_value_in_any_spelling() {
    assert_eq!(
        canon_number("1e308"),
        canon_number(&format!("1{}", "0".repeat(308)))
    );
    assert_eq!(canon_number("0.000123"), canon_number("1.23e-4"));
    assert_eq!(canon_number("-0"), canon_number("0.0"));
    assert_ne!(canon_number("1e400"), canon_number("1e399"));
    assert_ne!(canon_number("-5"), canon_number("5"));
    assert_eq!(
        canon(r#"{"b": [1, "\u00e9"], "a": null}"#),
        canon(r#"{"a":null,"b":[1.0,"é"]}"#)
    );
    assert_ne!(canon(r#"{"a": [1, 2]}"#), canon(r#"{"a": [2, 1]}"#));
}
