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
pub(super) fn short_value(bytes: &[u8]) -> Option<(i64, usize)> {
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

#[cfg(test)]
mod tests {
    use super::{leading_digits, short_value};

    #[test]
    fn short_values_are_read_from_one_word_and_everything_else_is_left() {
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
}
