//! The history record of one triage: the summary, each type's top functions and the exact
//! query, so the assessment can be reproduced.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{TriageReport, TriageRequest, TypeAssessment};
use pf_history::{NewHistoryRecord, RecordKey};
use pf_infra::sor::json_text::JsonText;
use pf_infra::sor::SorError;
use pf_model::{truncate_chars, FunctionStat, MAX_RECOMMENDATION};
use pf_profiles::Profile;

/// A history record's `topFunctions`: each type's top functions (or its error) by type name,
/// and the exact query. Written straight to JSON text, without a tree of maps in between.
#[derive(Serialize)]
struct AssessmentEvidence<'a> {
    #[serde(flatten)]
    types: BTreeMap<&'a str, TypeEvidence<'a>>,
    query: QueryEvidence<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum TypeEvidence<'a> {
    Assessed(&'a [FunctionStat]),
    Unavailable { error: &'a str },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueryEvidence<'a> {
    from: i64,
    to: i64,
    types: &'a [&'a str],
    profile_type_ids: BTreeMap<&'a str, &'a str>,
    limit: u32,
}

/// One record per assessment: the summary, each type's top functions, and the exact query so
/// the assessment can be reproduced.
pub(super) fn history_record(
    req: &TriageRequest,
    report: &TriageReport,
    results: &[Result<Profile, SorError>],
) -> NewHistoryRecord {
    let types: Vec<&str> = req.types.iter().map(|t| t.as_str()).collect();
    let mut evidence = AssessmentEvidence {
        types: BTreeMap::new(),
        query: QueryEvidence {
            from: req.window.from,
            to: req.window.to,
            types: &types,
            profile_type_ids: BTreeMap::new(),
            limit: req.limit,
        },
    };
    for ((profile_type, assessment), result) in report.profiles.iter().zip(results) {
        if let Ok(profile) = result {
            evidence
                .query
                .profile_type_ids
                .insert(profile_type.as_str(), &profile.profile_type_id);
        }
        let shown = match assessment {
            TypeAssessment::Assessed(a) => TypeEvidence::Assessed(&a.top_functions),
            TypeAssessment::Unavailable(u) => TypeEvidence::Unavailable { error: &u.error },
        };
        evidence.types.insert(profile_type.as_str(), shown);
    }
    let top_functions = JsonText::of(&evidence)
        .map_err(|e| tracing::error!(error = %e, "cannot write an assessment's evidence as JSON"))
        .ok();
    NewHistoryRecord {
        key: RecordKey::new(),
        app_name: req.app.clone(),
        profile_types: types.join(","),
        diagnosis: report.summary.primary_issue.clone(),
        severity: report.summary.severity,
        top_functions,
        recommendation: Some(truncate_chars(
            &report.summary.recommendation,
            MAX_RECOMMENDATION,
        )),
        requested_by: req.requested_by.as_ref().and_then(|who| who.by.clone()),
        on_behalf_of: req
            .requested_by
            .as_ref()
            .and_then(|who| who.on_behalf_of.clone()),
        labels: req.labels.text(),
    }
}
