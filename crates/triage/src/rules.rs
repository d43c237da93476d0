//! Diagnosis rules: a rules file (TOML) and a ranked profile in, a diagnosis out. Pure.

use super::matcher::MatchName;
pub use super::rules_file::RulesError;
use super::rules_file::{read, Category, TypeRules};
use pf_model::{round_percent, FunctionStat, ProfileType};

/// The shipped rules, compiled in so the binary runs from any directory.
pub const SHIPPED_RULES: &str = include_str!("../../../config/triage-rules.toml");

/// How many of a profile's top functions are scored.
pub const SCORED_FUNCTIONS: usize = 50;

/// The diagnosis of a profile without functions.
pub const NO_DATA: &str = "no_data";

/// Why a diagnosis was made: the functions its patterns matched and their share.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Names as Pyroscope gave them, in rank order; empty for a default diagnosis.
    pub matched_functions: Vec<String>,
    /// Sum of their selfPercent, full precision.
    pub matched_percent: f64,
}

/// The outcome for one profile type.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    pub diagnosis: String,
    pub recommendation: String,
    pub evidence: Evidence,
}

/// Loaded, validated rules for the five profile types.
#[derive(Debug, Clone)]
pub struct RuleSet {
    no_data_recommendation: String,
    types: [TypeRules; 5],
}

impl RuleSet {
    /// The rules shipped in `config/triage-rules.toml`.
    pub fn shipped() -> Result<Self, RulesError> {
        Self::parse(SHIPPED_RULES)
    }

    /// Parses and validates a rules file.
    pub fn parse(text: &str) -> Result<Self, RulesError> {
        let (no_data_recommendation, types) = read(text)?;
        Ok(RuleSet {
            no_data_recommendation,
            types,
        })
    }

    fn rules_for(&self, profile_type: ProfileType) -> &TypeRules {
        let index = match profile_type {
            ProfileType::Cpu => 0,
            ProfileType::Alloc => 1,
            ProfileType::Lock => 2,
            ProfileType::Wall => 3,
            ProfileType::Inuse => 4,
        };
        &self.types[index]
    }

    /// The score of the diagnosis `diagnosis` for one profile, as [`RuleSet::diagnose`]
    /// computes it: the summed selfPercent of the scored functions the patterns of its
    /// categories match (one per runtime, say; an empty profile scores 0). `None` when no
    /// category of that type has that name.
    pub fn category_score(
        &self,
        profile_type: ProfileType,
        functions: &[FunctionStat],
        diagnosis: &str,
    ) -> Option<Evidence> {
        let rules = self.rules_for(profile_type);
        let mask = rules
            .categories
            .iter()
            .enumerate()
            .filter(|(_, c)| c.diagnosis == diagnosis)
            .fold(0u64, |mask, (c, _)| mask | (1 << c));
        if mask == 0 {
            return None;
        }
        let matched: Vec<&FunctionStat> = scored(functions)
            .into_iter()
            .filter(|f| rules.patterns.categories(&MatchName::new(&f.name)) & mask != 0)
            .collect();
        Some(Evidence {
            matched_percent: matched.iter().map(|f| f.self_percent).sum(),
            matched_functions: matched.iter().map(|f| f.name.clone()).collect(),
        })
    }

    /// Diagnoses one profile. Categories are scored over the top [`SCORED_FUNCTIONS`] functions;
    /// scores are compared at the 2-decimal precision they are shown with, so a score shown as
    /// 5.00 passes a minimum of 5 and equal-looking scores tie (the earlier rule wins).
    pub fn diagnose(
        &self,
        profile_type: ProfileType,
        functions: &[FunctionStat],
        min_score: f64,
    ) -> Diagnosis {
        let ranked = scored(functions);
        let rules = self.rules_for(profile_type);
        let Some(top) = ranked.first() else {
            return Diagnosis {
                diagnosis: NO_DATA.to_owned(),
                recommendation: self
                    .no_data_recommendation
                    .replace("{type}", profile_type.as_str()),
                evidence: Evidence {
                    matched_functions: Vec::new(),
                    matched_percent: 0.0,
                },
            };
        };
        let matches: Vec<u64> = ranked
            .iter()
            .map(|f| rules.patterns.categories(&MatchName::new(&f.name)))
            .collect();
        let mut best: Option<(i64, &Category, Vec<&FunctionStat>)> = None;
        for (c, category) in rules.categories.iter().enumerate() {
            let matched: Vec<&FunctionStat> = ranked
                .iter()
                .zip(&matches)
                .filter(|(_, found)| *found & (1 << c) != 0)
                .map(|(f, _)| *f)
                .collect();
            let score = centi(matched.iter().map(|f| f.self_percent).sum());
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, category, matched));
            }
        }
        match best {
            Some((score, category, matched))
                if !matched.is_empty() && score as f64 >= (min_score * 100.0).round() =>
            {
                let lead = matched[0];
                Diagnosis {
                    diagnosis: category.diagnosis.clone(),
                    recommendation: fill(&category.recommendation, lead, profile_type),
                    evidence: Evidence {
                        matched_percent: matched.iter().map(|f| f.self_percent).sum(),
                        matched_functions: matched.iter().map(|f| f.name.clone()).collect(),
                    },
                }
            }
            _ => Diagnosis {
                diagnosis: rules.default.clone(),
                recommendation: fill(&rules.recommendation, top, profile_type),
                evidence: Evidence {
                    matched_functions: Vec::new(),
                    matched_percent: 0.0,
                },
            },
        }
    }
}

/// The functions categories are scored over: the top [`SCORED_FUNCTIONS`] by self samples,
/// ranked here too, so the outcome never depends on the order a SOR happened to use.
fn scored(functions: &[FunctionStat]) -> Vec<&FunctionStat> {
    let mut ranked: Vec<&FunctionStat> = functions.iter().collect();
    ranked.sort_by(|a, b| {
        b.self_samples
            .cmp(&a.self_samples)
            .then_with(|| a.name.cmp(&b.name))
    });
    ranked.truncate(SCORED_FUNCTIONS);
    ranked
}

/// A percentage in hundredths, as shown.
fn centi(percent: f64) -> i64 {
    (round_percent(percent) * 100.0).round() as i64
}

/// Fills a recommendation template with the function it names.
fn fill(template: &str, function: &FunctionStat, profile_type: ProfileType) -> String {
    template
        .replace("{function}", &function.name)
        .replace(
            "{percent}",
            &round_percent(function.self_percent).to_string(),
        )
        .replace("{type}", profile_type.as_str())
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "rules_runtime_tests.rs"]
mod runtime_tests;
