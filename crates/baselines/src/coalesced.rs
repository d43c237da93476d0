//! `BaselineSor` in front of another: identical reads in flight share one query.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::model::{Baseline, BaselinePatch, NewBaseline};
use crate::BaselineSor;
use pf_infra::sor::coalescing::Coalescing;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::{AppName, ProfileType};

/// Reads an app's baselines once for every caller asking while that read is under way; the
/// answer is not kept after it, so a change is seen by every read that starts after it.
pub struct CoalescedBaselines {
    inner: Arc<dyn BaselineSor>,
    lists: Coalescing<(AppName, Option<ProfileType>), Arc<Vec<Baseline>>>,
}

impl CoalescedBaselines {
    /// Coalesces reads of `inner`, counting them as `cache_lookups_total{cache="baselines"}`.
    pub fn new(inner: Arc<dyn BaselineSor>, metrics: Arc<Metrics>) -> Self {
        CoalescedBaselines {
            inner,
            lists: Coalescing::new("baselines", Duration::ZERO, 0, |_, _| 1, metrics),
        }
    }
}

#[async_trait]
impl BaselineSor for CoalescedBaselines {
    async fn upsert(&self, baseline: NewBaseline) -> Result<Baseline, SorError> {
        self.inner.upsert(baseline).await
    }

    async fn list(
        &self,
        app: AppName,
        profile_type: Option<ProfileType>,
    ) -> Result<Vec<Baseline>, SorError> {
        let load = self.inner.list(app.clone(), profile_type);
        let shared = self
            .lists
            .get_or_load((app, profile_type), async { load.await.map(Arc::new) })
            .await?;
        Ok(shared.as_ref().clone())
    }

    async fn get(&self, id: i32) -> Result<Baseline, SorError> {
        self.inner.get(id).await
    }

    async fn update(&self, id: i32, patch: BaselinePatch) -> Result<Baseline, SorError> {
        self.inner.update(id, patch).await
    }

    async fn delete(&self, id: i32) -> Result<(), SorError> {
        self.inner.delete(id).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::future::join_all;

    use super::*;

    /// A store whose reads take 50 ms and are counted; writes are not used here.
    #[derive(Default)]
    struct SlowStore {
        lists: AtomicUsize,
    }

    #[async_trait]
    impl BaselineSor for SlowStore {
        async fn upsert(&self, _: NewBaseline) -> Result<Baseline, SorError> {
            Err(SorError::Unexpected("not used".into()))
        }

        async fn list(
            &self,
            app: AppName,
            _: Option<ProfileType>,
        ) -> Result<Vec<Baseline>, SorError> {
            self.lists.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            if app.as_str() == "down" {
                return Err(SorError::Unavailable("database down".into()));
            }
            Ok(Vec::new())
        }

        async fn update(&self, _: i32, _: BaselinePatch) -> Result<Baseline, SorError> {
            Err(SorError::Unexpected("not used".into()))
        }

        async fn delete(&self, _: i32) -> Result<(), SorError> {
            Err(SorError::Unexpected("not used".into()))
        }
    }

    fn coalesced() -> (CoalescedBaselines, Arc<SlowStore>) {
        let inner = Arc::new(SlowStore::default());
        let store = CoalescedBaselines::new(inner.clone(), Metrics::new(None).unwrap());
        (store, inner)
    }

    #[tokio::test]
    async fn concurrent_reads_share_one_query_and_later_reads_query_again() {
        let (store, inner) = coalesced();
        let app: AppName = "checkout".parse().unwrap();
        let answers = join_all((0..10).map(|_| store.list(app.clone(), None))).await;
        assert!(answers.iter().all(|a| a == &Ok(Vec::new())));
        assert_eq!(inner.lists.load(Ordering::SeqCst), 1);

        store.list(app.clone(), None).await.unwrap();
        assert_eq!(inner.lists.load(Ordering::SeqCst), 2);
        store.list(app, Some(ProfileType::Cpu)).await.unwrap();
        assert_eq!(inner.lists.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn an_error_reaches_every_waiter() {
        let (store, inner) = coalesced();
        let app: AppName = "down".parse().unwrap();
        let answers = join_all((0..3).map(|_| store.list(app.clone(), None))).await;
        assert!(answers
            .iter()
            .all(|a| matches!(a, Err(SorError::Unavailable(_)))));
        assert_eq!(inner.lists.load(Ordering::SeqCst), 1);
    }
}
