//! One self-contained HTML page, fit to attach to an incident or a pull request: inline CSS,
//! inline SVG, no script, and nothing fetched from anywhere. Every text given to it is escaped;
//! only [`Page::svg`] takes markup, and that comes from this module's own renderer.

use std::fmt::Write;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use super::escape::Escaped;
use pf_model::LabelSelector;

const STYLE: &str = "body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;\
color:#222;max-width:1240px;margin:24px auto;padding:0 16px}\
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}\
.verdict{display:inline-block;padding:4px 12px;border-radius:4px;font-weight:bold;color:#fff}\
.pass,.low,.healthy{background:#2e7d32}.warn,.medium{background:#ef6c00}\
.fail,.high,.critical{background:#c62828}\
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;\
text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}\
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{color:#666}dd{margin:0}\
svg{max-width:100%;height:auto}.muted{color:#666}";

/// A path on this service with a query: each segment and value percent-encoded, so an app
/// named `a/b?c` stays one segment.
pub fn href(segments: &[&str], params: &[(&str, String)]) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        out.extend(utf8_percent_encode(segment, NON_ALPHANUMERIC));
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    out
}

/// A label selector as a page shows it: its matchers, or `none`.
pub fn shown(labels: &LabelSelector) -> String {
    if labels.is_empty() {
        "none".to_owned()
    } else {
        labels.to_string()
    }
}

/// A page being written.
pub struct Page {
    out: String,
}

/// A table cell: text, or a right-aligned number, or a function name in code style, or links
/// (text and a path on this service each) separated by middle dots.
pub enum Cell<'a> {
    Text(&'a str),
    /// Text made for the cell.
    Owned(String),
    Number(String),
    Code(&'a str),
    Links(Vec<(String, String)>),
}

impl Page {
    /// A page titled `title`, which is also its heading.
    pub fn new(title: &str) -> Page {
        let mut out = String::with_capacity(64 * 1024);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
             <style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
            Escaped(title),
            Escaped(title)
        );
        Page { out }
    }

    /// A coloured badge, e.g. the verdict; `class` picks the colour (`pass`, `warn`, `fail`,
    /// `low`, `medium`, `high`, `critical`, `healthy`).
    pub fn badge(&mut self, class: &str, text: &str) {
        let _ = writeln!(
            self.out,
            "<p><span class=\"verdict {}\">{}</span></p>",
            Escaped(class),
            Escaped(text)
        );
    }

    pub fn heading(&mut self, text: &str) {
        let _ = writeln!(self.out, "<h2>{}</h2>", Escaped(text));
    }

    pub fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.out, "<p>{}</p>", Escaped(text));
    }

    /// A quiet note, e.g. "None."
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.out, "<p class=\"muted\">{}</p>", Escaped(text));
    }

    /// Term–value pairs.
    pub fn facts(&mut self, facts: &[(&str, String)]) {
        self.out.push_str("<dl>");
        for (term, value) in facts {
            let _ = write!(
                self.out,
                "<dt>{}</dt><dd>{}</dd>",
                Escaped(term),
                Escaped(value)
            );
        }
        self.out.push_str("</dl>\n");
    }

    /// A table; a header starting with `#` is a number column (the `#` is not shown).
    pub fn table<'a>(&mut self, headers: &[&str], rows: impl IntoIterator<Item = Vec<Cell<'a>>>) {
        self.out.push_str("<table><thead><tr>");
        for h in headers {
            match h.strip_prefix('#') {
                Some(h) => {
                    let _ = write!(self.out, "<th class=\"n\">{}</th>", Escaped(h));
                }
                None => {
                    let _ = write!(self.out, "<th>{}</th>", Escaped(h));
                }
            }
        }
        self.out.push_str("</tr></thead><tbody>\n");
        for row in rows {
            self.out.push_str("<tr>");
            for cell in row {
                let _ = match cell {
                    Cell::Text(t) => write!(self.out, "<td>{}</td>", Escaped(t)),
                    Cell::Owned(t) => write!(self.out, "<td>{}</td>", Escaped(&t)),
                    Cell::Number(n) => write!(self.out, "<td class=\"n\">{}</td>", Escaped(&n)),
                    Cell::Code(c) => write!(self.out, "<td><code>{}</code></td>", Escaped(c)),
                    Cell::Links(links) => {
                        self.out.push_str("<td>");
                        self.push_links(&links);
                        write!(self.out, "</td>")
                    }
                };
            }
            self.out.push_str("</tr>\n");
        }
        self.out.push_str("</tbody></table>\n");
    }

    /// A link to `href`, a path on this service (query strings are escaped here).
    pub fn link(&mut self, text: &str, href: &str) {
        let _ = writeln!(
            self.out,
            "<p><a href=\"{}\">{}</a></p>",
            Escaped(href),
            Escaped(text)
        );
    }

    /// One line: a coloured badge (`class` as in [`Page::badge`]), a text, then links.
    pub fn status_line(
        &mut self,
        (class, badge): (&str, &str),
        text: &str,
        links: &[(String, String)],
    ) {
        let _ = write!(
            self.out,
            "<p><span class=\"verdict {}\">{}</span> {} ",
            Escaped(class),
            Escaped(badge),
            Escaped(text)
        );
        self.push_links(links);
        self.out.push_str("</p>\n");
    }

    fn push_links(&mut self, links: &[(String, String)]) {
        for (i, (text, href)) in links.iter().enumerate() {
            if i > 0 {
                self.out.push_str(" · ");
            }
            let _ = write!(
                self.out,
                "<a href=\"{}\">{}</a>",
                Escaped(href),
                Escaped(text)
            );
        }
    }

    /// A picture drawn by [`super::flame_graph`] or [`super::diff_flame_graph`] without script.
    pub fn svg(&mut self, svg: &str) {
        self.out.push_str("<figure>");
        self.out.push_str(svg);
        self.out.push_str("</figure>\n");
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</body></html>\n");
        self.out
    }
}
