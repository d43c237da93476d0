//! The leak events' changes from one window's tests: decisions on open events, new suspicions,
//! and the finding each one carries.

use std::collections::HashSet;

use crate::model::{Change, Confirmation, EventKind, EventState, Finding, OpenEvent};
use pf_model::percent_of;
use pf_model::trend::SliceSummary;

use super::fit::{fit_all, Fit};
use super::segment::{Columns, Window};
use super::{Leak, LeakSettings};

/// A testable window with every tested function's fit.
pub(super) struct Tested<'a> {
    window: &'a Window<'a>,
    newest: &'a SliceSummary,
    columns: Columns<'a>,
    fits: Vec<Fit>,
}

impl<'a> Tested<'a> {
    /// Tests the functions kept in the newest summary and not `blocked`, then those of the
    /// `events` not among them.
    pub(super) fn new(
        window: &'a Window<'a>,
        newest: &'a SliceSummary,
        events: &[&'a OpenEvent],
        blocked: &HashSet<&str>,
        settings: &LeakSettings,
    ) -> Self {
        let mut names: Vec<&'a str> = newest
            .functions
            .iter()
            .map(|f| f.name.as_str())
            .filter(|name| !blocked.contains(name))
            .collect();
        let kept = names.len();
        let mut full = vec![false; kept];
        for event in events {
            let name = event.function.as_str();
            match names.iter().position(|&n| n == name) {
                Some(column) => full[column] = true,
                None => {
                    names.push(name);
                    full.push(true);
                }
            }
        }
        let columns = Columns::new(window.slices, names, settings.top_functions);
        let fits = fit_all(&columns, &window.x, &full, settings, true);
        Tested {
            window,
            newest,
            columns,
            fits,
        }
    }

    /// The summed slopes of every function whose test holds, bytes per second.
    pub(super) fn growth_per_sec(&self) -> f64 {
        self.fits
            .iter()
            .filter(|f| f.holds)
            .filter_map(|f| f.line.map(|l| l.slope))
            .sum()
    }

    /// New suspicions, by function name: functions kept in the newest summary, without an open
    /// leak event and not blocked, whose test holds.
    pub(super) fn suspicions(&self, open: &[OpenEvent], blocked: &HashSet<&str>) -> Vec<Change> {
        let watched: HashSet<&str> = open.iter().map(|e| e.function.as_str()).collect();
        let mut found: Vec<(&str, usize)> = self
            .columns
            .names
            .iter()
            .enumerate()
            .filter(|&(c, name)| {
                self.fits.get(c).is_some_and(|f| f.holds)
                    && !watched.contains(name)
                    && !blocked.contains(name)
                    && self.newest.function(name).is_some()
            })
            .map(|(c, &name)| (name, c))
            .collect();
        found.sort_unstable();
        found
            .into_iter()
            .map(|(_, c)| Change::Suspected {
                suspected_at: self.newest.start,
                first_recent: self.window.first_time,
                finding: self.finding(c, self.growing_since(c)),
            })
            .collect()
    }

    /// When column `column` began to grow, as far as its window tells: the slice after the
    /// last one at or below its level in the window's first quarter (the median there), or
    /// the window's start when that lies in the first quarter itself (it grew from the start,
    /// or before).
    fn growing_since(&self, column: usize) -> i64 {
        let values = self.columns.column(column);
        let quarter = values.len().div_ceil(4).max(1);
        let mut first: Vec<f64> = values.iter().take(quarter).copied().collect();
        first.sort_unstable_by(f64::total_cmp);
        let Some(&level) = first.get(first.len() / 2) else {
            return self.window.first_time;
        };
        match values.iter().rposition(|&v| v <= level) {
            Some(last) if last + 1 >= quarter => self
                .window
                .slices
                .get(last + 1)
                .map_or(self.window.first_time, |s| s.start),
            _ => self.window.first_time,
        }
    }

    /// The column and fit of `function`.
    fn fit_of(&self, function: &str) -> Option<(usize, Fit)> {
        let column = self.columns.find(function)?;
        Some((column, *self.fits.get(column)?))
    }

    /// Column `column`'s finding: shares at the window's first and newest summaries, the delta
    /// scaled by the slope's interval (low ≤ high), Mann–Kendall's p and the fitted line.
    fn finding(&self, column: usize, changed_at: i64) -> Finding {
        let values = self.columns.column(column);
        let fit = self.fits.get(column).copied().unwrap_or_default();
        let share = |value: Option<&f64>, slice: Option<&SliceSummary>| match (value, slice) {
            (Some(&v), Some(s)) if s.total_samples > 0 => 100.0 * v / s.total_samples as f64,
            _ => 0.0,
        };
        let before_percent = share(values.first(), self.window.slices.first());
        let after_percent = share(values.last(), Some(self.newest));
        let delta = after_percent - before_percent;
        let (low, high) = match fit.line {
            Some(l) if l.slope != 0.0 => {
                let (a, b) = (delta * l.low / l.slope, delta * l.high / l.slope);
                (a.min(b), a.max(b))
            }
            _ => (delta, delta),
        };
        let name = self.columns.names.get(column).copied().unwrap_or_default();
        let leak = fit.line.map(|l| Leak {
            bytes_per_hour: l.slope * 3600.0,
            low: l.low * 3600.0,
            high: l.high * 3600.0,
            p_value: fit.p_value(),
            since: changed_at,
            fit_from: self.window.first_time,
            through: self.newest.start,
            start_bytes: l.intercept,
            current_bytes: values.last().map_or(0, |&v| v as u64),
            total_bytes: self.newest.total_samples,
            limit_bytes: None,
            limit_reached_at: None,
        });
        Finding {
            function: name.to_owned(),
            changed_at,
            before_percent,
            after_percent,
            delta_percent: delta,
            low,
            high,
            p_value: fit.p_value(),
            leak,
        }
    }
}

/// The change an open event asks for at the newest slice of `window`, if any.
pub(super) fn decision(
    tested: Option<&Tested>,
    window: &Window,
    event: &OpenEvent,
    settings: &LeakSettings,
) -> Option<Change> {
    let newest = window.newest()?;
    let (id, at) = (event.id, newest.start);
    let fit = tested.and_then(|t| Some((t, t.fit_of(&event.function)?)));
    match event.state {
        EventState::Suspected => {
            let wait = i64::try_from(settings.confirm_slices)
                .unwrap_or(i64::MAX)
                .saturating_mul(settings.slices.slice_secs.secs());
            if at < event.suspected_at.saturating_add(wait) {
                // It must hold at every slice until it is decided: a trend that noise made in
                // one window rarely holds in each of the next ones.
                return match fit {
                    Some((t, (column, f))) if !f.holds => Some(Change::WentAway {
                        id,
                        at,
                        finding: t.finding(column, event.changed_at),
                    }),
                    None => Some(Change::WentAway {
                        id,
                        at,
                        finding: untested(newest, event, settings),
                    }),
                    Some(_) => None,
                };
            }
            Some(match fit {
                Some((t, (column, f))) if f.holds => Change::Confirmed(Confirmation {
                    id,
                    at,
                    finding: t.finding(column, event.changed_at),
                    kind: EventKind::Leak,
                    shifted_from: None,
                    version: None,
                }),
                Some((t, (column, _))) => Change::WentAway {
                    id,
                    at,
                    finding: t.finding(column, event.changed_at),
                },
                None => Change::WentAway {
                    id,
                    at,
                    finding: untested(newest, event, settings),
                },
            })
        }
        EventState::Confirmed => {
            let (t, (column, f)) = fit?;
            let line = f.line?;
            let finding = t.finding(column, event.changed_at);
            if line.low <= 0.0 {
                Some(Change::Resolved {
                    id,
                    at,
                    share_percent: finding.after_percent,
                })
            } else {
                // Still growing: its line as it stands now (a leak that began inside the
                // window it was confirmed on is measured at its full rate once the window lies
                // wholly in it).
                f.holds.then_some(Change::Remeasured { id, at, finding })
            }
        }
        EventState::WentAway | EventState::Resolved | EventState::Settled => None,
    }
}

/// The finding of an event not tested (a restart, a window too short): the event's own
/// change point and before share, its share now, no interval (low = high = delta), p = 1 (no
/// evidence) and no line.
fn untested(newest: &SliceSummary, event: &OpenEvent, settings: &LeakSettings) -> Finding {
    let bytes = newest_bytes(newest, &event.function, settings.top_functions);
    let after_percent = percent_of(bytes, newest.total_samples);
    let delta = after_percent - event.before_percent;
    Finding {
        function: event.function.clone(),
        changed_at: event.changed_at,
        before_percent: event.before_percent,
        after_percent,
        delta_percent: delta,
        low: delta,
        high: delta,
        p_value: 1.0,
        leak: None,
    }
}

/// `function`'s bytes in `slice`: kept, or the slice's upper bound.
fn newest_bytes(slice: &SliceSummary, function: &str, top: usize) -> u64 {
    slice
        .function(function)
        .map_or_else(|| slice.upper_bound(top), |f| f.self_samples)
}
