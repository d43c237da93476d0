//! The pull reader on hand-written documents: numbers and decimal strings, digit counts at
//! every distance from the end, refusals, borrowed and escaped strings, skipped values.

use super::Reader;

fn ints(text: &str) -> Result<Vec<i64>, super::Error> {
    let mut r = Reader::new(text.as_bytes());
    let mut out = Vec::new();
    r.ints(&mut out)?;
    r.end().map(|()| out)
}

#[test]
fn numbers_and_decimal_strings_are_read_alike() {
    let text = r#" [ "0", 9000000000 ,"-3","+4", -9223372036854775808, "9223372036854775807"] "#;
    assert_eq!(
        ints(text).unwrap(),
        vec![0, 9_000_000_000, -3, 4, i64::MIN, i64::MAX]
    );
    assert_eq!(ints("[]").unwrap(), Vec::<i64>::new());
    assert_eq!(ints("[ \n]").unwrap(), Vec::<i64>::new());
}

#[test]
fn every_digit_count_reads_right_at_every_distance_from_the_end() {
    for digits in 1..=19u32 {
        let value = (1..=digits).fold(0i64, |v, d| v * 10 + i64::from(d % 10));
        for tail in ["", " ", "]", "        ]"] {
            for text in [format!("{value}{tail}"), format!("\"{value}\"{tail}")] {
                let mut r = Reader::new(text.as_bytes());
                assert_eq!(r.int().unwrap(), value, "{text}");
            }
        }
    }
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
        "[99999999999999999999]",
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
        assert!(ints(bad).is_err(), "{bad}");
    }
}

#[test]
fn strings_are_borrowed_unless_escaped_and_must_be_json_strings() {
    let mut r = Reader::new(br#" "plain" "caf\u00e9 \"q\"" "#);
    assert!(matches!(
        r.string().unwrap(),
        std::borrow::Cow::Borrowed("plain")
    ));
    assert_eq!(r.string().unwrap(), "café \"q\"");
    assert!(r.end().is_ok());
    for bad in [&b"\"a"[..], b"\"a\nb\"", b"\"\xff\"", b"\"\\x\"", b"a"] {
        assert!(Reader::new(bad).string().is_err(), "{bad:?}");
    }
}

#[test]
fn unknown_values_are_skipped_whole_and_checked() {
    let mut r = Reader::new(br#"{"a": [1, {"b": "]"}], "c": null}"#);
    let mut seen = Vec::new();
    r.object(|r, key| {
        seen.push(key.to_owned());
        r.skip()
    })
    .unwrap();
    assert_eq!(seen, ["a", "c"]);
    assert!(r.end().is_ok());
    assert!(Reader::new(b"[1, }").skip().is_err());
    assert!(Reader::new(b"").skip().is_err());
}
