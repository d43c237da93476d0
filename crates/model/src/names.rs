//! Function-name forms: a restart-stable key for baselines and hotspots, and a search form.

use std::borrow::Cow;

/// Generated class markers followed by a per-run hash after a single `$`
/// (`Foo$HibernateProxy$aB3dE9`, `Foo$MockitoMock$123456`, `Foo$ByteBuddy$x1y2`).
const SINGLE_DOLLAR_MARKERS: [&str; 3] = ["$HibernateProxy", "$MockitoMock", "$ByteBuddy"];

/// The key under which a function is matched against baselines and grouped across apps.
///
/// The JVM names generated classes with counters and addresses that change on every restart;
/// they are dropped so a threshold set yesterday still applies today:
/// - `Foo$$Lambda$123/0x0000000801234.apply` and `Foo$$Lambda/0x…` → `Foo$$Lambda.apply`
/// - `$Proxy12` → `$Proxy`
/// - `$$EnhancerByCGLIB$$1a2b3c` (any `$$Marker$$hash`) → `$$EnhancerByCGLIB`
/// - `$HibernateProxy$…`, `$MockitoMock$…`, `$ByteBuddy$…` hashes
/// - hex addresses `0x7f…` anywhere, with the `/`, `+` or `@` that introduces them
///
/// Anything else is kept as is, including anonymous classes (`Foo$1`), whose numbers are
/// stable across restarts of the same build.
pub fn normalize_function_name(name: &str) -> String {
    normalized_function_name(name).into_owned()
}

/// [`normalize_function_name`], borrowing `name` when it is already its own key: without a `$`,
/// a `0x` or trailing white space none of the rules applies (most names of most runtimes).
pub fn normalized_function_name(name: &str) -> Cow<'_, str> {
    if !name.contains('$') && !name.contains("0x") && name.trim_end().len() == name.len() {
        return Cow::Borrowed(name);
    }
    Cow::Owned(rewrite(name))
}

/// The rules of [`normalize_function_name`], applied one character at a time.
fn rewrite(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("$$Lambda") {
            out.push_str("$$Lambda");
            rest = skip_slash_id(skip_dollar_digits(after));
        } else if let Some(after) = rest.strip_prefix("$Proxy") {
            out.push_str("$Proxy");
            rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
        } else if let Some((marker, after)) = generated_marker(rest) {
            out.push_str(marker);
            rest = after;
        } else if let Some(after) = hex_address(rest, out.chars().last()) {
            if out.ends_with(['/', '+', '@']) {
                out.pop();
            }
            rest = after;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    // A dropped trailing address leaves the space that preceded it.
    out.truncate(out.trim_end().len());
    out
}

/// The form in which fleet search and the triage rules compare names: lower-case for search
/// (`lowercase = true`), with `/` and `::` read as `.` so Java, Go, C++ and Rust spellings agree.
pub fn separator_form(name: &str, lowercase: bool) -> String {
    let dotted = name.replace("::", ".").replace('/', ".");
    if lowercase {
        dotted.to_lowercase()
    } else {
        dotted
    }
}

/// Skips `$123` (the lambda counter of JDK 8–17).
fn skip_dollar_digits(s: &str) -> &str {
    match s.strip_prefix('$') {
        Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => {
            after.trim_start_matches(|c: char| c.is_ascii_digit())
        }
        _ => s,
    }
}

/// Skips `/0x0000000801234` (hidden-class address) or `/1234567` (JDK 8 identity hash).
fn skip_slash_id(s: &str) -> &str {
    let Some(after) = s.strip_prefix('/') else {
        return s;
    };
    if let Some(hex) = after.strip_prefix("0x") {
        let end = hex.trim_start_matches(|c: char| c.is_ascii_hexdigit());
        if end.len() < hex.len() {
            return end;
        }
    }
    let end = after.trim_start_matches(|c: char| c.is_ascii_digit());
    if end.len() < after.len() {
        end
    } else {
        s
    }
}

/// `$$Marker$$hash` or one of [`SINGLE_DOLLAR_MARKERS`] followed by `$hash`: the marker to keep
/// and what follows the hash.
fn generated_marker(s: &str) -> Option<(&str, &str)> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if let Some(body) = s.strip_prefix("$$") {
        let marker_len = body.find(|c: char| !is_ident(c)).unwrap_or(body.len());
        let hash = body[marker_len..].strip_prefix("$$")?;
        let hash_len = hash.find(|c: char| !is_ident(c)).unwrap_or(hash.len());
        if marker_len == 0 || hash_len == 0 {
            return None;
        }
        return Some((&s[..2 + marker_len], &hash[hash_len..]));
    }
    SINGLE_DOLLAR_MARKERS.iter().find_map(|marker| {
        let hash = s.strip_prefix(marker)?.strip_prefix('$')?;
        let hash_len = hash.find(|c: char| !is_ident(c)).unwrap_or(hash.len());
        (hash_len > 0).then(|| (*marker, &hash[hash_len..]))
    })
}

