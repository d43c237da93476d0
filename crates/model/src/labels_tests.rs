use super::*;

fn parse(raw: &str) -> Result<LabelSelector, InputError> {
    LabelSelector::parse(Some(raw), "labels")
}

#[test]
fn matchers_are_read_and_written_back_escaped_once() {
    let s = parse(r#"version="1.4.2", region=~"eu-.*",pod!="a\"b\\c" , zone!~"x|y""#).unwrap();
    let ops: Vec<MatchOp> = s.matchers().iter().map(|m| m.op).collect();
    assert_eq!(
        ops,
        [
            MatchOp::Equal,
            MatchOp::Regex,
            MatchOp::NotEqual,
            MatchOp::NotRegex
        ]
    );
    assert_eq!(s.matchers()[2].value, r#"a"b\c"#, "unescaped exactly once");
    assert_eq!(
        s.to_string(),
        r#"version="1.4.2",region=~"eu-.*",pod!="a\"b\\c",zone!~"x|y""#,
        "escaped exactly once"
    );
    assert_eq!(
        parse(&s.to_string()).unwrap(),
        s,
        "the written form reads back the same"
    );
    assert_eq!(serde_json::to_value(&s).unwrap(), s.to_string());
}

#[test]
fn no_labels_select_everything() {
    for raw in [None, Some(""), Some("   ")] {
        assert!(LabelSelector::parse(raw, "labels").unwrap().is_empty());
    }
    assert_eq!(LabelSelector::default().to_string(), "");
}

#[test]
fn injection_and_malformed_matchers_are_refused_naming_the_matcher() {
    for (raw, why) in [
        (r#"x="a"}"#, "expected `,` or the end"),
        (r#"x="a"},{y="b""#, "expected `,` or the end"),
        ("{", "a label name"),
        (r#"{x="a"}"#, "a label name"),
        ("x=\"a\nb\"", "control character"),
        ("x=\"a\"\n", "control character"),
        (r#"x=~"(""#, "does not compile"),
        (r#"x=~"a[""#, "does not compile"),
        (r#"1x="a""#, "a label name"),
        (r#"x-y="a""#, "the operator"),
        (r#"x=="a""#, "double-quoted"),
        (r#"x=a"#, "double-quoted"),
        (r#"x="a"#, "closing quote"),
        (r#"x="a\n""#, "unknown escape"),
        (r#"x="a" y="b""#, "expected `,`"),
        (r#"x="a",,y="b""#, "a label name"),
        (r#"x<"a""#, "the operator"),
    ] {
        match parse(raw) {
            Err(e) => {
                assert_eq!(e.code(), "invalid_labels", "{raw}");
                let message = e.to_string();
                assert!(message.starts_with("labels: bad matcher `"), "{message}");
                assert!(message.contains(why), "{raw}: {message}");
            }
            Ok(s) => panic!("{raw:?} was accepted as {s}"),
        }
    }
    let long = format!(r#"x="{}""#, "a".repeat(MAX_SELECTOR_LEN));
    assert_eq!(parse(&long).unwrap_err().code(), "invalid_labels");
}

#[test]
fn a_trailing_comma_is_allowed_and_sides_combine() {
    let a = parse(r#"env="prod","#).unwrap();
    let b = parse(r#"version="2""#).unwrap();
    assert_eq!(a.and(&b).to_string(), r#"env="prod",version="2""#);
    assert_eq!(a.and(&LabelSelector::default()), a);
}

#[test]
fn a_filter_applies_every_matcher_as_prometheus_does() {
    let filter = parse(r#"version="2",region=~"eu-.*",pod!="a",zone!~"x|y""#)
        .unwrap()
        .filter();
    let set = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    };
    assert!(filter.matches(set(&[("version", "2"), ("region", "eu-west")])));
    assert!(!filter.matches(set(&[("version", "2"), ("region", "us-east")])));
    assert!(
        !filter.matches(set(&[("version", "2"), ("region", "xeu-west")])),
        "anchored"
    );
    assert!(!filter.matches(set(&[("version", "2"), ("region", "eu-1"), ("pod", "a")])));
    assert!(!filter.matches(set(&[("version", "2"), ("region", "eu-1"), ("zone", "y")])));
    assert!(
        !filter.matches(set(&[("region", "eu-1")])),
        "absent is empty"
    );
    assert!(LabelSelector::default().filter().matches(set(&[])));
}

/// The documented pattern and the parser agree: what the pattern admits parses, and what it
/// refuses does not, but for regexes beyond the literal-and-wildcard subset it spells out.
#[test]
fn the_documented_pattern_and_the_parser_agree() {
    let pattern = regex::Regex::new(&crate::selector_pattern()).unwrap();
    // (selector, parses, the pattern admits it)
    let table: &[(&str, bool, bool)] = &[
        ("", true, true),
        ("   ", true, true),
        (r#"version="1.4.2""#, true, true),
        (r#" version = "1.4.2" , region=~"eu-.*" "#, true, true),
        (r#"a!="x",b!~"y.*z""#, true, true),
        (r#"a="",_b2="\"quoted\" \\ back""#, true, true),
        (r#"a="x","#, true, true),
        (r#"a="x" ,	"#, true, true),
        (r#"app="cafè ☕""#, true, true),
        // Beyond the subset: accepted, not spelled out.
        (r#"region=~"eu-(west|east)""#, true, false),
        (r#"a=~"[0-9]+""#, true, false),
        // Refused by both.
        (r#"a=~"(""#, false, false),
        ("a=\"x\u{16}y\"", false, false),
        ("a=\"x\"\n", false, false),
        (r#"a="x"#, false, false),
        (r#"a=x"#, false, false),
        (r#"a="x\"#, false, false),
        (r#"a="x\n""#, false, false),
        (r#"a="x",,b="y""#, false, false),
        (r#",a="x""#, false, false),
        (r#"a="x" b="y""#, false, false),
        (r#"1a="x""#, false, false),
        (r#"a=="x""#, false, false),
        (r#"a<"x""#, false, false),
        (r#"="x""#, false, false),
        (
            r#"baseline {region=~"eu-.*",track="stable"} current {track="canary"}"#,
            false,
            false,
        ),
    ];
    for (selector, parses, admitted) in table {
        let parsed = LabelSelector::parse(Some(selector), "labels");
        assert_eq!(parsed.is_ok(), *parses, "{selector:?}: {parsed:?}");
        assert_eq!(pattern.is_match(selector), *admitted, "{selector:?}");
    }
}
