//! Markdown snapshots: the full expected text of a v2 and a v1 report.

use super::*;
use crate::model::{DiffSummary, Verdict};
use pf_model::{ProfileType, TimeWindow};

fn entry(function: &str, base: f64, cur: f64, threshold: Option<f64>) -> DiffEntry {
    DiffEntry {
        function: function.to_owned(),
        baseline_percent: base,
        current_percent: cur,
        delta_percent: ((cur - base) * 100.0).round() / 100.0,
        approved_threshold: threshold,
        exceeds_threshold: threshold.map(|t| cur > t),
        significance: None,
        current_low: None,
        current_high: None,
        breach_significant: None,
    }
}

fn report(v2: bool) -> DiffReport {
    let threshold = |t: f64| v2.then_some(t);
    DiffReport {
        app_name: "checkout-service".into(),
        profile_type: ProfileType::Cpu,
        baseline: TimeWindow::new(1_763_802_000, 1_763_805_600).unwrap(),
        current: TimeWindow::new(1_763_805_600, 1_763_809_200).unwrap(),
        labels: Default::default(),
        baseline_labels: Default::default(),
        current_labels: Default::default(),
        regressions: vec![
            entry("com/acme/Pricing.applyDiscounts", 2.1, 8.7, threshold(5.0)),
            entry("main.(*Cache).Get|fast", 1.0, 2.125, None),
            entry("com/acme/Tax.rate", 3.0, 4.0, threshold(10.0)),
        ],
        improvements: if v2 {
            vec![entry("java/util/HashMap.resize", 4.0, 1.5, None)]
        } else {
            vec![]
        },
        summary: DiffSummary {
            regressions_count: 3,
            improvements_count: usize::from(v2),
            top_regression: Some("com/acme/Pricing.applyDiscounts (+6.6%)".into()),
            threshold_breaches: v2.then_some(1),
            verdict: if v2 { Verdict::Fail } else { Verdict::Warn },
            significance: None,
        },
        suspects: None,
    }
}

/// What both snapshots start with: the app, the type and windows, and the regressions' heading.
const HEADER: &str = "\
# Diff report: checkout-service

- **Profile type:** cpu
- **Baseline:** 2025-11-22 09:00:00 UTC – 2025-11-22 10:00:00 UTC
- **Current:** 2025-11-22 10:00:00 UTC – 2025-11-22 11:00:00 UTC

## Regressions

";

#[test]
fn a_v2_report_has_threshold_columns_and_marks_breaches() {
    let expected = format!(
        "{HEADER}\
| Function | Baseline % | Current % | Delta | Threshold |
|---|---:|---:|---:|---|
| `com/acme/Pricing.applyDiscounts` | 2.10 | 8.70 | +6.60 | 5.00 **BREACH** |
| `main.(*Cache).Get\\|fast` | 1.00 | 2.13 | +1.13 | — |
| `com/acme/Tax.rate` | 3.00 | 4.00 | +1.00 | 10.00 |

## Improvements

| Function | Baseline % | Current % | Delta | Threshold |
|---|---:|---:|---:|---|
| `java/util/HashMap.resize` | 4.00 | 1.50 | -2.50 | — |

## Summary

- **Verdict:** FAIL
- Regressions: 3
- Improvements: 1
- Top regression: `com/acme/Pricing.applyDiscounts` (+6.6%)
- Threshold breaches: 1
"
    );
    assert_eq!(render(&report(true)), expected);
}

#[test]
fn a_v1_report_has_no_threshold_column_and_says_when_a_table_is_empty() {
    let expected = format!(
        "{HEADER}\
| Function | Baseline % | Current % | Delta |
|---|---:|---:|---:|
| `com/acme/Pricing.applyDiscounts` | 2.10 | 8.70 | +6.60 |
| `main.(*Cache).Get\\|fast` | 1.00 | 2.13 | +1.13 |
| `com/acme/Tax.rate` | 3.00 | 4.00 | +1.00 |

## Improvements

_None._

## Summary

- **Verdict:** WARN
- Regressions: 3
- Improvements: 0
- Top regression: `com/acme/Pricing.applyDiscounts` (+6.6%)
"
    );
    assert_eq!(render(&report(false)), expected);
}

#[test]
fn backticks_and_newlines_in_names_cannot_break_the_layout() {
    assert_eq!(code("a`b"), "`` a`b ``");
    assert_eq!(code("a\nb"), "`a b`");
}

#[test]
fn intervals_stand_beside_each_delta_and_noise_is_marked() {
    use crate::significance::{DeltaInterval, PartCounts, SignificanceSummary, METHOD};
    let mut r = report(true);
    r.regressions[0].significance = Some(DeltaInterval {
        low: 3.1,
        high: 10.104,
        p_value: 0.001,
        significant: true,
    });
    r.regressions[0].breach_significant = Some(false);
    r.regressions[2].significance = Some(DeltaInterval {
        low: -0.5,
        high: 2.5,
        p_value: 0.2,
        significant: false,
    });
    r.summary.significance = Some(SignificanceSummary {
        available: true,
        reason: None,
        slices: PartCounts {
            baseline: 10,
            current: 10,
        },
        method: METHOD,
        fdr: 0.05,
    });
    let text = render(&r);
    assert!(
        text.contains("| +6.60 (95 % CI +3.10 … +10.10) | 5.00 **BREACH** (not significant) |"),
        "{text}"
    );
    assert!(
        text.contains("| +1.00 (95 % CI -0.50 … +2.50) (not significant) |"),
        "{text}"
    );
    assert!(text.contains("- Significance: 95 % intervals from 10 baseline and 10 current parts (ratio-t, false discovery rate 0.05)"), "{text}");
}
