//! A leak's part of its page (docs/regressions.md#memory-that-only-grows): the rate with its
//! interval, the levels, the limit, and the in-use plot with the fitted line. Pure.

use super::leak_notice::bytes;
use super::marks::rate_line;
use pf_detection::leaks::Leak;
use pf_model::trend_view::Trends;
use pf_model::utc::{utc_text, MINUTE};
use pf_pictures::{memory_svg, FittedLine, Page};

/// The section of `leak` of `function`, drawn from `trend`.
pub fn section(page: &mut Page, trend: &Trends, function: &str, leak: &Leak) {
    page.heading("Memory that only grows");
    let mut facts = vec![
        ("Rate", rate_line(leak)),
        ("Trend", format!("Mann–Kendall p = {:.2e}", leak.p_value)),
        ("Growing since", utc_text(leak.since, MINUTE)),
        (
            "Fitted over",
            format!(
                "{} … {}",
                utc_text(leak.fit_from, MINUTE),
                utc_text(leak.through, MINUTE)
            ),
        ),
        (
            "In use",
            format!(
                "{} then (fitted), {} now, of {} for the whole profile",
                bytes(leak.start_bytes),
                bytes(leak.current_bytes as f64),
                bytes(leak.total_bytes as f64)
            ),
        ),
    ];
    match (leak.limit_bytes, leak.limit_reached_at) {
        (Some(limit), Some(at)) => facts.push((
            "Limit reached",
            format!(
                "{} at the summed rate of the app's leaks ({})",
                utc_text(at, MINUTE),
                bytes(limit as f64)
            ),
        )),
        _ => facts.push((
            "Limit",
            "unknown: set the registry metadata memoryLimitBytes or leaks.memory_limit_bytes"
                .to_owned(),
        )),
    }
    page.facts(&facts);
    let fit = FittedLine {
        from: leak.fit_from,
        through: leak.through,
        level: leak.start_bytes,
        per_second: leak.bytes_per_hour / 3600.0,
    };
    page.svg(&memory_svg(trend, function, fit, leak.since));
}
