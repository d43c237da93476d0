//! A pull reader for the JSON of a flame graph, in one pass over the bytes.
//!
//! A flame graph is mostly its level lists, and Pyroscope's Connect API writes every int64 in
//! them as a decimal string (the protobuf JSON mapping). Through serde each element is a
//! string, scanned for escapes, checked as UTF-8 and then parsed again, and keeping serde for
//! the document while reading the lists by hand still scans them twice (serde_json must skip a
//! value to find its end). This reader walks the document itself and reads the digits once, as
//! bytes. It leaves to serde_json only what is rare: strings with escapes, and the values of
//! fields it does not know, which serde_json skips (and so checks) as it would anyway.
//!
//! Errors are `serde_json::Error`s (built with `de::Error::custom`) that name the byte offset,
//! so the parsers report every malformed document as [`super::FlamegraphError::Json`].

use std::borrow::Cow;

use serde::de::{Error as _, IgnoredAny};

use super::digits::{leading_digits, short_values, POW10};

pub(super) type Error = serde_json::Error;

pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    /// The next byte that is not white space, without consuming it.
    pub(super) fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.at) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    fn expect(&mut self, want: u8) -> Result<(), Error> {
        match self.peek() {
            Some(b) if b == want => {
                self.at += 1;
                Ok(())
            }
            found => Err(self.unexpected(found, &format!("`{}`", want as char))),
        }
    }

    /// Consumes `null` if it comes next; `Ok(false)` leaves anything else for the caller.
    pub(super) fn null(&mut self) -> Result<bool, Error> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        if self.bytes[self.at..].starts_with(b"null") {
            self.at += 4;
            Ok(true)
        } else {
            Err(self.error("expected `null`"))
        }
    }

    /// Reads an object, calling `field` with each key; `field` must read the key's value.
    pub(super) fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut more = self.open(b'{', b'}')?;
        while more {
            let key = self.string()?;
            self.expect(b':')?;
            field(self, &key)?;
            more = self.next_item(b'}')?;
        }
        Ok(())
    }

    /// Reads an array, calling `item` once per element; `item` must read the element.
    pub(super) fn array(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut more = self.open(b'[', b']')?;
        while more {
            item(self)?;
            more = self.next_item(b']')?;
        }
        Ok(())
    }

    /// Appends an array of int64 values (see [`Reader::int`]) to `out`. This is the hot loop:
    /// most values, with their `,`, are read from one word each ([`short_values`]), so an item
    /// of the array here is such a run and then the one value it could not take (often the
    /// list's last), whose separator [`Reader::array`] reads.
    pub(super) fn ints(&mut self, out: &mut Vec<i64>) -> Result<(), Error> {
        self.array(|r| {
            r.at += short_values(r.bytes.get(r.at..).unwrap_or_default(), out);
            out.push(r.int()?);
            Ok(())
        })
    }

    /// Consumes the `open`ing bracket, and a `close` right after it: whether items follow.
    fn open(&mut self, open: u8, close: u8) -> Result<bool, Error> {
        self.expect(open)?;
        let empty = self.peek() == Some(close);
        self.at += usize::from(empty);
        Ok(!empty)
    }

    /// Consumes what follows an item: `,` (another item follows) or `close` (none does).
    fn next_item(&mut self, close: u8) -> Result<bool, Error> {
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.at += 1;
                Ok(false)
            }
            found => Err(self.unexpected(found, &format!("`,` or `{}`", close as char))),
        }
    }

    /// A JSON string, borrowed from the input unless it holds escapes (which serde_json
    /// decodes).
    pub(super) fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        let start = self.at;
        self.expect(b'"')?;
        let body = self.at;
        let mut escaped = false;
        loop {
            match self.bytes.get(self.at) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.at += 2;
                }
                Some(&b) if b < 0x20 => return Err(self.error("control character in a string")),
                Some(_) => self.at += 1,
            }
        }
        self.at += 1;
        if escaped {
            let quoted = &self.bytes[start..self.at];
            return serde_json::from_slice::<String>(quoted).map(Cow::Owned);
        }
        std::str::from_utf8(&self.bytes[body..self.at - 1])
            .map(Cow::Borrowed)
            .map_err(|_| self.error("a string that is not UTF-8"))
    }

    /// `123`, `-4`, `"123"`, `"-4"` or `"+5"`: an int64 as a JSON integer or, per the protobuf
    /// JSON mapping, a decimal string. Fractions, exponents, escapes, `null` and values beyond
    /// int64 are refused.
    pub(super) fn int(&mut self) -> Result<i64, Error> {
        self.peek();
        let bytes = self.bytes;
        let start = self.at;
        let mut at = start;
        let quoted = bytes.get(at) == Some(&b'"');
        at += usize::from(quoted);
        let negative = bytes.get(at) == Some(&b'-');
        at += usize::from(negative || (quoted && bytes.get(at) == Some(&b'+')));
        let first_digit = at;
        let mut magnitude = 0u64;
        loop {
            let (value, count) = leading_digits(&bytes[at.min(bytes.len())..]);
            // Eight digits fit a u32, so the product cannot wrap before 19 digits are read.
            magnitude = magnitude.wrapping_mul(POW10[count]).wrapping_add(value);
            at += count;
            if count < 8 || at - first_digit > 19 {
                break;
            }
        }
        // Up to 19 digits fit a u64 without wrapping; more are beyond int64 anyway.
        let digits = at - first_digit;
        let closed = if quoted {
            let closed = bytes.get(at) == Some(&b'"');
            at += usize::from(closed);
            closed
        } else {
            !matches!(bytes.get(at), Some(b'.' | b'e' | b'E'))
        };
        self.at = at;
        if digits == 0 || digits > 19 || !closed {
            return Err(self.invalid(start, "not an int64"));
        }
        let value = if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        };
        value.ok_or_else(|| self.invalid(start, "a value beyond int64"))
    }

    /// Skips one value of any shape, which serde_json reads (and so checks) to find its end.
    pub(super) fn skip(&mut self) -> Result<(), Error> {
        let rest = &self.bytes[self.at..];
        let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<IgnoredAny>();
        match values.next() {
            Some(Ok(IgnoredAny)) => {
                self.at += values.byte_offset();
                Ok(())
            }
            Some(Err(e)) => Err(e),
            None => Err(self.error("expected a value, found the end")),
        }
    }

    /// Succeeds when nothing but white space is left.
    pub(super) fn end(mut self) -> Result<(), Error> {
        match self.peek() {
            None => Ok(()),
            found => Err(self.unexpected(found, "the end of the document")),
        }
    }

    /// How far the reader has come, in bytes.
    pub(super) fn position(&self) -> usize {
        self.at
    }

    fn error(&self, what: &str) -> Error {
        Error::custom(format!("{what} at byte {}", self.at))
    }

    fn invalid(&self, start: usize, what: &str) -> Error {
        let end = (start + 24).min(self.bytes.len());
        let near = String::from_utf8_lossy(&self.bytes[start..end]);
        Error::custom(format!("invalid value at byte {start} ({what}): `{near}`"))
    }

    fn unexpected(&self, found: Option<u8>, want: &str) -> Error {
        match found {
            Some(b) => Error::custom(format!(
                "expected {want} at byte {}, found `{}`",
                self.at,
                b.escape_ascii()
            )),
            None => Error::custom(format!("expected {want}, found the end")),
        }
    }
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
