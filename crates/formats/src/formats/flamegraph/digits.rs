//! Decimal digits read a word at a time.
//!
//! The digits of one level value number 1 to 19 and vary from value to value, so a loop per
//! digit mispredicts its exit on nearly every value. With eight bytes at hand these find the
//! digits and convert them in a few word operations, without a branch per digit (the classic
//! SWAR conversion: pairs, then quads, then the eight).

const ONES: u64 = 0x0101_0101_0101_0101;

pub(super) const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// How many of the word's bytes, from the first (lowest), are ASCII digits.
fn digit_count(word: u64) -> usize {
    let low = word & (ONES * 0x0f);
    // A byte is a digit when its high nibble is 3 and its low nibble is below 10.
    let not_digit = ((word ^ (ONES * 0x30)) | (low + ONES * 0x06)) & (ONES * 0xf0);
    (not_digit.trailing_zeros() / 8) as usize
}

/// The value of the word's first `count` bytes, all digits (`1..=8` of them).
fn digits_value(word: u64, count: usize) -> u64 {
    // The digits moved to the high bytes, zeros before them: eight digits, leading zeros.
    let mut v = (word & (ONES * 0x0f)) << (8 * (8 - count));
    v = (v.wrapping_mul(10 * (1 << 8) + 1) >> 8) & 0x00ff_00ff_00ff_00ff;
    v = (v.wrapping_mul(100 * (1 << 16) + 1) >> 16) & 0x0000_ffff_0000_ffff;
    v.wrapping_mul(10_000 * (1 << 32) + 1) >> 32
}

/// The value and count of the decimal digits (at most eight) that `bytes` starts with.
pub(super) fn leading_digits(bytes: &[u8]) -> (u64, usize) {
    let Some(word) = bytes.first_chunk::<8>() else {
        let count = bytes
            .iter()
            .take(8)
            .take_while(|b| b.is_ascii_digit())
            .count();
        let value = bytes[..count]
            .iter()
            .fold(0, |v, d| v * 10 + u64::from(d - b'0'));
        return (value, count);
    };
    let word = u64::from_le_bytes(*word);
    match digit_count(word) {
        0 => (0, 0),
        count => (digits_value(word, count), count),
    }
}

/// Most values in a level list, read from one word: a number of up to seven digits followed
/// at once by `,` (`1234,`), or a decimal string of up to five digits and its `,`
/// (`"1234",`). Returns the value and the bytes it took, comma included; `None` for anything
/// else (a sign, white space, the list's last value, a longer number), which the general
/// reader takes.
#[inline(always)]
fn short_value(bytes: &[u8]) -> Option<(i64, usize)> {
    let word = u64::from_le_bytes(*bytes.first_chunk::<8>()?);
    let quoted = usize::from(word & 0xff == u64::from(b'"'));
    let digits = word >> (8 * quoted);
    let count = digit_count(digits);
    // What must follow the digits: `,`, or `",` after a quoted value.
    let (tail, mask) = if quoted == 1 {
        (u64::from(b'"') | u64::from(b',') << 8, 0xffff)
    } else {
        (u64::from(b','), 0xff)
    };
    let end = quoted + count;
    if count == 0 || end + quoted >= 8 || (word >> (8 * end)) & mask != tail {
        return None;
    }
    // Seven digits at most: the value fits an i64 with room to spare.
    Some((digits_value(digits, count) as i64, end + quoted + 1))
}

/// The bytes of `word` that are `,`, as their high bits (no carry crosses a byte, so there
/// are no false positives).
fn commas(word: u64) -> u64 {
    let x = word ^ (ONES * u64::from(b','));
    let nonzero = ((x & (ONES * 0x7f)) + ONES * 0x7f) | x;
    !nonzero & (ONES * 0x80)
}

/// Reads the run of short values ([`short_value`]) that `bytes` starts with into `out`, and
/// returns the bytes it took. Each value's end is the next `,` of a mask found for eight
/// bytes at once, not what reading the value returns, so a value can be read before the one
/// before it is done; the value only confirms where it ends.
pub(super) fn short_values(bytes: &[u8], out: &mut Vec<i64>) -> usize {
    let mut start = 0;
    let (words, _) = bytes.as_chunks::<8>();
    for (w, word) in words.iter().enumerate() {
        let mut commas = commas(u64::from_le_bytes(*word));
        while commas != 0 {
            let end = w * 8 + (commas.trailing_zeros() / 8) as usize + 1;
            commas &= commas - 1;
            match bytes.get(start..).and_then(short_value) {
                Some((value, len)) if start + len == end => out.push(value),
                _ => return start,
            }
            start = end;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::{leading_digits, short_value, short_values};

    #[test]
    fn a_short_value_is_read_from_one_word_and_everything_else_is_left() {
        /// The bytes, and the value and length read from them.
        type Case = (&'static [u8], Option<(i64, usize)>);
        let cases: &[Case] = &[
            (b"0,000000", Some((0, 2))),
            (b"1234567,", Some((1_234_567, 8))),
            (b"\"0\",xxxx", Some((0, 4))),
            (b"\"12345\",", Some((12_345, 8))),
            (b"12345678", None),
            (b"\"123456\"", None),
            (b"1234]xxx", None),
            (b"\"12\"]xxx", None),
            (b"\"12\" ,xx", None),
            (b"-1,xxxxx", None),
            (b",1,xxxxx", None),
            (b"\"\",xxxxx", None),
            (b"1.5,xxxx", None),
            (b"1,", None),
        ];
        for &(bytes, want) in cases {
            assert_eq!(short_value(bytes), want, "{}", bytes.escape_ascii());
        }
    }

    #[test]
    fn leading_digits_stop_at_the_first_other_byte_or_after_eight() {
        assert_eq!(leading_digits(b"12345678901"), (12_345_678, 8));
        assert_eq!(leading_digits(b"907x"), (907, 3));
        assert_eq!(leading_digits(b"0000012\""), (12, 7));
        assert_eq!(leading_digits(b"x1234567"), (0, 0));
        assert_eq!(leading_digits(b""), (0, 0));
    }

    #[test]
    fn a_run_of_short_values_stops_before_the_first_one_it_cannot_take() {
        /// The bytes, the values read and the bytes taken.
        type Case = (&'static str, &'static [i64], usize);
        let cases: &[Case] = &[
            // The last value has no `,`: the general reader takes it.
            ("0,12,345,6789,0000000]", &[0, 12, 345, 6789], 14),
            (
                r#""1","22","333","4444","55555","7"]"#,
                &[1, 22, 333, 4444, 55555],
                30,
            ),
            // A long value, white space, a sign: the run ends before each.
            ("1,2,12345678,3,4,5,6,7,8,9", &[1, 2], 4),
            ("1,2, 3,4,5,6,7,8,9", &[1, 2], 4),
            ("1,-2,3,4,5,6,7,8,9", &[1], 2),
            // A `,` after the list's end is not a value's.
            ("5,6],[7,8,9,10,11,12", &[5], 2),
            // Fewer than eight bytes left: nothing is read from a partial word.
            ("1,2,3,", &[], 0),
        ];
        for &(text, values, taken) in cases {
            let mut out = Vec::new();
            assert_eq!(short_values(text.as_bytes(), &mut out), taken, "{text}");
            assert_eq!(out, values, "{text}");
        }
    }
}
