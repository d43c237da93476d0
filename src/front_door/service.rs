//! The front door's reads (SPEC §24): the series the watcher summarized in the last hour and
//! every open event, one query each and whatever the number of apps, beside the health line.

use std::sync::Arc;

use super::model::{front_door, FrontDoor};
use super::HealthLine;
use crate::infra::sor::SorError;
use crate::regressions::RegressionSor;
use crate::watch::RecentSeries;

/// How far back an app's summaries put it on the front door: the last hour.
pub const RECENT_SECS: i64 = 3600;
/// Most open events listed, the newest change first.
pub const MAX_OPEN: u32 = 1000;

/// What `GET /` reads.
pub struct FrontDoorService {
    pub series: Arc<dyn RecentSeries>,
    pub regressions: Arc<dyn RegressionSor>,
    pub health: Arc<dyn HealthLine>,
}

impl FrontDoorService {
    /// The front door at `now`, epoch seconds.
    pub async fn front_door(&self, now: i64) -> Result<FrontDoor, SorError> {
        let since = now.saturating_sub(RECENT_SECS);
        let (series, open, health) = tokio::join!(
            self.series.recent(since),
            self.regressions.open_everywhere(MAX_OPEN),
            self.health.health()
        );
        Ok(front_door((now, since), &series?, &open?, health))
    }
}
