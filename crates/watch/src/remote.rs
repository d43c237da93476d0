//! The watcher read from another process (`WATCH_URL`): its trends, its fleet's summaries and
//! coverage over HTTP, and the shapes of those answers, which its routes write.

use async_trait::async_trait;

use crate::coverage::{AppCoverage, CoverageQuery};
use crate::fleet_window::{AppWindow, FleetQuery};
use crate::{endpoints, FleetSummarySor, TrendSor};
use pf_infra::sor::remote::RemoteSor;
use pf_infra::sor::SorError;
use pf_model::trend_view::{TrendPick, TrendQuery, Trends};

/// What the watcher's `GET /summaries/fleet` answers.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FleetSummaries {
    /// By app name.
    pub apps: Vec<AppWindow>,
}

/// What the watcher's `GET /summaries/coverage` answers.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FleetCoverage {
    /// One per series the watcher follows, in no order.
    pub apps: Vec<AppCoverage>,
}

/// The trends of a watcher at another address.
#[derive(Clone)]
pub struct RemoteTrends {
    remote: RemoteSor,
}

impl RemoteTrends {
    /// Trends answered through `remote`.
    pub fn new(remote: RemoteSor) -> Self {
        RemoteTrends { remote }
    }

    /// The watcher's process, for its other reads.
    fn remote(&self) -> &RemoteSor {
        &self.remote
    }
}

#[async_trait]
impl TrendSor for RemoteTrends {
    #[tracing::instrument(skip_all, fields(app = %query.app, profile_type = %query.profile_type))]
    async fn trend(&self, query: TrendQuery) -> Result<Trends, SorError> {
        let mut params = vec![
            ("type", query.profile_type.as_str().to_owned()),
            ("from", query.window.from.to_string()),
            ("to", query.window.to.to_string()),
        ];
        params.push(match query.pick {
            TrendPick::Named(names) => ("functions", names.join(",")),
            TrendPick::Top(limit) => ("limit", limit.to_string()),
        });
        let call = endpoints::TRENDS.at([query.app.as_str()]);
        self.remote.fetch(call, &params).await
    }
}

#[async_trait]
impl FleetSummarySor for RemoteTrends {
    #[tracing::instrument(skip_all, fields(profile_type = %query.profile_type))]
    async fn fleet(&self, query: FleetQuery) -> Result<Vec<AppWindow>, SorError> {
        let mut params = vec![
            ("type", query.profile_type.as_str().to_owned()),
            ("from", query.window.from.to_string()),
            ("to", query.window.to.to_string()),
            ("top", query.top.to_string()),
        ];
        if let Some(apps) = &query.apps {
            let names: Vec<&str> = apps.iter().map(|a| a.as_str()).collect();
            params.push(("apps", names.join(",")));
        }
        let call = endpoints::FLEET.at([]);
        let answer: FleetSummaries = self.remote().fetch(call, &params).await?;
        Ok(answer.apps)
    }

    #[tracing::instrument(skip_all, fields(profile_type = %query.profile_type))]
    async fn coverage(&self, query: CoverageQuery) -> Result<Vec<AppCoverage>, SorError> {
        let mut params = vec![
            ("type", query.profile_type.as_str().to_owned()),
            ("from", query.slices.from.to_string()),
            ("to", query.slices.to.to_string()),
        ];
        if let Some(apps) = &query.apps {
            let names: Vec<&str> = apps.iter().map(|a| a.as_str()).collect();
            params.push(("apps", names.join(",")));
        }
        let call = endpoints::COVERAGE.at([]);
        let answer: FleetCoverage = self.remote().fetch(call, &params).await?;
        Ok(answer.apps)
    }
}
