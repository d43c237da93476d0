//! What a regression says when it is delivered (docs/regressions.md): the Alertmanager alert
//! `ProfilingRegression` (`ProfilingMemoryLeak` for a leak,
//! docs/regressions.md#memory-that-only-grows; re-sent every slice while confirmed, `endsAt` =
//! now + 4 slices, and once when resolved) and the webhook body of each transition.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use crate::leak_notice::{self, LEAK_ALERT_NAME};
use crate::store::Regression;
use pf_commits::Why;
use pf_delivery::{link, AlertmanagerAlert, NewNotification, NotificationKind};
use pf_detection::model::{EventKind, EventState};
use pf_model::utc::{utc_text, CLOCK, MINUTE};
use pf_model::Slices;
use pf_registry::{Service, Tier};

/// The `alertname` of every regression alert but a leak's (`ProfilingMemoryLeak`).
pub const ALERT_NAME: &str = "ProfilingRegression";

/// The labels of a regression's alert; Alertmanager tells alerts apart by them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionLabels {
    pub alertname: &'static str,
    pub app: String,
    pub profile_type: &'static str,
    pub function: String,
    pub kind: &'static str,
    pub severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<&'static str>,
}

/// The annotations of a regression's alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionAnnotations {
    /// One line: "ledger cpu: Pattern.compile 0.4% → 4.6% (+4.2 pt, 95% CI +3.1…+5.3), +1101 %
    /// in this function, about +4.4 % for the process, since 10:35 UTC, version 1.4.2".
    pub summary: String,
    pub description: String,
    pub report_url: String,
    /// On the one resolution of a settled regression (docs/regressions.md): why it stopped firing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled: Option<String>,
    /// The commit most likely behind it (docs/regressions.md#the-change-that-caused-it), when one
    /// is named: "abc1234 Compile the pattern per call — changes Router.route, on Pattern.compile's
    /// stacks".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspect_commit: Option<String>,
}

/// A regression alert as Alertmanager gets it.
pub type RegressionAlert = AlertmanagerAlert<RegressionLabels, RegressionAnnotations>;

/// The JSON body POSTed to the app's `notificationChannel` at a confirmation and at a
/// resolution, besides the notification's `id` (also its `Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegressionNotice {
    /// `confirmed`, `resolved` or `settled`.
    pub status: EventState,
    /// The one-line summary of the alert.
    pub summary: String,
    pub regression: Regression,
    pub report_url: String,
    /// The first of `regression.suspects` in one line, as the alert's `suspect_commit`.
    pub suspect_commit: Option<String>,
}

/// Renders a regression's alert and webhook: links start at `public_url`; a firing alert
/// lasts four slices in Alertmanager without news; a change of at least `warn_points`
/// (the diff report's warn level), or an app of tier critical, is `critical`.
pub struct RegressionNotices {
    pub public_url: Url,
    pub slices: Slices,
    pub warn_points: f64,
}

impl RegressionNotices {
    /// The page of event `id`.
    pub fn report_url(&self, id: i64) -> String {
        let id = id.to_string();
        link(&self.public_url, &["regressions", &id], ("format", "html"))
    }

    /// The alert of `event`: firing while it is confirmed (re-sent at `now`), else resolved.
    pub fn alert(
        &self,
        event: &Regression,
        owner: Option<&Service>,
        now: DateTime<Utc>,
    ) -> RegressionAlert {
        let at = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap_or(now);
        let ended = match event.state {
            EventState::Resolved => event.resolved_at,
            EventState::Settled => event.settled_at,
            _ => None,
        };
        let ends_at = match ended {
            Some(ended) => at(ended.saturating_add(self.slices.slice_secs.secs())),
            _ => now + chrono::Duration::seconds(self.slices.slice_secs.secs().saturating_mul(4)),
        };
        let critical = match &event.leak {
            Some(leak) => leak_notice::critical(leak),
            None => event.delta_percent >= self.warn_points,
        } || owner.is_some_and(|s| s.tier == Tier::Critical);
        let report_url = self.report_url(event.id);
        AlertmanagerAlert {
            labels: RegressionLabels {
                alertname: match event.kind {
                    EventKind::Leak => LEAK_ALERT_NAME,
                    _ => ALERT_NAME,
                },
                app: event.app_name.clone(),
                profile_type: event.profile_type.as_str(),
                function: event.function.clone(),
                kind: event.kind.as_str(),
                severity: if critical { "critical" } else { "warning" },
                version: event.version.as_ref().map(|v| v.after.clone()),
                team: owner.and_then(|s| s.team_owner.clone()),
                tier: owner.map(|s| s.tier.as_str()),
            },
            annotations: RegressionAnnotations {
                summary: summary(event),
                description: description(event),
                report_url: report_url.clone(),
                settled: settled(event),
                suspect_commit: suspect_commit(event),
            },
            starts_at: Some(at(event.changed_at)),
            ends_at,
            generator_url: Some(report_url),
        }
    }

