//! In-use memory read through Pyroscope (docs/at-scale.md): Pyroscope adds up every profile it
//! merges, so a window's flame graph of snapshots is their sum; the window's level — each
//! series' mean, series side by side added up, as files and pushes give it — is read from
//! the series' own points, and the flame graph scaled to it.

use tokio::time::Instant;

use super::{ProfileKey, PyroscopeProfileData};
use crate::client::{profile_points, SeriesAsked};
use pf_formats::formats::flamegraph::{scaled, FlameGraphStats};
use pf_formats::formats::pyroscope_api::Series;
use pf_infra::sor::SorError;
use pf_model::{LabelSelector, MatchOp, Matcher, ProfileType};
use pf_profiles::level_of_series;

/// A step of one second: one point per profile of a series.
const PROFILE_STEP_SECS: i64 = 1;

impl PyroscopeProfileData {
    /// `stats`, the merged sum of `key`'s snapshots, scaled to the window's level. Exact when
    /// every snapshot of the window stood equally long (each series sends at one interval, all
    /// at the same one); otherwise the total is exact and each function's share is that of the
    /// snapshots' sum, where the push store weighs each snapshot by its time.
    pub(super) async fn at_level(
        &self,
        key: &ProfileKey,
        stats: FlameGraphStats,
        deadline: Instant,
    ) -> Result<FlameGraphStats, SorError> {
        if stats.total_samples == 0 {
            return Ok(stats);
        }
        // The watcher's slices come with their level, read for the whole fleet at once.
        let known = match key.labels.is_empty() {
            true => self
                .held(key.app.as_str(), ProfileType::Inuse, key.window)
                .await
                .and_then(|held| held.level),
            false => None,
        };
        let level = match known {
            Some(level) => level,
            None => match self.level(key, deadline).await {
                Ok(level) => level,
                // A server that cannot list its series' points (not a Pyroscope: a proxy or
                // an older engine) says only the sum: answered as it is, with a warning.
                Err(SorError::NotImplemented(why)) => {
                    tracing::warn!(app = %key.app, why, "in-use memory read as Pyroscope's sum of the window's snapshots");
                    return Ok(stats);
                }
                Err(e) => return Err(e),
            },
        };
        Ok(scaled(&stats, level / stats.total_samples as f64))
    }

    /// The window's level of `key`'s snapshots: every series of the app (grouped by all of its
    /// label names, so a group is one series) with one point per profile.
    async fn level(&self, key: &ProfileKey, deadline: Instant) -> Result<f64, SorError> {
        let selector = self.client.selector(&key.app, &key.labels);
        let type_matcher = Matcher {
            name: TYPE_LABEL.to_owned(),
            op: MatchOp::Equal,
            value: key.source.clone(),
        };
        let typed = self.client.selector(
            &key.app,
            &key.labels.and(&LabelSelector::of(vec![type_matcher])),
        );
        let names = self
            .client
            .label_names(vec![typed], key.window, deadline)
            .await?;
        let asked = SeriesAsked {
            type_id: &key.source,
            selector,
            window: key.window,
            group_by: names,
            step_secs: PROFILE_STEP_SECS,
        };
        let series = self.client.select_series(&asked, deadline).await?;
        Ok(level_of(&series))
    }
}

/// The in-use level of `series`, each a snapshot's time and value, as [`level_of_series`]
/// makes it.
pub(super) fn level_of<'s>(series: impl IntoIterator<Item = &'s Series>) -> f64 {
    let points: Vec<Vec<(i64, f64)>> = series
        .into_iter()
        .map(|s| {
            profile_points(s)
                .into_iter()
                .map(|p| (p.time_ms.saturating_mul(1_000_000), p.value))
                .collect()
        })
        .collect();
    level_of_series(&points)
}

/// The label holding a series' profile-type ID.
const TYPE_LABEL: &str = "__profile_type__";
