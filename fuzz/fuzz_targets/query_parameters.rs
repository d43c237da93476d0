//! The query-parameter parsers: app names, selectors, profile types, `name=`, the window rule.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use pf_ingest::parse_name;
use pf_model::{AppName, LabelSelector, ProfileType, WindowBounds};

fuzz_target!(|input: (&str, i64, i64, u32)| {
    let (text, from, to, now) = input;
    let _ = LabelSelector::parse(Some(text), "labels");
    let _ = AppName::from_str(text);
    let _ = ProfileType::from_str(text);
    let _ = ProfileType::parse_list(text);
    let _ = parse_name(text);
    let now = i64::from(now);
    let bounds = WindowBounds::new(now, 31);
    if let Ok(window) = bounds.resolve(Some(from), Some(to)) {
        assert!(window.to - window.from <= 31 * 86_400);
        assert!(window.to <= now + pf_model::FUTURE_SLACK_SECS);
    }
});
