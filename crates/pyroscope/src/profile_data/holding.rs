//! Calls for what holds data (docs/at-scale.md): for one type and one slice, a few calls for the
//! whole fleet say which apps have profiles, under which of the type's IDs, with which values
//! of the version and ref labels, and (in-use memory) at which level; the watcher then reads one
//! merged profile per app that has data, with the ID and level known, and nothing of an app
//! that has none.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use tokio::time::Instant;

use super::inuse::level_of;
use super::PyroscopeProfileData;
use crate::client::SeriesAsked;
use pf_formats::formats::pyroscope_api::Series;
use pf_infra::sor::SorError;
use pf_model::{ProfileType, TimeWindow};
use pf_profiles::{HeldApp, Holding, PyroscopeApi};

/// The label that names a series' profile type.
const TYPE_LABEL: &str = "__profile_type__";
/// One point per snapshot.
const SNAPSHOT_STEP_SECS: i64 = 1;

impl PyroscopeProfileData {
    /// What holds profiles of `profile_type` in `window` (remembered for the watcher's round
    /// through the slice, with the values of the `labels` of its first asking); `None` on the
    /// legacy API, which has no fleet-wide calls.
    pub(super) async fn hold(
        &self,
        profile_type: ProfileType,
        window: TimeWindow,
        labels: Vec<String>,
    ) -> Result<Option<Arc<Holding>>, SorError> {
        if self.client.api() == PyroscopeApi::Legacy {
            return Ok(None);
        }
        let deadline = self.deadline();
        let held = self
            .holdings
            .get_or_load((profile_type, window), async {
                self.load_holding(profile_type, window, &labels, deadline)
                    .await
                    .map(Arc::new)
            })
            .await;
        match held {
            Ok(held) => Ok(Some(held)),
            // A server that does not list the fleet's types is asked per app.
            Err(SorError::NotImplemented(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The app's part of a holding read earlier for `profile_type` in `window`: what a profile
    /// read of the watcher's takes its ID and level from, without asking again.
    pub(super) async fn held(
        &self,
        app: &str,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Option<HeldApp> {
        let holding = self.holdings.peek(&(profile_type, window)).await?;
        holding.apps.get(app).cloned()
    }

    async fn load_holding(
        &self,
        profile_type: ProfileType,
        window: TimeWindow,
        labels: &[String],
        deadline: Instant,
    ) -> Result<Holding, SorError> {
        let present = self
            .fleet_types
            .get_or_load(window, async {
                self.client
                    .fleet_type_ids(window, deadline)
                    .await
                    .map(Arc::new)
            })
            .await?;
        let candidates = self
            .candidates
            .get(&profile_type)
            .cloned()
            .unwrap_or_default();
        let mut holding = Holding::default();
        // In the settings' order of preference: an app is read with the first ID it has.
        for id in candidates.iter().filter(|c| present.contains(c)) {
            let apps = if profile_type.is_snapshot() {
                self.snapshot_apps(id, window, labels, deadline).await?
            } else {
                self.event_apps(id, window, labels, deadline).await?
            };
            for (app, held) in apps {
                holding.apps.entry(app).or_insert(held);
            }
        }
        Ok(holding)
    }

    /// The apps with profiles of `id`, grouped by the app label and `labels`, one point each.
    async fn event_apps(
        &self,
        id: &str,
        window: TimeWindow,
        labels: &[String],
        deadline: Instant,
    ) -> Result<HashMap<String, HeldApp>, SorError> {
        let mut group_by = vec![self.client.app_label().to_owned()];
        group_by.extend(labels.iter().cloned());
        let asked = SeriesAsked {
            type_id: id,
            selector: "{}".to_owned(),
            window,
            group_by,
            step_secs: (window.to - window.from).max(1),
        };
        let series = self.client.select_series(&asked, deadline).await?;
        Ok(self.by_app(id, &series, labels, |_| None))
    }

    /// The apps with snapshots of `id`, every series apart (grouped by every label name), one
    /// point per snapshot: the level of each app as [`level_of`] makes it.
    async fn snapshot_apps(
        &self,
        id: &str,
        window: TimeWindow,
        labels: &[String],
        deadline: Instant,
    ) -> Result<HashMap<String, HeldApp>, SorError> {
        let typed = format!("{{{TYPE_LABEL}=\"{id}\"}}");
        let names = self
            .client
            .label_names(vec![typed], window, deadline)
            .await?;
        let asked = SeriesAsked {
            type_id: id,
            selector: "{}".to_owned(),
            window,
            group_by: names,
            step_secs: SNAPSHOT_STEP_SECS,
        };
        let series = self.client.select_series(&asked, deadline).await?;
        Ok(self.by_app(id, &series, labels, |app_series: &[&Series]| {
            Some(level_of(app_series.iter().copied()))
        }))
    }

    /// `series` gathered by app: each app's label values and (with `level`) its level.
    fn by_app(
        &self,
        id: &str,
        series: &[Series],
        labels: &[String],
        level: impl Fn(&[&Series]) -> Option<f64>,
    ) -> HashMap<String, HeldApp> {
        let app_label = self.client.app_label();
        let mut grouped: BTreeMap<&str, Vec<&Series>> = BTreeMap::new();
        for s in series.iter().filter(|s| !s.points.is_empty()) {
            let app = s.labels.iter().find(|l| l.name == app_label);
            if let Some(app) = app.filter(|l| !l.value.is_empty()) {
                grouped.entry(app.value.as_str()).or_default().push(s);
            }
        }
        grouped
            .into_iter()
            .map(|(app, series)| {
                let values = labels
                    .iter()
                    .map(|name| {
                        let seen: BTreeSet<String> = series
                            .iter()
                            .flat_map(|s| s.labels.iter())
                            .filter(|l| &l.name == name && !l.value.is_empty())
                            .map(|l| l.value.clone())
                            .collect();
                        (name.clone(), seen.into_iter().collect())
                    })
                    .collect();
                let held = HeldApp {
                    labels: values,
                    source: id.to_owned(),
                    level: level(&series),
                };
                (app.to_owned(), held)
            })
            .collect()
    }
}