    /// The webhook of `event`'s transition to its current state, posted to `webhook`.
    pub fn webhook(&self, event: &Regression, webhook: &Url) -> Option<NewNotification> {
        let notice = RegressionNotice {
            status: event.state,
            summary: summary(event),
            regression: event.clone().rounded(),
            report_url: self.report_url(event.id),
            suspect_commit: suspect_commit(event),
        };
        Some(NewNotification {
            kind: NotificationKind::RegressionWebhook,
            destination: webhook.to_string(),
            payload: serde_json::to_value(notice).ok()?,
        })
    }
}

/// "ledger cpu: Pattern.compile 0.4% → 4.6% (+4.2 pt, 95% CI +3.1…+5.3), +1101 % in this
/// function, about +4.4 % for the process, since 10:35 UTC, version 1.4.2"; the function's
/// package path is left out, as people say it.
pub fn summary(event: &Regression) -> String {
    if let Some(leak) = &event.leak {
        return leak_notice::summary(event, leak, short_name(&event.function));
    }
    let since = utc_text(event.changed_at, CLOCK);
    let mut line = format!(
        "{} {}: {} {:.1}% → {:.1}% ({:+.1} pt, 95% CI {:+.1}…{:+.1}), {}, since {since}",
        event.app_name,
        event.profile_type,
        short_name(&event.function),
        event.before_percent,
        event.after_percent,
        event.delta_percent,
        event.significance.low,
        event.significance.high,
        cost(event),
    );
    if let Some(version) = &event.version {
        line.push_str(&format!(", version {}", version.after));
    }
    line
}

fn description(event: &Regression) -> String {
    if let Some(leak) = &event.leak {
        return leak_notice::description(event, leak);
    }
    let mut text = format!(
        "{} rose from {:.2}% to {:.2}% of {} samples (p = {:.2e}).",
        event.function,
        event.before_percent,
        event.after_percent,
        event.profile_type,
        event.significance.p_value
    );
    let rounded = event.clone().rounded();
    text.push_str(&format!(
        " Its cost grew {} against the rest of the profile{}.",
        match rounded.cost_ratio {
            Some(r) => format!("by a factor of {r:.3}"),
            None => "from nothing".to_owned(),
        },
        match rounded.process_cost_percent {
            Some(p) => format!(": about {p:+.2} % for the whole process if nothing else changed"),
            None => String::new(),
        }
    ));
    if let Some(from) = &event.shifted_from {
        text.push_str(&format!(
            " The cost moved here from {from} (a rename or a move)."
        ));
    }
    if let Some(version) = &event.version {
        text.push_str(&format!(" Deployed at the change: {version}."));
    }
    text
}

/// The `settled` annotation: a regression nobody rolled back is the normal level now.
fn settled(event: &Regression) -> Option<String> {
    let at = event
        .settled_at
        .filter(|_| event.state == EventState::Settled)?;
    let since = utc_text(at, MINUTE);
    Some(format!(
        "not resolved since its confirmation; settled at {since}: {} is watched again \
         against its new level",
        event.function
    ))
}

/// docs/regressions.md's "+30 % in this function, about +16.7 % for the process": the cost ratio
/// and the process's extra cost, "new in this function" when the ratio is unbounded, the process's
/// part left out when it is.
pub fn cost(event: &Regression) -> String {
    // Rounded as the JSON shows them first, so that the text reads the same numbers.
    let event = &event.clone().rounded();
    let function = match event.cost_ratio {
        Some(r) => format!("{:+.0} % in this function", 100.0 * (r - 1.0)),
        None => "new in this function".to_owned(),
    };
    match event.process_cost_percent {
        Some(p) => format!("{function}, about {p:+.1} % for the process"),
        None => function,
    }
}

/// The first suspect in one line: its short id, its title and its strongest evidence.
pub fn suspect_commit(event: &Regression) -> Option<String> {
    let suspect = event.suspects.first()?;
    let regressed = short_name(&event.function);
    let why = suspect.evidence.first().map(|e| match e.why {
        Why::ChangesRegressedFunction => format!("changes {regressed}"),
        Why::ChangesRelatedFunction => format!(
            "changes {}, on {regressed}'s stacks",
            short_name(&e.function)
        ),
        Why::ChangesRegressedFile => format!("changes {}, the file of {regressed}", e.file),
    });
    Some(match why {
        Some(why) => format!("{} {} — {why}", suspect.short_commit, suspect.title),
        None => format!("{} {}", suspect.short_commit, suspect.title),
    })
}

/// The last segment of a function name: `java/util/regex/Pattern.compile` → `Pattern.compile`.
fn short_name(function: &str) -> &str {
    function.rsplit(['/', '\\']).next().unwrap_or(function)
}

#[cfg(test)]
#[path = "notice_tests.rs"]
mod tests;
