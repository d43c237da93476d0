//! Where a function lives, from the profile itself (docs/regressions.md#the-change-that-caused-it):
//! its start line when the runtime writes one (pprof `Function.start_line`; Go before 1.20 does
//! not), and the lines its samples were taken at (`Line.line`, JFR's line numbers).

use crate::suspects::model::LineRange;
use pf_model::FunctionSite;

/// The lines `site` spans: from its start line (else its first sampled line) to its last
/// sampled line; with no sampled line after its start, to the line before `next_start` (the
/// next function's start in the same file), else its start line alone. `None` without any
/// line.
pub fn span_of(site: &FunctionSite, next_start: Option<u32>) -> Option<LineRange> {
    let sampled: Vec<u32> = site.sampled.iter().copied().filter(|l| *l > 0).collect();
    let first_sampled = sampled.iter().copied().min();
    let start = site.start_line.filter(|l| *l > 0).or(first_sampled)?;
    let last = sampled.iter().copied().max().filter(|l| *l > start);
    let end = match (last, next_start) {
        (Some(last), _) => last,
        (None, Some(next)) if next > start => next - 1,
        (None, _) => start,
    };
    Some(LineRange::new(start, end))
}

#[cfg(test)]
mod tests {
    use super::{span_of, FunctionSite, LineRange};

    fn site(start_line: Option<u32>, sampled: &[u32]) -> FunctionSite {
        FunctionSite {
            name: "main.score".into(),
            file: "/build/app/score.go".into(),
            start_line,
            sampled: sampled.to_vec(),
        }
    }

    #[test]
    fn a_function_spans_from_its_start_to_its_last_sampled_line() {
        assert_eq!(
            span_of(&site(Some(10), &[14, 22, 18]), None),
            Some(LineRange::new(10, 22))
        );
        // Go 1.19 writes no start line: the sampled lines alone.
        assert_eq!(
            span_of(&site(None, &[14, 22, 18]), Some(40)),
            Some(LineRange::new(14, 22))
        );
        // Only a start line: to the next function's start, else the line itself.
        assert_eq!(
            span_of(&site(Some(10), &[]), Some(31)),
            Some(LineRange::new(10, 30))
        );
        assert_eq!(
            span_of(&site(Some(10), &[10]), None),
            Some(LineRange::new(10, 10))
        );
        assert_eq!(span_of(&site(None, &[0]), None), None);
    }
}
