//! Protection of the stores behind the SORs: identical loads in flight share one call, and
//! results may be kept for a TTL. Built on `moka`, whose `entry().or_try_insert_with` runs one
//! loader per key and hands its result to every concurrent waiter.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use crate::sor::SorError;
use crate::telemetry::Metrics;

/// A coalescing TTL cache of one kind of answer, counting its lookups in
/// `cache_lookups_total{cache, result}` with result `hit`, `miss` (this caller loaded) or
/// `coalesced` (this caller waited for another caller's load).
pub struct Coalescing<K, V> {
    name: &'static str,
    cache: Cache<K, V>,
    metrics: Arc<Metrics>,
}

impl<K, V> Coalescing<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
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
                .weigher(weigher)
                .build()
        };
        Coalescing {
            name,
            cache,
            metrics,
        }
    }

    /// The cached value of `key`, or the result of `load`, run at most once at a time per key.
    /// Errors are shared with the waiters of that load but never cached.
    pub async fn get_or_load<F>(&self, key: K, load: F) -> Result<V, SorError>
    where
        F: Future<Output = Result<V, SorError>>,
    {
        if let Some(value) = self.cache.get(&key).await {
            self.count("hit");
            return Ok(value);
        }
        // Set only when moka runs *our* loader; waiters of another caller's load see it unset.
        let loaded = AtomicBool::new(false);
        let result = self
            .cache
            .entry(key)
            .or_try_insert_with(async {
                loaded.store(true, Ordering::Relaxed);
                load.await
            })
            .await;
        self.count(if loaded.load(Ordering::Relaxed) {
            "miss"
        } else {
            "coalesced"
        });
        result
            .map(moka::Entry::into_value)
            .map_err(|e| SorError::clone(&e))
    }

    fn count(&self, result: &str) {
        self.metrics
            .cache_lookups
            .with_label_values(&[self.name, result])
            .inc();
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
