//! A diff's reads from Pyroscope: both windows with one profile type, and (with `slices`) each
//! window's parts besides, all at once through the same cache.

use futures_util::stream::{self, StreamExt, TryStreamExt};

use std::sync::Arc;

use super::{ProfileKey, PyroscopeProfileData, TypeSource};
use pf_infra::sor::SorError;
use pf_model::{LabelSelector, TimeWindow};
use pf_profiles::ProfileDiffQuery;
use pf_profiles::{DiffRead, PartsRead};

/// Parts of one window read from Pyroscope at once (docs/api.md#how-sure-is-a-diff).
const PARTS_AT_ONCE: usize = 16;

impl PyroscopeProfileData {
    /// One source for both windows, so they compare like with like, both flame graphs, and
    /// (with `slices`) both windows' parts, all read at once.
    pub(super) async fn both(
        &self,
        query: &ProfileDiffQuery,
        slices: u32,
    ) -> Result<DiffRead, SorError> {
        let deadline = self.deadline();
        let TypeSource { id: source, held } = self
            .source(&query.app, query.profile_type, query.span(), deadline)
            .await?;
        // A quiet app's windows are empty: nothing to ask Pyroscope.
        let stats = |key: ProfileKey| async move {
            if held {
                self.stats(key, deadline).await
            } else {
                Ok(Arc::default())
            }
        };
        let key = |window, labels: &LabelSelector| ProfileKey {
            app: query.app.clone(),
            source: source.clone(),
            window,
            labels: labels.clone(),
            snapshot: query.profile_type.is_snapshot(),
        };
        let parts = |window: TimeWindow, labels: &LabelSelector| {
            // Cut only when asked: a diff without parts pays nothing for them.
            let keys = (slices > 0).then(|| {
                window.parts(slices).map(|parts| {
                    parts
                        .into_iter()
                        .map(|part| (part, key(part, labels)))
                        .collect::<Vec<_>>()
                })
            });
            async move {
                if !held {
                    // Nothing in the window: no parts to show how it varies, as from files.
                    let why = format!(
                        "the window {}–{} holds no profiles of the type; 2 or more parts with \
                         profiles are needed",
                        window.from, window.to
                    );
                    return Ok(keys.map(|_| Err(why)));
                }
                let keys = match keys {
                    None => return Ok(None),
                    Some(Err(reason)) => return Ok(Some(Err(reason))),
                    Some(Ok(keys)) => keys,
                };
                let reads = keys
                    .into_iter()
                    .map(|(part, key)| async move { Ok::<_, SorError>((part, stats(key).await?)) });
                let read: Vec<_> = stream::iter(reads)
                    .buffered(PARTS_AT_ONCE)
                    .try_collect()
                    .await?;
                Ok::<PartsRead, SorError>(Some(Ok(read)))
            }
        };
        let (baseline, current, baseline_parts, current_parts) = futures_util::future::join4(
            stats(key(query.baseline, &query.baseline_labels)),
            stats(key(query.current, &query.current_labels)),
            parts(query.baseline, &query.baseline_labels),
            parts(query.current, &query.current_labels),
        )
        .await;
        Ok(DiffRead {
            id: source,
            whole: (baseline?, current?),
            parts: (baseline_parts?, current_parts?),
        })
    }
}
