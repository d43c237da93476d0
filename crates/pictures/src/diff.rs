//! The differential flame graph's colours: each frame of the current window is matched to the
//! frame on the same path in the baseline, and coloured by how its share of its window's
//! samples changed. Red grew, blue shrank, the saturation scaled to the largest change.

use std::collections::HashMap;
use std::fmt::Write;

use super::layout::Frame;
use super::palette::Rgb;
use super::svg::{thousands, Painter};
use pf_model::{percent_of, CallTree};

/// Frame shares of two windows. `shares[i]` is (baseline %, current %) for current node `i`.
pub struct DiffPainter {
    shares: Vec<(f64, f64)>,
    max_change: f64,
    /// What the tooltip of a frame adds about its function (its self share's change and how
    /// sure it is), by current node.
    notes: HashMap<u32, String>,
}

impl DiffPainter {
    /// Matches every node of `current` to `baseline` by the names on its path; `notes` by
    /// function name go into the tooltips of that function's frames.
    pub fn new(
        current: &CallTree,
        baseline: &CallTree,
        frames: &[Frame],
        notes: &HashMap<String, String>,
    ) -> Self {
        let (cur_nodes, base_nodes) = (current.nodes(), baseline.nodes());
        // (baseline parent, child name) → baseline child.
        let mut edges: HashMap<(u32, &str), u32> = HashMap::with_capacity(base_nodes.len());
        for (parent, node) in base_nodes.iter().enumerate() {
            for child in node.children() {
                if base_nodes[child].total > 0 {
                    edges
                        .entry((parent as u32, baseline.name_of(&base_nodes[child])))
                        .or_insert(child as u32);
                }
            }
        }
        // Parents come before children in `frames`, so a node's match is known before its
        // children look theirs up.
        let mut matched: Vec<Option<u32>> = vec![None; cur_nodes.len()];
        if !base_nodes.is_empty() && !cur_nodes.is_empty() {
            matched[0] = Some(0);
        }
        let mut shares = vec![(0.0, 0.0); cur_nodes.len()];
        let (cur_total, base_total) = (current.total(), baseline.total());
        let mut max_change: f64 = 0.0;
        let mut frame_notes = HashMap::new();
        for frame in frames.iter().filter(|f| f.merged == 0) {
            let i = frame.node as usize;
            let node = &cur_nodes[i];
            if let Some(note) = notes.get(current.name_of(node)) {
                frame_notes.insert(frame.node, note.clone());
            }
            let base = matched[i].map_or(0, |b| base_nodes[b as usize].total);
            let share = (
                percent_of(base, base_total),
                percent_of(node.total, cur_total),
            );
            max_change = max_change.max((share.1 - share.0).abs());
            shares[i] = share;
            if let Some(b) = matched[i] {
                for child in node.children() {
                    let name = current.name_of(&cur_nodes[child]);
                    matched[child] = edges.get(&(b, name)).copied();
                }
            }
        }
        DiffPainter {
            shares,
            max_change,
            notes: frame_notes,
        }
    }
}

impl Painter for DiffPainter {
    fn fill(&self, frame: &Frame, _name: &str) -> Rgb {
        if frame.merged > 0 {
            return Rgb(200, 200, 200);
        }
        let (base, cur) = self.shares[frame.node as usize];
        let change = cur - base;
        if change.abs() < 0.005 || self.max_change <= 0.0 {
            return Rgb(225, 225, 225);
        }
        // flamegraph.pl's differential scale: full colour at the largest change.
        let fade = (210.0 * (1.0 - change.abs() / self.max_change)).round() as u8;
        if change > 0.0 {
            Rgb(255, fade, fade)
        } else {
            Rgb(fade, fade, 255)
        }
    }

    fn describe(&self, out: &mut String, frame: &Frame) {
        if frame.merged > 0 {
            let _ = write!(out, " ({} samples)", thousands(frame.samples));
            return;
        }
        let (base, cur) = self.shares[frame.node as usize];
        let _ = write!(
            out,
            " ({} samples; baseline {base:.2}%, current {cur:.2}%, {:+.2} pp)",
            thousands(frame.samples),
            cur - base
        );
        if let Some(note) = self.notes.get(&frame.node) {
            let _ = write!(out, "; {note}");
        }
    }
}
