//! `POST /trends/backfill`: past slices summarized as if live, checked before anything is queued.

use serde::Deserialize;
use utoipa::ToSchema;

use pf_infra::sor::SorError;
use pf_model::{AppName, InputError, ProfileType, TimeWindow};

/// Apps one backfill may name.
const MAX_APPS: usize = 1000;

/// Body of `POST /trends/backfill`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"from": 1_700_000_000, "to": 1_700_086_400, "apps": ["ledger"], "types": ["cpu"], "notify": false}))]
pub struct BackfillRequest {
    /// Slices starting at or after this (epoch seconds) are summarized; those older than
    /// `watch.retention_days` are not queued (retention would drop them).
    #[schema(minimum = 0)]
    pub from: i64,
    /// … and before this; slices that have not ended yet are left to the live watcher.
    #[schema(minimum = 1)]
    pub to: i64,
    /// Apps to summarize (default: every app Profile Data lists in the range).
    #[serde(default)]
    #[schema(max_items = 1000, value_type = Option<Vec<pf_model::AppName>>)]
    pub apps: Option<Vec<String>>,
    /// Profile types (default: `watch.types`).
    #[serde(default)]
    #[schema(value_type = Option<Vec<pf_model::ProfileTypeName>>)]
    pub types: Option<Vec<String>>,
    /// Deliver what the detector confirms while backfilling, as if live.
    #[serde(default)]
    pub notify: bool,
}

/// Why a backfill was not queued.
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Store(#[from] SorError),
}

/// The window, apps and types of a valid request.
type Checked = (TimeWindow, Option<Vec<AppName>>, Vec<ProfileType>);

impl BackfillRequest {
    /// The request's window, apps and types, or why it is refused.
    pub(super) fn checked(
        &self,
        retention_days: i64,
        watched: &[ProfileType],
    ) -> Result<Checked, InputError> {
        let window = TimeWindow::new(self.from, self.to)?;
        let retention = retention_days.saturating_mul(86_400);
        if window.to - window.from > retention {
            return Err(InputError::new(
                "invalid_time_window",
                format!("a backfill may span at most watch.retention_days ({retention_days} days)"),
            ));
        }
        let apps = match &self.apps {
            Some(apps) if apps.is_empty() || apps.len() > MAX_APPS => {
                return Err(InputError::new(
                    "invalid_apps",
                    format!("apps must list 1 to {MAX_APPS} app names when given"),
                ))
            }
            Some(apps) => Some(
                apps.iter()
                    .map(|a| a.parse::<AppName>())
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        let types = match &self.types {
            None => watched.to_vec(),
            Some(types) => {
                let mut parsed = Vec::new();
                for t in types {
                    let t: ProfileType = t.parse()?;
                    if !watched.contains(&t) {
                        return Err(InputError::new(
                            "invalid_profile_type",
                            format!("{t} is not watched (watch.types)"),
                        ));
                    }
                    parsed.push(t);
                }
                if parsed.is_empty() {
                    return Err(InputError::new(
                        "invalid_profile_type",
                        "types must not be empty",
                    ));
                }
                parsed.sort_unstable_by_key(|t| t.as_str());
                parsed.dedup();
                parsed
            }
        };
        Ok((window, apps, types))
    }
}
