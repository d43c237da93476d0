//! A line chart of shares over time: one line per function, a gap where a value is missing,
//! dashed marks where something happened (a new version). Pure: numbers in, SVG text out.

use std::fmt::Write;

use super::escape::Escaped;
use pf_model::utc::{utc_text, TICK};

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 240.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 40.0;
/// Line colours, picked in turn (a colour-blind-safe set).
const COLOURS: [&str; 10] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000",
    "#999999", "#882255",
];

/// What a mark stands for; it becomes the mark's class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    Version,
    /// A regression's change point.
    Change,
}

impl MarkKind {
    fn class(self) -> &'static str {
        match self {
            MarkKind::Version => "version",
            MarkKind::Change => "change",
        }
    }

    /// Colour and text line, so a change point beside a deploy stays readable.
    fn style(self) -> (&'static str, f64) {
        match self {
            MarkKind::Version => ("#444", 12.0),
            MarkKind::Change => ("#c0392b", 26.0),
        }
    }
}

/// A vertical mark at one point of the x axis.
pub struct TrendMark {
    pub index: usize,
    pub text: String,
    pub kind: MarkKind,
}

/// One line: a value per point, `None` where there is none.
pub struct TrendLine<'a> {
    pub label: &'a str,
    pub values: &'a [Option<f64>],
}

/// The whole chart. `starts` are epoch seconds, one per point.
pub struct TrendChart<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub starts: &'a [i64],
    pub lines: Vec<TrendLine<'a>>,
    /// Lines fitted to the data (a leak's Theil–Sen line), drawn dashed over it.
    pub fits: Vec<TrendLine<'a>>,
    pub marks: Vec<TrendMark>,
    /// What the y axis' numbers are in: `%` for shares, ` MiB` for memory.
    pub unit: &'a str,
}

/// The chart as a standalone SVG document.
pub fn trend_svg(chart: &TrendChart) -> String {
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Verdana, sans-serif" font-size="12">"#
    );
    let _ = write!(
        out,
        r##"<rect width="100%" height="100%" fill="white"/><text x="{LEFT}" y="20" font-size="16">{}</text><text x="{LEFT}" y="38" fill="#555">{}</text>"##,
        Escaped(chart.title),
        Escaped(chart.subtitle)
    );
    let points = chart.starts.len();
    let top = chart
        .lines
        .iter()
        .chain(&chart.fits)
        .flat_map(|l| l.values.iter().flatten())
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    if points == 0 || chart.lines.is_empty() {
        let _ = write!(
            out,
            r#"<text class="empty" x="{}" y="{}" text-anchor="middle">No summarized slices in this window.</text></svg>"#,
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
        return out;
    }
    let axis = Axis::new(points, nice_ceiling(top));
    axis.draw(&mut out, chart.starts, chart.unit);
    for mark in &chart.marks {
        let x = axis.x(mark.index);
        let (colour, line) = mark.kind.style();
        // A mark in the right half is labelled to its left, clear of the legend.
        let (text_x, anchor) = if x > LEFT + (WIDTH - LEFT - RIGHT) / 2.0 {
            (x - 3.0, "end")
        } else {
            (x + 3.0, "start")
        };
        let _ = write!(
            out,
            r##"<g class="mark {}"><line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="{colour}" stroke-dasharray="4 3"/><text x="{text_x:.1}" y="{:.1}" fill="{colour}" text-anchor="{anchor}">{}</text></g>"##,
            mark.kind.class(),
            HEIGHT - BOTTOM,
            TOP + line,
            Escaped(&mark.text)
        );
    }
    for (i, line) in chart.lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let _ = write!(
            out,
            r#"<path class="series" data-function="{}" fill="none" stroke="{colour}" stroke-width="1.5" d="{}"><title>{}</title></path>"#,
            Escaped(line.label),
            path_of(&axis, line.values),
            Escaped(line.label)
        );
        let y = TOP + 8.0 + 18.0 * i as f64;
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="12" height="3" fill="{colour}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            WIDTH - RIGHT + 16.0,
            y - 4.0,
            WIDTH - RIGHT + 32.0,
            y,
            Escaped(&shorten(line.label, 30))
        );
    }
    for fit in &chart.fits {
        let _ = write!(
            out,
            r##"<path class="fit" data-function="{}" fill="none" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4" d="{}"><title>fitted: {}</title></path>"##,
            Escaped(fit.label),
            path_of(&axis, fit.values),
            Escaped(fit.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// The path data of one line: a new sub-path after every gap, a dot for a lone point.
fn path_of(axis: &Axis, values: &[Option<f64>]) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for (i, value) in values.iter().enumerate() {
        match value.filter(|v| v.is_finite()) {
            Some(v) => {
                let command = if pen_down { 'L' } else { 'M' };
                let _ = write!(d, "{command}{:.1} {:.1} ", axis.x(i), axis.y(v));
                let lone = !pen_down && values.get(i + 1).is_none_or(|n| n.is_none());
                if lone {
                    d.push_str("h0.1 ");
                }
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d.trim_end().to_owned()
}

struct Axis {
    points: usize,
    top: f64,
}

impl Axis {
    fn new(points: usize, top: f64) -> Self {
        Axis { points, top }
    }

    fn x(&self, i: usize) -> f64 {
        let span = WIDTH - LEFT - RIGHT;
        if self.points < 2 {
            LEFT + span / 2.0
        } else {
            LEFT + span * i as f64 / (self.points - 1) as f64
        }
    }

    fn y(&self, v: f64) -> f64 {
        let span = HEIGHT - TOP - BOTTOM;
        HEIGHT - BOTTOM - span * (v / self.top).clamp(0.0, 1.0)
    }

    fn draw(&self, out: &mut String, starts: &[i64], unit: &str) {
        let (x0, x1, y0) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM);
        let _ = write!(
            out,
            r##"<g class="axes" stroke="#888"><line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/><line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{y0}"/></g>"##
        );
        for step in 0..=4 {
            let v = self.top * f64::from(step) / 4.0;
            let y = self.y(v);
            let _ = write!(
                out,
                r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}{}</text>"##,
                x0 - 6.0,
                y + 4.0,
                trim_number(v),
                Escaped(unit)
            );
        }
        let ticks = self.points.min(6);
        for t in 0..ticks {
            let i = if ticks < 2 {
                0
            } else {
                t * (self.points - 1) / (ticks - 1)
            };
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                self.x(i),
                y0 + 18.0,
                utc_text(starts[i], TICK)
            );
        }
    }
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `v` (1 for nothing to show).
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * magnitude)
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn shorten(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        return label.to_owned();
    }
    let tail: String = label.chars().rev().take(chars - 1).collect();
    format!("…{}", tail.chars().rev().collect::<String>())
}

#[cfg(test)]
#[path = "trend_tests.rs"]
mod tests;
