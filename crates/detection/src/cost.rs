//! The cost ratio of docs/regressions.md: by what factor a function's cost grew against the rest of
//! its profile, and what that costs the whole process. Pure; shares are fractions (0–1).
//!
//! The edges, where the ratio has no finite value, are named rather than divided by zero:
//! a function new in the profile (before share 0) or one that became the whole profile (after
//! share 1) grew by an unbounded factor, `None`, which the relative rule counts as met; no
//! change at all (the same share, 0 or 1 included) is a factor of 1.

/// r = (a / (1 − a)) / (b / (1 − b)) = a·(1 − b) / (b·(1 − a)), b before, a after; `None` when
/// unbounded (b = 0 < a, or a = 1 > b) or a share is NaN; 0 when a = 0 < b or b = 1 > a.
pub fn cost_ratio(before: f64, after: f64) -> Option<f64> {
    let (b, a) = shares(before, after)?;
    if a == b {
        return Some(1.0);
    }
    if b == 0.0 || a == 1.0 {
        return None;
    }
    // a = 0 < b, or b = 1 > a: the function's cost against the rest fell to nothing or from
    // everything; 0 either way (never a suspicion).
    if a == 0.0 || b == 1.0 {
        return Some(0.0);
    }
    Some(a * (1.0 - b) / (b * (1.0 - a)))
}

/// 100·b·(r − 1) = 100·((1 − b)·a / (1 − a) − b): how much more the whole process spends if
/// the rest of it did not change, percent. Finite for a new function (b = 0: 100·a / (1 − a));
/// `None` when a = 1 > b (the rest of the process vanished) or a share is NaN.
pub fn process_cost_percent(before: f64, after: f64) -> Option<f64> {
    let (b, a) = shares(before, after)?;
    if a == b {
        return Some(0.0);
    }
    if a == 1.0 {
        return None;
    }
    Some(100.0 * ((1.0 - b) * a / (1.0 - a) - b))
}

/// Whether the cost ratio from `before` to `after` is at least `factor`; an unbounded ratio is.
pub fn ratio_at_least(before: f64, after: f64, factor: f64) -> bool {
    match cost_ratio(before, after) {
        Some(r) => r >= factor,
        // None: unbounded growth, or a NaN share (never at least anything).
        None => shares(before, after).is_some(),
    }
}

/// The after share whose cost ratio to `before` is `factor` (≥ 0): (f·b) / (1 + (f − 1)·b).
pub fn share_at_ratio(before: f64, factor: f64) -> f64 {
    let b = before.clamp(0.0, 1.0);
    let denominator = 1.0 + (factor - 1.0) * b;
    if denominator > 0.0 {
        (factor * b / denominator).clamp(0.0, 1.0)
    } else {
        b
    }
}

/// Both shares clamped to [0, 1]; None when one is NaN.
fn shares(before: f64, after: f64) -> Option<(f64, f64)> {
    if before.is_nan() || after.is_nan() {
        return None;
    }
    Some((before.clamp(0.0, 1.0), after.clamp(0.0, 1.0)))
}

#[cfg(test)]
#[path = "cost_tests.rs"]
mod tests;
