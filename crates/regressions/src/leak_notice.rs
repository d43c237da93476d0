//! What a leak says when it is delivered (docs/regressions.md#memory-that-only-grows): its alert's
//! summary and description, in bytes people read (KiB, MiB, GiB), with the rate, since when, and
//! when the limit is reached.

use crate::store::Regression;
use pf_detection::leaks::Leak;
use pf_model::utc::{utc_text, CLOCK, MINUTE};

/// The `alertname` of every leak alert.
pub const LEAK_ALERT_NAME: &str = "ProfilingMemoryLeak";

/// A leak whose process reaches its limit sooner than this after the fit is `critical`.
const CRITICAL_WITHIN_SECS: i64 = 24 * 3600;

/// "ledger inuse: Cache.put +2.0 GiB/h (95% CI +1.9…+2.2 GiB/h) since 10:35 UTC, 12.5 GiB now;
/// the 16.0 GiB limit is reached at 03:40 UTC".
pub fn summary(event: &Regression, leak: &Leak, function: &str) -> String {
    let mut line = format!(
        "{} {}: {function} {}/h (95% CI {}…{}/h) since {}, {} now",
        event.app_name,
        event.profile_type,
        signed(leak.bytes_per_hour),
        signed(leak.low),
        signed(leak.high),
        utc_text(leak.since, CLOCK),
        bytes(leak.current_bytes as f64),
    );
    if let (Some(limit), Some(at)) = (leak.limit_bytes, leak.limit_reached_at) {
        line.push_str(&format!(
            "; the {} limit is reached at {}",
            bytes(limit as f64),
            utc_text(at, MINUTE)
        ));
    }
    line
}

/// The alert's description: the fit, the levels, the test and the limit.
pub fn description(event: &Regression, leak: &Leak) -> String {
    let hours = (leak.through - leak.fit_from) as f64 / 3600.0;
    let mut text = format!(
        "{} holds in-use memory that only grows: {}/h (95 % CI {}…{}/h, Mann–Kendall p = \
         {:.2e}), fitted over the {hours:.1} h from {} ({} then, {} now). The whole profile \
         holds {}.",
        event.function,
        signed(leak.bytes_per_hour),
        signed(leak.low),
        signed(leak.high),
        leak.p_value,
        utc_text(leak.fit_from, MINUTE),
        bytes(leak.start_bytes),
        bytes(leak.current_bytes as f64),
        bytes(leak.total_bytes as f64),
    );
    match (leak.limit_bytes, leak.limit_reached_at) {
        (Some(limit), Some(at)) => text.push_str(&format!(
            " At the summed rate of its leaks it reaches its {} limit at {}.",
            bytes(limit as f64),
            utc_text(at, MINUTE)
        )),
        _ => text.push_str(
            " No memory limit is known (registry metadata memoryLimitBytes, or \
             leaks.memory_limit_bytes).",
        ),
    }
    text
}

/// Whether the leak reaches its limit within a day of its fit.
pub fn critical(leak: &Leak) -> bool {
    leak.limit_reached_at
        .is_some_and(|at| at.saturating_sub(leak.through) <= CRITICAL_WITHIN_SECS)
}

/// `bytes` with a sign, in the unit that fits.
pub fn signed(value: f64) -> String {
    let sign = if value < 0.0 { "−" } else { "+" };
    format!("{sign}{}", bytes(value.abs()))
}

/// `bytes` in B, KiB, MiB, GiB or TiB, one decimal.
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut scaled = value;
    let mut unit = 0;
    while scaled.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        scaled /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{scaled:.0} B")
    } else {
        format!("{scaled:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_in_the_unit_that_fits() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(16.0 * 1024.0 * 1024.0), "16.0 MiB");
        assert_eq!(bytes(2.2e9), "2.0 GiB");
        assert_eq!(signed(-1536.0), "−1.5 KiB");
    }
}
