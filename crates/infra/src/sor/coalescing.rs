//! Protection of the stores behind the SORs: identical loads in flight share one call, and
//! results may be kept for a TTL, optionally refreshed ahead of it. Built on `moka`, whose
//! `entry().or_try_insert_with` runs one loader per key and hands its result to every
//! concurrent waiter.

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use moka::future::Cache;

use crate::sor::SorError;
use crate::telemetry::Metrics;

/// A coalescing TTL cache of one kind of answer, counting its lookups in
/// `cache_lookups_total{cache, result}` with result `hit`, `miss` (this caller loaded),
/// `coalesced` (this caller waited for another caller's load) or `refresh` (this caller
/// reloaded a value kept longer than the refresh age while the others were answered from it).
pub struct Coalescing<K, V> {
    name: &'static str,
    cache: Cache<K, Kept<V>>,
    metrics: Arc<Metrics>,
    /// Kept values older than this are reloaded by the next caller (`with_refresh`).
    refresh_after: Option<Duration>,
    /// The keys being refreshed: one caller each.
    refreshing: Mutex<HashSet<K>>,
}

/// A kept value and when it was loaded.
#[derive(Clone)]
struct Kept<V> {
    value: V,
    loaded: Instant,
}

impl<V> Kept<V> {
    fn now(value: V) -> Self {
        Kept {
            value,
            loaded: Instant::now(),
        }
    }
}

impl<K, V> Coalescing<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A cache keeping values for `ttl` within a total weight of `capacity` (see `weigher`).
    /// A zero `ttl` stores nothing (moka then disables its map) but still coalesces loads.
    pub fn new(
        name: &'static str,
        ttl: Duration,
        capacity: u64,
        weigher: fn(&K, &V) -> u32,
        metrics: Arc<Metrics>,
    ) -> Self {
        let builder = Cache::builder().name(name);
        let cache = if ttl.is_zero() {
            builder.max_capacity(0).build()
        } else {
            builder
                .time_to_live(ttl)
                .max_capacity(capacity)
                .weigher(move |key, kept: &Kept<V>| weigher(key, &kept.value))
                .build()
        };
        Coalescing {
            name,
            cache,
            metrics,
            refresh_after: None,
            refreshing: Mutex::new(HashSet::new()),
        }
    }

    /// Values kept longer than `after` (less than the TTL) are reloaded by the first caller
    /// asking for them, while every other caller is still answered from the kept value; so a
    /// key asked for steadily never expires under its callers, and only one of them waits.
    #[must_use]
    pub fn with_refresh(mut self, after: Duration) -> Self {
        self.refresh_after = Some(after);
        self
    }

    /// The cached value of `key`, or the result of `load`, run at most once at a time per key.
    /// Errors are shared with the waiters of that load but never cached; a failed refresh
    /// answers the kept value.
    pub async fn get_or_load<F>(&self, key: K, load: F) -> Result<V, SorError>
    where
        F: Future<Output = Result<V, SorError>>,
    {
        if let Some(kept) = self.cache.get(&key).await {
            let due = self
                .refresh_after
                .is_some_and(|after| kept.loaded.elapsed() >= after);
            if let Some(_claim) = due.then(|| self.claim(&key)).flatten() {
                self.count("refresh");
                return match load.await {
                    Ok(value) => {
                        self.cache.insert(key, Kept::now(value.clone())).await;
                        Ok(value)
                    }
                    Err(e) => {
                        tracing::warn!(cache = self.name, error = %e, "refresh failed; answering the kept value");
                        Ok(kept.value)
                    }
                };
            }
            self.count("hit");
            return Ok(kept.value);
        }
        // Set only when moka runs *our* loader; waiters of another caller's load see it unset.
        let loaded = AtomicBool::new(false);
        let result = self
            .cache
            .entry(key)
            .or_try_insert_with(async {
                loaded.store(true, Ordering::Relaxed);
                load.await.map(Kept::now)
            })
            .await;
        self.count(if loaded.load(Ordering::Relaxed) {
            "miss"
        } else {
            "coalesced"
        });
        result
            .map(|entry| entry.into_value().value)
            .map_err(|e| SorError::clone(&e))
    }

    /// The value kept for `key`, if any, without loading it.
    pub async fn peek(&self, key: &K) -> Option<V> {
        self.cache.get(key).await.map(|kept| kept.value)
    }

    /// Forgets the value kept for `key`: the next caller loads it again.
    pub async fn forget(&self, key: &K) {
        self.cache.invalidate(key).await;
    }

    /// The right to refresh `key`, unless another caller holds it; released when dropped (also
    /// when the refreshing caller's future is dropped half-way).
    fn claim(&self, key: &K) -> Option<Claim<'_, K>> {
        let mut refreshing = self
            .refreshing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        refreshing.insert(key.clone()).then(|| Claim {
            refreshing: &self.refreshing,
            key: key.clone(),
        })
    }

    fn count(&self, result: &str) {
        self.metrics
            .cache_lookups
            .with_label_values(&[self.name, result])
            .inc();
    }
}

