//! The real Go profiles through the pure leak detector (`regressions::leaks::examine`) with the
//! proof's settings, slice by slice as the watcher examines them, its open events kept here:
//! what the end-to-end tests must see once the detector is wired, checked without the service.

use std::collections::HashSet;

use pf_detection::leaks::{examine, LeakSettings};
use pf_detection::model::{Change, EventState, Finding, OpenEvent};
use pf_model::trend::{KeptFunction, SliceSummary};
use pf_model::{SliceSecs, Slices};

use super::programs::{go_ticks, self_inuse, EXACT_RATE, GO_LEAK_PER_TICK};
use super::service::{CONFIRM, SLICE, WINDOW};

/// Where the replay's slices start (any time).
const FROM: i64 = 1_760_000_000;

/// The summary of one heap profile in slice `start`: every function's self in-use, kept as a
/// summary keeps them (the 100 largest).
fn summary(start: i64, pprof: &[u8]) -> SliceSummary {
    let mut functions: Vec<KeptFunction> = self_inuse(pprof)
        .into_iter()
        .filter(|(_, v)| *v > 0)
        .map(|(name, v)| KeptFunction::new(name, v as u64, v as u64))
        .collect();
    functions.sort_by(|a, b| {
        b.self_samples
            .cmp(&a.self_samples)
            .then(a.name.cmp(&b.name))
    });
    functions.truncate(100);
    SliceSummary {
        start,
        total_samples: functions.iter().map(|f| f.self_samples).sum(),
        versions: Vec::new(),
        refs: Vec::new(),
        functions,
    }
}

/// Every suspicion (the finding) and every confirmation (its finding) over the profiles.
pub fn replay(profiles: &[Vec<u8>]) -> (Vec<Finding>, Vec<Finding>) {
    let settings = LeakSettings {
        window_slices: WINDOW as usize,
        fdr: 0.01,
        min_growth_bytes: 16 << 20,
        min_relative: 0.5,
        confirm_slices: CONFIRM as usize,
        top_functions: 100,
        slices: Slices {
            slice_secs: SliceSecs::new(SLICE).expect("a positive slice"),
            lag_secs: 1,
        },
    };
    let history: Vec<SliceSummary> = profiles
        .iter()
        .enumerate()
        .map(|(k, p)| summary(FROM + k as i64 * SLICE, p))
        .collect();
    let (mut open, mut suspected, mut confirmed) = (Vec::<OpenEvent>::new(), vec![], vec![]);
    for end in 1..=history.len() {
        let blocked = HashSet::new();
        for change in examine(&history[..end], &open, &blocked, &settings).changes {
            match change {
                Change::Suspected {
                    suspected_at,
                    first_recent,
                    finding,
                } => {
                    open.push(OpenEvent::suspected(
                        open.len() as i64 + 1,
                        suspected_at,
                        first_recent,
                        &finding,
                    ));
                    suspected.push(finding);
                }
                Change::Confirmed(c) => {
                    let event = open.iter_mut().find(|e| e.id == c.id).unwrap();
                    event.state = EventState::Confirmed;
                    event.confirmed_at = Some(c.at);
                    confirmed.push(c.finding);
                }
                Change::WentAway { id, .. } | Change::Resolved { id, .. } => {
                    open.retain(|e| e.id != id);
                }
                // Settled, and what else a detector may say of an open event (a leak
                // re-measured while it grows): nothing to keep here.
                _ => {}
            }
        }
    }
    (suspected, confirmed)
}

#[test]
fn leaks_real_go_profiles_through_the_pure_detector() {
    let ticks = 18;
    let (_, leak) = replay(&go_ticks("leak", ticks, EXACT_RATE));
    assert_eq!(leak.len(), 1, "{leak:#?}");
    assert_eq!(leak[0].function, "main.retainRecords");
    let l = leak[0].leak.as_ref().expect("a leak's line");
    let truth = (GO_LEAK_PER_TICK * 3600 / SLICE) as f64;
    let slack = truth * 1e-9;
    assert!(l.low - slack <= truth && truth <= l.high + slack, "{l:#?}");
    eprintln!("replay, go leak: {l:?}");
    for mode in ["churn", "level"] {
        let (suspected, _) = replay(&go_ticks(mode, ticks, EXACT_RATE));
        assert!(suspected.is_empty(), "{mode}: {suspected:#?}");
    }
    // Across a restart: fitted on the second run only.
    let mut restarted = go_ticks("leak", 8, EXACT_RATE);
    restarted.extend(go_ticks("leak", ticks, EXACT_RATE));
    let (_, confirmed) = replay(&restarted);
    assert_eq!(confirmed.len(), 1, "{confirmed:#?}");
    let l = confirmed[0].leak.as_ref().unwrap();
    assert!(l.fit_from >= FROM + 8 * SLICE, "{l:#?}");
    assert!(l.low - slack <= truth && truth <= l.high + slack, "{l:#?}");
}
