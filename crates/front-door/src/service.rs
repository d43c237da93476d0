//! The front door's reads (docs/front-door.md): the series the watcher summarized in the last hour
//! and every open event, one query each and whatever the number of apps, beside the health line.
//! The answer, as a page and as JSON, is made once and shared for [`REUSE_FOR`]: every request
//! meanwhile (a room of people opening it, a dashboard's panels) is served the same bytes, and
//! while the next is made, the one before it.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::Mutex;

use super::model::{front_door, Found, FrontDoor, Listed};
use super::HealthLine;
use pf_infra::sor::SorError;
use pf_model::{ProfileType, TimeWindow};
use pf_profiles::ProfileDataSor;
use pf_regressions::RegressionSor;
use pf_watch::RecentSeries;

/// How far back an app's summaries put it on the front door: the last hour.
pub const RECENT_SECS: i64 = 3600;
/// Most open events listed, the newest change first.
pub const MAX_OPEN: u32 = 1000;
/// How long one answer is served: summaries come once a slice (minutes), and health checks
/// are not run for every visitor.
pub const REUSE_FOR: Duration = Duration::from_secs(2);

/// The front door as served: its page and its JSON, made together.
#[derive(Clone)]
pub struct Answer {
    pub html: Bytes,
    pub json: Bytes,
}

/// What `GET /` reads: the watcher's summaries and events, and what Profile Data lists.
pub struct FrontDoorNeeds {
    pub series: Arc<dyn RecentSeries>,
    pub regressions: Arc<dyn RegressionSor>,
    /// The Profile Data the watcher reads, whose apps of the last hour are listed beside the
    /// summarized ones; none where this process does not read it.
    pub profiles: Option<Arc<dyn ProfileDataSor>>,
    /// The types the watcher follows (`watch.types`).
    pub followed: Vec<ProfileType>,
}

/// What `GET /` reads, and its last answer.
pub struct FrontDoorService {
    reads: FrontDoorNeeds,
    health: Arc<dyn HealthLine>,
    /// The last answer and when it was made.
    kept: RwLock<Option<(Instant, Answer)>>,
    /// Held while an answer is made: one request makes it, the others are served the last.
    making: Mutex<()>,
}

impl FrontDoorService {
    pub fn new(reads: FrontDoorNeeds, health: Arc<dyn HealthLine>) -> Self {
        FrontDoorService {
            reads,
            health,
            kept: RwLock::new(None),
            making: Mutex::new(()),
        }
    }

    /// The front door at `now`, epoch seconds.
    pub async fn front_door(&self, now: i64) -> Result<FrontDoor, SorError> {
        let since = now.saturating_sub(RECENT_SECS);
        let reads = &self.reads;
        let (series, open, listed, health) = tokio::join!(
            reads.series.recent(since),
            reads.regressions.open_everywhere(MAX_OPEN),
            self.listed(since, now),
            self.health.health()
        );
        let found = Found {
            series: &series?,
            open: &open?,
            listed: &listed,
            followed: &reads.followed,
        };
        Ok(front_door((now, since), found, health))
    }

    /// The apps Profile Data has profiles of in `[since, now]`, in one list call; a listing
    /// that fails leaves the summarized apps on the door, and says why.
    async fn listed(&self, since: i64, now: i64) -> Listed {
        let Some(profiles) = &self.reads.profiles else {
            return Listed::default();
        };
        let Ok(window) = TimeWindow::new(since, now.max(since + 1)) else {
            return Listed::default();
        };
        match profiles.app_types(window).await {
            Ok(apps) => Listed { apps, error: None },
            Err(e) => {
                tracing::warn!(error = %e, "the front door could not list Profile Data's apps");
                Listed {
                    apps: Vec::new(),
                    error: Some(e.to_string()),
                }
            }
        }
    }

    /// The answer at `now`: the one made less than [`REUSE_FOR`] ago, else a new one. While
    /// one request makes it, the others are served the answer before it rather than wait (the
    /// first answer ever is waited for).
    pub async fn answer(&self, now: i64) -> Result<Answer, SorError> {
        let stale = match self.kept() {
            Some((at, answer)) if at.elapsed() < REUSE_FOR => return Ok(answer),
            kept => kept.map(|(_, answer)| answer),
        };
        let _making = match (self.making.try_lock(), stale) {
            (Ok(guard), _) => guard,
            (Err(_), Some(stale)) => return Ok(stale),
            (Err(_), None) => {
                let guard = self.making.lock().await;
                if let Some((_, answer)) = self.kept() {
                    return Ok(answer);
                }
                guard
            }
        };
        let door = self.front_door(now).await?;
        let json = serde_json::to_vec(&door)
            .map_err(|e| SorError::Unexpected(format!("the front door as JSON: {e}")))?;
        let answer = Answer {
            html: Bytes::from(super::render(&door)),
            json: Bytes::from(json),
        };
        if let Ok(mut kept) = self.kept.write() {
            *kept = Some((Instant::now(), answer.clone()));
        }
        Ok(answer)
    }

    /// The last answer and when it was made.
    fn kept(&self) -> Option<(Instant, Answer)> {
        self.kept.read().ok().and_then(|kept| kept.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::{FrontDoorNeeds, FrontDoorService};
    use crate::{HealthLine, ServiceHealth};
    use pf_infra::sor::SorError;
    use pf_regressions::MockRegressionSor;
    use pf_watch::MockRecentSeries;

    struct Healthy;

    fn reads(series: MockRecentSeries, regressions: MockRegressionSor) -> FrontDoorNeeds {
        FrontDoorNeeds {
            series: Arc::new(series),
            regressions: Arc::new(regressions),
            profiles: None,
            followed: vec![pf_model::ProfileType::Cpu],
        }
    }

    #[async_trait]
    impl HealthLine for Healthy {
        async fn health(&self) -> ServiceHealth {
            ServiceHealth {
                status: "healthy".into(),
                function: "all".into(),
                down: Vec::new(),
            }
        }
    }

    #[tokio::test]
    async fn requests_close_together_share_one_read_and_the_page_matches_the_json() {
        let mut series = MockRecentSeries::new();
        series
            .expect_recent()
            .withf(|since| *since == 10_000 - 3600)
            .times(1)
            .returning(|_| Ok(Vec::new()));
        let mut regressions = MockRegressionSor::new();
        regressions
            .expect_open_everywhere()
            .times(1)
            .returning(|_| Ok(vec![pf_regressions::test_confirmed(4, "F.f", true)]));
        let service = FrontDoorService::new(reads(series, regressions), Arc::new(Healthy));
        let (a, b) = tokio::join!(service.answer(10_000), service.answer(10_000));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.html, b.html);
        let json: serde_json::Value = serde_json::from_slice(&a.json).unwrap();
        assert_eq!(json["apps"][0]["appName"], "ledger");
        assert_eq!(
            json["apps"][0]["open"][0]["page"],
            "/regressions/4?format=html"
        );
        assert!(std::str::from_utf8(&a.html)
            .unwrap()
            .contains("/regressions/4?format=html"));
    }

    #[tokio::test]
    async fn a_store_that_is_down_is_an_error_not_an_empty_door() {
        let mut series = MockRecentSeries::new();
        series
            .expect_recent()
            .returning(|_| Err(SorError::Unavailable("down".into())));
        let mut regressions = MockRegressionSor::new();
        regressions
            .expect_open_everywhere()
            .returning(|_| Ok(Vec::new()));
        let service = FrontDoorService::new(reads(series, regressions), Arc::new(Healthy));
        assert!(matches!(
            service.answer(10_000).await,
            Err(SorError::Unavailable(_))
        ));
    }
}
