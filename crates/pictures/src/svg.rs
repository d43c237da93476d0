//! Writes laid-out frames as one SVG document: flamegraph.pl's look (root at the bottom,
//! 16-pixel rows, a `<title>` per frame for the hover text), standalone or inline in a page.

use std::fmt::Write;

use super::escape::{push_escaped, Escaped};
use super::layout::Frame;
use super::palette::Rgb;
use pf_model::CallTree;

/// Width of the picture in pixels.
pub const WIDTH: f64 = 1200.0;
/// Margin left and right of the frames.
pub const PAD: f64 = 10.0;
const ROW: f64 = 16.0;
const TOP: f64 = 66.0;
const BOTTOM: f64 = 30.0;
/// Approximate width of one character of the 12-pixel label font.
const CHAR_PX: f64 = 7.0;
const SCRIPT: &str = include_str!("flame.js");

/// How the frames of one picture are coloured and described.
pub trait Painter {
    /// The fill of `frame`, named `name` (empty for a merged block).
    fn fill(&self, frame: &Frame, name: &str) -> Rgb;
    /// Appends what the hover title says after the name, including the parentheses.
    fn describe(&self, out: &mut String, frame: &Frame);
}

/// The text around the frames.
pub struct Captions<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    /// A standalone document gets zoom and search; one inlined in a report stays script-free.
    pub interactive: bool,
}

/// Renders `frames` of `tree`.
pub fn render(
    tree: &CallTree,
    frames: &[Frame],
    captions: &Captions,
    painter: &dyn Painter,
) -> String {
    let depth = frames.iter().map(|f| f.depth).max().unwrap_or(0);
    let height = TOP + BOTTOM + ROW * f64::from(depth + 1);
    let scale = (WIDTH - 2.0 * PAD) / tree.total().max(1) as f64;
    let mut out = String::with_capacity(512 + frames.len() * 160);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" data-width="{WIDTH}" data-pad="{PAD}" role="img">"#
    );
    out.push_str(concat!(
        "<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}",
        "g.f:hover rect{stroke:#000;stroke-width:.5;cursor:pointer}",
        ".t{font-size:17px;text-anchor:middle}.s{fill:#555;text-anchor:middle}",
        ".c{cursor:pointer;fill:#00c}</style>\n"
    ));
    let _ = write!(
        out,
        r##"<rect width="100%" height="100%" fill="#f8f8f8"/><text class="t" x="{}" y="24">{}</text><text class="s" x="{}" y="44">{}</text>"##,
        WIDTH / 2.0,
        Escaped(captions.title),
        WIDTH / 2.0,
        Escaped(captions.subtitle),
    );
    if captions.interactive {
        let _ = write!(
            out,
            r#"<text id="reset" class="c" x="{PAD}" y="24" style="display:none">Reset zoom</text><text id="search" class="c" x="{}" y="24" text-anchor="end">Search</text><text id="matched" x="{}" y="{}" text-anchor="end"></text>"#,
            WIDTH - PAD,
            WIDTH - PAD,
            height - 10.0,
        );
    }
    out.push('\n');
    for frame in frames {
        let node = &tree.nodes()[frame.node as usize];
        let name = match (frame.merged, frame.node) {
            (0, 0) => "all",
            (0, _) => tree.name_of(node),
            _ => "",
        };
        let (x, w) = (PAD + frame.x as f64 * scale, frame.samples as f64 * scale);
        let y = height - BOTTOM - ROW * f64::from(frame.depth + 1);
        out.push_str("<g class=\"f\"><title>");
        if frame.merged > 0 {
            let _ = write!(out, "{} narrow frames merged", frame.merged);
        } else {
            push_escaped(&mut out, name);
        }
        painter.describe(&mut out, frame);
        let _ = write!(
            out,
            r#"</title><rect x="{x:.2}" y="{y}" width="{w:.2}" height="15" rx="2" fill="{}"/>"#,
            painter.fill(frame, name)
        );
        let chars = ((w - 6.0) / CHAR_PX).floor();
        if chars >= 3.0 && frame.merged == 0 {
            let _ = write!(out, r#"<text x="{:.2}" y="{}">"#, x + 3.0, y + 11.5);
            push_label(&mut out, name, chars as usize);
            out.push_str("</text>");
        }
        out.push_str("</g>\n");
    }
    if captions.interactive {
        out.push_str("<script><![CDATA[\n");
        out.push_str(SCRIPT);
        out.push_str("]]></script>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// The label of a frame that fits `chars` characters: the name, or its start and `..`.
fn push_label(out: &mut String, name: &str, chars: usize) {
    if name.chars().count() <= chars {
        push_escaped(out, name);
    } else {
        let cut = name
            .char_indices()
            .nth(chars - 2)
            .map_or(name.len(), |(i, _)| i);
        push_escaped(out, &name[..cut]);
        out.push_str("..");
    }
}

/// `1234567` as `1,234,567`, as flamegraph.pl writes sample counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_and_labels_cut_to_fit() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let mut out = String::new();
        push_label(&mut out, "java/util/HashMap.resize", 6);
        assert_eq!(out, "java..");
        out.clear();
        push_label(&mut out, "<b>", 3);
        assert_eq!(out, "&lt;b&gt;");
    }
}
