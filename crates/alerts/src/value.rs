//! The value of an alert rule for one profile (docs/alerting.md). Pure: no I/O.
//!
//! - no `functionPattern`: the selfPercent of the app's top function;
//! - `diagnosis:<category>`: that triage category's score, with the triage rules file;
//! - anything else: the summed selfPercent of every function whose name contains the pattern,
//!   case-insensitively, with `/`, `.` and `::` read alike.

use serde::Serialize;
use utoipa::ToSchema;

use pf_model::{separator_form, FunctionStat, ProfileType};
use pf_triage::RuleSet;

/// How many matching functions a value keeps to show (the sum covers all of them).
const SHOWN_FUNCTIONS: usize = 10;

/// Which value a rule watches, read from its `functionPattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// The top function's selfPercent.
    TopFunction,
    /// A triage category's score.
    Diagnosis(String),
    /// The summed selfPercent of the functions whose names contain this (search form).
    Pattern(String),
}

impl ValueKind {
    /// The kind a `functionPattern` asks for; blank means the top function.
    pub fn of(function_pattern: Option<&str>) -> Self {
        match function_pattern.map(str::trim) {
            None | Some("") => ValueKind::TopFunction,
            Some(pattern) => match pattern.strip_prefix("diagnosis:") {
                Some(category) => ValueKind::Diagnosis(category.trim().to_owned()),
                None => ValueKind::Pattern(separator_form(pattern, true)),
            },
        }
    }
}

/// A rule's value and the functions it came from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleValue {
    /// Percent of the profile, full precision (0 for a profile without samples).
    pub value: f64,
    /// The functions that make up the value, by self samples, at most ten.
    pub matched_functions: Vec<FunctionStat>,
}

/// Why a rule has no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    #[error("no triage category `{category}` for {profile_type} profiles")]
    UnknownCategory {
        category: String,
        profile_type: ProfileType,
    },
}

/// The value of a rule of `kind` for a profile of `profile_type` made of `functions`.
pub fn rule_value(
    kind: &ValueKind,
    profile_type: ProfileType,
    functions: &[FunctionStat],
    rules: &RuleSet,
) -> Result<RuleValue, ValueError> {
    let mut ranked: Vec<&FunctionStat> = functions.iter().collect();
    ranked.sort_by(|a, b| {
        b.self_samples
            .cmp(&a.self_samples)
            .then_with(|| a.name.cmp(&b.name))
    });
    let matched: Vec<&FunctionStat> = match kind {
        ValueKind::TopFunction => ranked.into_iter().take(1).collect(),
        ValueKind::Pattern(needle) => ranked
            .into_iter()
            .filter(|f| separator_form(&f.name, true).contains(needle.as_str()))
            .collect(),
        ValueKind::Diagnosis(category) => {
            let evidence = rules
                .category_score(profile_type, functions, category)
                .ok_or_else(|| ValueError::UnknownCategory {
                    category: category.clone(),
                    profile_type,
                })?;
            let shown = evidence
                .matched_functions
                .iter()
                .filter_map(|name| functions.iter().find(|f| &f.name == name))
                .take(SHOWN_FUNCTIONS)
                .cloned()
                .collect();
            return Ok(RuleValue {
                value: evidence.matched_percent,
                matched_functions: shown,
            });
        }
    };
    Ok(RuleValue {
        value: matched.iter().map(|f| f.self_percent).sum(),
        matched_functions: matched.into_iter().take(SHOWN_FUNCTIONS).cloned().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pf_testing::per_mille as stat;

    fn profile() -> Vec<FunctionStat> {
        vec![
            stat("java/util/HashMap.resize", 300),
            stat("G1 Young Generation", 250),
            stat("java.util.HashMap::put", 120),
            stat("com/acme/Checkout.run", 80),
        ]
    }

    fn rules() -> RuleSet {
        RuleSet::shipped().unwrap()
    }

    #[test]
    fn the_kind_comes_from_the_pattern() {
        assert_eq!(ValueKind::of(None), ValueKind::TopFunction);
        assert_eq!(ValueKind::of(Some("  ")), ValueKind::TopFunction);
        assert_eq!(
            ValueKind::of(Some("diagnosis: gc_pressure")),
            ValueKind::Diagnosis("gc_pressure".into())
        );
        assert_eq!(
            ValueKind::of(Some("Java::Util/HashMap")),
            ValueKind::Pattern("java.util.hashmap".into())
        );
    }

    #[test]
    fn no_pattern_is_the_top_function() {
        let value = rule_value(
            &ValueKind::TopFunction,
            ProfileType::Cpu,
            &profile(),
            &rules(),
        );
        let value = value.unwrap();
        assert_eq!(value.value, 30.0);
        assert_eq!(value.matched_functions[0].name, "java/util/HashMap.resize");
    }

    #[test]
    fn a_pattern_sums_every_spelling_of_the_name_case_insensitively() {
        let kind = ValueKind::of(Some("JAVA.util.hashmap"));
        let value = rule_value(&kind, ProfileType::Cpu, &profile(), &rules()).unwrap();
        assert!((value.value - 42.0).abs() < 1e-9, "{}", value.value);
        let names: Vec<&str> = value
            .matched_functions
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["java/util/HashMap.resize", "java.util.HashMap::put"]
        );
    }

    #[test]
    fn a_diagnosis_is_its_triage_score() {
        let rules = rules();
        let kind = ValueKind::of(Some("diagnosis:gc_pressure"));
        let value = rule_value(&kind, ProfileType::Cpu, &profile(), &rules).unwrap();
        let expected = rules
            .category_score(ProfileType::Cpu, &profile(), "gc_pressure")
            .unwrap();
        assert_eq!(value.value, expected.matched_percent);
        assert!(
            value.value >= 25.0,
            "G1 Young Generation counts: {}",
            value.value
        );
        let unknown = ValueKind::of(Some("diagnosis:nonsense"));
        assert!(matches!(
            rule_value(&unknown, ProfileType::Cpu, &profile(), &rules),
            Err(ValueError::UnknownCategory { .. })
        ));
    }

    #[test]
    fn a_profile_without_samples_is_zero() {
        for kind in [
            ValueKind::TopFunction,
            ValueKind::of(Some("HashMap")),
            ValueKind::of(Some("diagnosis:gc_pressure")),
        ] {
            let value = rule_value(&kind, ProfileType::Cpu, &[], &rules()).unwrap();
            assert_eq!(value.value, 0.0, "{kind:?}");
            assert!(value.matched_functions.is_empty());
        }
    }
}