/// One caller's right to refresh a key.
struct Claim<'a, K: Hash + Eq> {
    refreshing: &'a Mutex<HashSet<K>>,
    key: K,
}

impl<K: Hash + Eq> Drop for Claim<'_, K> {
    fn drop(&mut self) {
        self.refreshing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn cache(ttl_secs: u64) -> (Coalescing<u32, u32>, Arc<Metrics>) {
        let metrics = Metrics::new(None).unwrap();
        let cache = Coalescing::new(
            "test",
            Duration::from_secs(ttl_secs),
            100,
            |_, _| 1,
            metrics.clone(),
        );
        (cache, metrics)
    }

    fn lookups(metrics: &Metrics, result: &str) -> u64 {
        metrics
            .cache_lookups
            .with_label_values(&["test", result])
            .get()
    }

    async fn slow_load(calls: &AtomicUsize, value: u32) -> Result<u32, SorError> {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(value)
    }

    #[tokio::test]
    async fn concurrent_loads_of_one_key_run_once_and_later_calls_hit() {
        let (cache, metrics) = cache(60);
        let calls = AtomicUsize::new(0);
        let all = futures_util::future::join_all(
            (0..20).map(|_| cache.get_or_load(7, slow_load(&calls, 42))),
        )
        .await;
        assert!(all.iter().all(|r| r == &Ok(42)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(lookups(&metrics, "miss"), 1);
        assert_eq!(lookups(&metrics, "coalesced"), 19);
        assert_eq!(cache.get_or_load(7, slow_load(&calls, 0)).await, Ok(42));
        assert_eq!(lookups(&metrics, "hit"), 1);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_zero_ttl_coalesces_but_stores_nothing() {
        let (cache, metrics) = cache(0);
        let calls = AtomicUsize::new(0);
        let all = futures_util::future::join_all(
            (0..10).map(|_| cache.get_or_load(1, slow_load(&calls, 5))),
        )
        .await;
        assert!(all.iter().all(|r| r == &Ok(5)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(cache.get_or_load(1, slow_load(&calls, 6)).await, Ok(6));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(lookups(&metrics, "hit"), 0);
    }

    #[tokio::test]
    async fn one_caller_refreshes_an_old_value_while_the_others_are_answered_from_it() {
        let (cache, metrics) = cache(60);
        let cache = cache.with_refresh(Duration::from_millis(100));
        let calls = AtomicUsize::new(0);
        assert_eq!(cache.get_or_load(1, slow_load(&calls, 1)).await, Ok(1));
        tokio::time::sleep(Duration::from_millis(120)).await;
        let all = futures_util::future::join_all(
            (0..10).map(|_| cache.get_or_load(1, slow_load(&calls, 2))),
        )
        .await;
        // The first caller reloaded (50 ms); the nine others did not wait for it.
        assert_eq!(all[0], Ok(2));
        assert!(all[1..].iter().all(|r| r == &Ok(1)), "{all:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(lookups(&metrics, "refresh"), 1);
        assert_eq!(lookups(&metrics, "hit"), 9);
        // The refreshed value is young again: kept, not reloaded.
        assert_eq!(cache.get_or_load(1, slow_load(&calls, 3)).await, Ok(2));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_refresh_answers_the_kept_value_and_the_next_caller_tries_again() {
        let (cache, _) = cache(60);
        let cache = cache.with_refresh(Duration::ZERO);
        assert_eq!(cache.get_or_load(4, async { Ok(1) }).await, Ok(1));
        let failing = async { Err(SorError::Upstream("the store is down".into())) };
        assert_eq!(cache.get_or_load(4, failing).await, Ok(1));
        assert_eq!(cache.get_or_load(4, async { Ok(2) }).await, Ok(2));
    }

    #[tokio::test]
    async fn errors_are_shared_but_not_cached() {
        let (cache, _) = cache(60);
        let failing = async { Err(SorError::Upstream("Pyroscope answered 503".into())) };
        assert!(matches!(
            cache.get_or_load(3, failing).await,
            Err(SorError::Upstream(_))
        ));
        assert_eq!(cache.get_or_load(3, async { Ok(9) }).await, Ok(9));
    }
}
