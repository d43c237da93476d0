//! Pictures of profiles, drawn on the server: flame graphs and differential flame graphs as SVG,
//! and the pieces of the one-page HTML reports. Pure: a call tree in, text out.

mod diff;
mod escape;
mod layout;
mod page;
mod palette;
mod svg;
mod trend;
mod trends;

use std::fmt::Write;

pub use escape::{push_escaped, Escaped};
pub use layout::MIN_WIDTH_PX;
pub use page::{href, shown, Cell, Page};
pub use palette::{Rgb, Runtime};
pub use svg::{thousands, Captions};
pub use trend::{trend_svg, MarkKind, TrendChart, TrendLine, TrendMark};
pub use trends::{memory_svg, trends_svg, trends_svg_changes, trends_svg_marked, FittedLine};

use layout::Frame;
use svg::Painter;

use pf_model::{percent_of, CallTree};

/// A flame graph of `tree`, coloured by the runtime its names belong to.
pub fn flame_graph(tree: &CallTree, captions: &Captions) -> String {
    let frames = layout::frames(tree, svg::WIDTH - 2.0 * svg::PAD);
    let runtime = Runtime::detect(
        frames
            .iter()
            .filter(|f| f.merged == 0 && f.node != 0)
            .map(|f| tree.name_of(&tree.nodes()[f.node as usize])),
    );
    let painter = Plain {
        runtime,
        total: tree.total(),
    };
    svg::render(tree, &frames, captions, &painter)
}

/// A differential flame graph: the shape of `current`, each frame coloured by the change of
/// its share between `baseline` and `current` (each normalised to its own total).
pub fn diff_flame_graph(
    current: &CallTree,
    baseline: &CallTree,
    captions: &Captions,
    notes: &std::collections::HashMap<String, String>,
) -> String {
    let frames = layout::frames(current, svg::WIDTH - 2.0 * svg::PAD);
    let painter = diff::DiffPainter::new(current, baseline, &frames, notes);
    svg::render(current, &frames, captions, &painter)
}

struct Plain {
    runtime: Runtime,
    total: u64,
}

impl Painter for Plain {
    fn fill(&self, frame: &Frame, name: &str) -> Rgb {
        if frame.merged > 0 {
            Rgb(200, 200, 200)
        } else {
            self.runtime.colour(name)
        }
    }

    fn describe(&self, out: &mut String, frame: &Frame) {
        let _ = write!(
            out,
            " ({} samples, {:.2}%)",
            thousands(frame.samples),
            percent_of(frame.samples, self.total)
        );
    }
}

#[cfg(test)]
mod tests;
