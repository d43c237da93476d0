//! One level's value list, read from its JSON text in one tight pass.
//!
//! A flame graph is mostly these lists, and Pyroscope's Connect API writes every int64 as a
//! decimal string (the protobuf JSON mapping): read through serde, each element is a string
//! scanned for escapes, checked as UTF-8 and then parsed again. serde_json only skips the list
//! (it must, to find where it ends); this reads the digits once, as bytes.

/// Parses a JSON array of int64 values, each a JSON integer or a decimal string (an optional
/// sign, then digits). Anything else — fractions, exponents, `null`, escapes, a value outside
/// `i64` — is an error naming what was found.
pub(super) fn parse_int_array(text: &str) -> Result<Vec<i64>, String> {
    let mut r = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    r.skip_ws();
    r.expect(b'[')?;
    // Four values per node; a value takes at least two bytes (`0,`).
    let mut values = Vec::with_capacity(text.len() / 4);
    r.skip_ws();
    if r.peek() == Some(b']') {
        r.at += 1;
    } else {
        loop {
            r.skip_ws();
            values.push(r.int()?);
            r.skip_ws();
            match r.next() {
                Some(b',') => {}
                Some(b']') => break,
                other => return Err(r.unexpected(other, "`,` or `]`")),
            }
        }
    }
    r.skip_ws();
    match r.peek() {
        None => Ok(values),
        other => Err(r.unexpected(other, "the end of the list")),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        self.at += 1;
        b
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    fn expect(&mut self, want: u8) -> Result<(), String> {
        match self.next() {
            Some(b) if b == want => Ok(()),
            other => Err(self.unexpected(other, &format!("`{}`", want as char))),
        }
    }

    /// `123`, `-4`, `"123"`, `"-4"` or `"+5"`.
    fn int(&mut self) -> Result<i64, String> {
        let start = self.at;
        let quoted = self.peek() == Some(b'"');
        if quoted {
            self.at += 1;
        }
        let negative = self.peek() == Some(b'-');
        if negative || (quoted && self.peek() == Some(b'+')) {
            self.at += 1;
        }
        let rest = &self.bytes[self.at.min(self.bytes.len())..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        // Up to 19 digits fit a u64 without overflow; more are beyond int64 anyway.
        if digits == 0 || digits > 19 {
            return Err(self.invalid(start, "not an int64"));
        }
        let magnitude = rest[..digits]
            .iter()
            .fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        self.at += digits;
        if quoted {
            if self.peek() != Some(b'"') {
                return Err(self.invalid(start, "not an int64"));
            }
            self.at += 1;
        } else if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return Err(self.invalid(start, "not an int64"));
        }
        let value = if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        };
        value.ok_or_else(|| self.invalid(start, "a value beyond int64"))
    }

    fn invalid(&self, start: usize, what: &str) -> String {
        let end = (start + 24).min(self.bytes.len());
        let near = String::from_utf8_lossy(&self.bytes[start..end]);
        format!("invalid level value at byte {start} ({what}): `{near}`")
    }

    fn unexpected(&self, found: Option<u8>, want: &str) -> String {
        match found {
            Some(b) => format!(
                "invalid level list at byte {}: expected {want}, found `{}`",
                self.at.saturating_sub(1),
                b.escape_ascii()
            ),
            None => format!("invalid level list: expected {want}, found the end"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_int_array;

    #[test]
    fn numbers_and_decimal_strings_are_read_alike() {
        let text =
            r#" [ "0", 9000000000 ,"-3","+4", -9223372036854775808, "9223372036854775807"] "#;
        assert_eq!(
            parse_int_array(text).unwrap(),
            vec![0, 9_000_000_000, -3, 4, i64::MIN, i64::MAX]
        );
        assert_eq!(parse_int_array("[]").unwrap(), Vec::<i64>::new());
        assert_eq!(parse_int_array("[ \n]").unwrap(), Vec::<i64>::new());
    }

    #[test]
    fn anything_but_an_int64_is_refused() {
        for bad in [
            "[1.5]",
            r#"["1.5"]"#,
            "[1e3]",
            r#"["abc"]"#,
            "[true]",
            "[null]",
            r#"[""]"#,
            "[9223372036854775808]",
            r#"["-9223372036854775809"]"#,
            "[+5]",
            r#"["\u0031"]"#,
            "[1,]",
            "[1 2]",
            "[1",
            "1]",
            "[1]x",
            r#"["1]"#,
            "[-]",
            "[--1]",
        ] {
            assert!(parse_int_array(bad).is_err(), "{bad}");
        }
    }
}
