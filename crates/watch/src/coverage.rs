//! Whether the watcher's summaries cover a fleet window
//! (docs/profiles-over-time.md#whole-or-live), pure: a fleet answer comes from the
//! summaries only when the watcher has worked every due slice of the window for every app asked; an
//! app whose slices it tried and could not read is named as failed, as a live answer names an app
//! it could not read; any other gap sends the answer live.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use pf_model::{AppName, ProfileType, TimeWindow};

/// Which series' work to report: one type, the slices of a window on the grid, all apps or
/// some.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageQuery {
    pub profile_type: ProfileType,
    /// The slices whose start lies in it (a window on the slice grid).
    pub slices: TimeWindow,
    /// `None`: every series of the type the watcher follows.
    pub apps: Option<Vec<AppName>>,
}

/// What the watcher did with one series' slices of a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppCoverage {
    pub app: String,
    /// Slices the watcher worked: summarized, or read and found without a profile.
    pub worked: u32,
    /// Starts of the slices it tried and could not read (a live slice it keeps retrying, and
    /// those after it; a backfill given up), ascending.
    pub failed: Vec<i64>,
}

/// How a fleet window can be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Covered {
    /// From the summaries: `answered` apps have every slice; each of `failed` lacks the
    /// slices named with it, which the watcher tried and could not read.
    Whole {
        answered: Vec<String>,
        failed: Vec<(String, Vec<i64>)>,
    },
    /// Live: `app` lacks a slice the watcher has not worked (not watched there, not caught
    /// up, or the window starts before its history).
    Gap { app: String },
}

/// Whether `coverage` (what the watcher reports) covers `slices` slices of every one of
/// `apps`.
pub fn covered(apps: &[String], slices: usize, coverage: Vec<AppCoverage>) -> Covered {
    let mut by_app: HashMap<String, AppCoverage> =
        coverage.into_iter().map(|c| (c.app.clone(), c)).collect();
    let mut answered = Vec::with_capacity(apps.len());
    let mut failed = Vec::new();
    for app in apps {
        let Some(cover) = by_app.remove(app) else {
            return Covered::Gap { app: app.clone() };
        };
        let worked = usize::try_from(cover.worked).unwrap_or(usize::MAX);
        if worked >= slices {
            answered.push(app.clone());
        } else if !cover.failed.is_empty() && worked.saturating_add(cover.failed.len()) >= slices {
            failed.push((app.clone(), cover.failed));
        } else {
            return Covered::Gap { app: app.clone() };
        }
    }
    Covered::Whole { answered, failed }
}

#[cfg(test)]
mod tests {
    use super::{covered, AppCoverage, Covered};

    fn cover(app: &str, worked: u32, failed: &[i64]) -> AppCoverage {
        AppCoverage {
            app: app.into(),
            worked,
            failed: failed.to_vec(),
        }
    }

    fn apps(names: &[&str]) -> Vec<String> {
        names.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn every_app_with_every_slice_worked_is_answered_from_the_summaries() {
        let got = covered(
            &apps(&["a", "b"]),
            12,
            vec![cover("b", 12, &[]), cover("a", 12, &[]), cover("c", 3, &[])],
        );
        assert_eq!(
            got,
            Covered::Whole {
                answered: apps(&["a", "b"]),
                failed: vec![]
            }
        );
    }

    #[test]
    fn an_app_whose_slices_failed_is_named_with_them_and_the_rest_still_answer() {
        let got = covered(
            &apps(&["a", "b"]),
            12,
            vec![cover("a", 12, &[]), cover("b", 10, &[3000, 3300])],
        );
        assert_eq!(
            got,
            Covered::Whole {
                answered: apps(&["a"]),
                failed: vec![("b".into(), vec![3000, 3300])]
            }
        );
    }

    #[test]
    fn a_slice_not_worked_an_app_not_watched_or_a_short_history_is_a_gap() {
        let gap = |app: &str| Covered::Gap { app: app.into() };
        // Three of twelve slices summarized (a window before the watcher's history).
        assert_eq!(
            covered(&apps(&["a"]), 12, vec![cover("a", 3, &[])]),
            gap("a")
        );
        // Not watched at all.
        assert_eq!(
            covered(&apps(&["a", "z"]), 12, vec![cover("a", 12, &[])]),
            gap("z")
        );
        // One slice failed, another never tried.
        assert_eq!(
            covered(&apps(&["a"]), 12, vec![cover("a", 10, &[3000])]),
            gap("a")
        );
        // No slice due: every app covers it.
        assert_eq!(
            covered(&apps(&["a"]), 0, vec![cover("a", 0, &[])]),
            Covered::Whole {
                answered: apps(&["a"]),
                failed: vec![]
            }
        );
    }
}