/// `0x` and at least one hex digit, not inside an identifier: what follows the address.
fn hex_address(s: &str, previous: Option<char>) -> Option<&str> {
    if previous.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let digits = s.strip_prefix("0x")?;
    let end = digits.trim_start_matches(|c: char| c.is_ascii_hexdigit());
    let ends_identifier = end.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
    (end.len() < digits.len() && !ends_identifier).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_counters_and_hidden_class_addresses_are_dropped() {
        let want = "com/acme/Foo$$Lambda.apply";
        for name in [
            "com/acme/Foo$$Lambda$123/0x0000000801234.apply",
            "com/acme/Foo$$Lambda$7/1234567.apply",
            "com/acme/Foo$$Lambda/0x000000080012c000.apply",
            "com/acme/Foo$$Lambda$42.apply",
            want,
        ] {
            assert_eq!(normalize_function_name(name), want, "{name}");
        }
    }

    #[test]
    fn proxy_and_bytecode_generated_suffixes_are_dropped() {
        for (name, want) in [
            (
                "com/sun/proxy/$Proxy12.invoke",
                "com/sun/proxy/$Proxy.invoke",
            ),
            ("jdk/proxy2/$Proxy45.get", "jdk/proxy2/$Proxy.get"),
            (
                "com/acme/Svc$$EnhancerByCGLIB$$1a2b3c.run",
                "com/acme/Svc$$EnhancerByCGLIB.run",
            ),
            (
                "com/acme/Svc$$EnhancerBySpringCGLIB$$5f2d1c7e.run",
                "com/acme/Svc$$EnhancerBySpringCGLIB.run",
            ),
            (
                "com/acme/Svc$$SpringCGLIB$$0.run",
                "com/acme/Svc$$SpringCGLIB.run",
            ),
            (
                "com/acme/Order$HibernateProxy$aB3dE9.getId",
                "com/acme/Order$HibernateProxy.getId",
            ),
        ] {
            assert_eq!(normalize_function_name(name), want, "{name}");
        }
    }

    #[test]
    fn hex_addresses_are_dropped_but_identifiers_kept() {
        assert_eq!(normalize_function_name("libjvm.so+0x7f3a12"), "libjvm.so");
        assert_eq!(normalize_function_name("[unknown] 0xdeadbeef"), "[unknown]");
        // Not addresses: inside an identifier, or followed by more identifier characters.
        for stable in [
            "com/acme/Foo$1.run",
            "com/acme/Codec.decode0x1",
            "pkg.parse0xff",
            "main.(*Server).Serve",
            "java/lang/Thread.run",
            "G1 Young Generation",
            "hash0xZZ",
        ] {
            assert_eq!(normalize_function_name(stable), stable);
        }
    }

    proptest::proptest! {
        /// The borrowed shortcut gives what the rules give, on names built of the pieces the
        /// rules look for.
        #[test]
        fn the_shortcut_agrees_with_the_rules(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "$", "$$", "Lambda", "$Proxy", "$HibernateProxy", "0x", "0", "x", "7f", "12",
                "/", "+", "@", " ", "\t", "a", "Foo", ".", "é",
            ]), 0..12)
        ) {
            let name = pieces.concat();
            proptest::prop_assert_eq!(normalized_function_name(&name), rewrite(&name));
        }
    }

    #[test]
    fn names_no_rule_touches_are_borrowed() {
        for name in ["com/example/Service7.handle", "main.(*Server).Serve", ""] {
            assert!(matches!(normalized_function_name(name), Cow::Borrowed(n) if n == name));
        }
        for name in ["Foo$1.run", "[unknown] 0xdeadbeef", "trailing "] {
            assert!(
                matches!(normalized_function_name(name), Cow::Owned(_)),
                "{name}"
            );
        }
    }

    #[test]
    fn the_separator_form_treats_slash_dot_and_double_colon_alike() {
        assert_eq!(
            separator_form("java/util/HashMap.resize", true),
            "java.util.hashmap.resize"
        );
        assert_eq!(
            separator_form("v8::internal::Heap::Scavenge", false),
            "v8.internal.Heap.Scavenge"
        );
        assert_eq!(
            separator_form("encoding/json.(*decodeState).object", false),
            "encoding.json.(*decodeState).object"
        );
    }
}
