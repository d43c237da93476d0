//! What the front door and an app's trend page show of the regression events (docs/front-door.md):
//! the change of one event in one line, and the events of a window as marks on a trend, through
//! the watcher's [`TrendMarks`] contract.

use std::sync::Arc;

use async_trait::async_trait;

use super::leak_notice::{bytes, signed};
use super::store::{Regression, RegressionFilter, RegressionSor};
use pf_detection::leaks::Leak;
use pf_infra::sor::SorError;
use pf_model::{AppName, ProfileType, TimeWindow};
use pf_pictures::href;
use pf_watch::{ChangeMark, TrendMarks};

/// Most events marked on one trend.
const MAX_MARKS: u32 = 100;

/// The change in one line with its 95 % interval: `0.41% → 5.02% (+4.61 pt, 95 % CI +4.39…+4.83)`,
/// or for a leak `+2.0 GiB/h (95 % CI +1.9 GiB…+2.2 GiB/h), 12.5 GiB now`.
pub fn change_line(event: &Regression) -> String {
    if let Some(leak) = &event.leak {
        return format!(
            "{}, {} now",
            rate_line(leak),
            bytes(leak.current_bytes as f64)
        );
    }
    let e = event.clone().rounded();
    format!(
        "{:.2}% → {:.2}% ({:+.2} pt, 95 % CI {:+.2}…{:+.2})",
        e.before_percent, e.after_percent, e.delta_percent, e.significance.low, e.significance.high
    )
}

/// A leak's rate in one line with its 95 % interval: `+2.0 GiB/h (95 % CI +1.9 GiB…+2.2 GiB/h)`.
pub fn rate_line(leak: &Leak) -> String {
    format!(
        "{}/h (95 % CI {}…{}/h)",
        signed(leak.bytes_per_hour),
        signed(leak.low),
        signed(leak.high)
    )
}

/// The page of one event on this service.
pub fn page_href(id: i64) -> String {
    href(
        &["regressions", &id.to_string()],
        &[("format", "html".to_owned())],
    )
}

/// The regression store as the marks of a trend.
pub struct RegressionMarks(pub Arc<dyn RegressionSor>);

#[async_trait]
impl TrendMarks for RegressionMarks {
    async fn marks(
        &self,
        app: &AppName,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Result<Vec<ChangeMark>, SorError> {
        let events = self
            .0
            .list(RegressionFilter {
                app: Some(app.clone()),
                window: Some(window),
                limit: MAX_MARKS,
                ..RegressionFilter::default()
            })
            .await?;
        let mut marks: Vec<ChangeMark> = events
            .iter()
            .filter(|e| e.profile_type == profile_type)
            .map(|e| ChangeMark {
                at: e.changed_at,
                function: e.function.clone(),
                what: format!(
                    "{} {}",
                    e.state.as_str().replace('_', " "),
                    e.kind.as_str().replace('_', " ")
                ),
                href: page_href(e.id),
            })
            .collect();
        marks.reverse();
        Ok(marks)
    }
}
