//! Text from a profile is untrusted: a function may be called `<script>`. Everything written
//! into SVG or HTML goes through [`Escaped`], so it renders as text and the document stays
//! well-formed XML.

use std::fmt::{self, Write};

/// Displays a string escaped for XML and HTML text and quoted attributes. Characters XML 1.0
/// cannot hold (control characters other than tab and newline, unpaired surrogates never reach
/// a `str`, U+FFFE and U+FFFF) become U+FFFD.
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' => continue,
                c if c < ' ' || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => "\u{fffd}",
                _ => continue,
            };
            f.write_str(&s[start..i])?;
            f.write_str(replacement)?;
            start = i + c.len_utf8();
        }
        f.write_str(&s[start..])
    }
}

/// Appends `s` escaped.
pub fn push_escaped(out: &mut String, s: &str) {
    // Writing into a String cannot fail.
    let _ = write!(out, "{}", Escaped(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_cannot_escape_the_text() {
        assert_eq!(
            Escaped("<script>alert('x')</script> & \"y\"").to_string(),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(
            Escaped("a\u{1}b\u{7f}\tc").to_string(),
            "a\u{fffd}b\u{fffd}\tc"
        );
        assert_eq!(
            Escaped("java/util/HashMap.resize").to_string(),
            "java/util/HashMap.resize"
        );
    }
}
