//! The rules file as written (TOML, docs/runtimes.md) and its compilation into the
//! matcher's rules; a file that cannot be used is refused with the reason.

use serde::Deserialize;

use super::matcher::{compile_pattern, Pattern, PatternIndex, MAX_CATEGORIES};

/// Why a rules file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid triage rules: {0}")]
pub struct RulesError(pub String);

#[derive(Debug, Clone)]
pub(super) struct Category {
    pub(super) diagnosis: String,
    pub(super) recommendation: String,
}

#[derive(Debug, Clone)]
pub(super) struct TypeRules {
    pub(super) default: String,
    pub(super) recommendation: String,
    pub(super) categories: Vec<Category>,
    /// Every category's patterns; category `c` is bit `c` of a name's matches.
    pub(super) patterns: PatternIndex,
}
#[cfg(doc)]
use pf_model::ProfileType;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    no_data_recommendation: String,
    cpu: TypeFile,
    alloc: TypeFile,
    lock: TypeFile,
    wall: TypeFile,
    /// Optional, so a rules file written before in-use profiles existed still loads.
    #[serde(default = "TypeFile::inuse_default")]
    inuse: TypeFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeFile {
    default: String,
    recommendation: String,
    #[serde(default)]
    categories: Vec<CategoryFile>,
}

impl TypeFile {
    /// In-use rules for a file without them: the shipped default diagnosis, no categories.
    fn inuse_default() -> Self {
        TypeFile {
            default: "memory_retention".into(),
            recommendation:
                "{function} holds {percent}% of in-use memory: check what keeps it alive".into(),
            categories: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryFile {
    diagnosis: String,
    recommendation: String,
    patterns: Vec<Pattern>,
}

/// The no-data recommendation and the compiled rules of each type, in [`ProfileType::ALL`]
/// order.
pub(super) fn read(text: &str) -> Result<(String, [TypeRules; 5]), RulesError> {
    let file: RulesFile = toml::from_str(text).map_err(|e| RulesError(e.to_string()))?;
    let types = [
        compile("cpu", file.cpu)?,
        compile("alloc", file.alloc)?,
        compile("lock", file.lock)?,
        compile("wall", file.wall)?,
        compile("inuse", file.inuse)?,
    ];
    Ok((file.no_data_recommendation, types))
}

fn compile(type_name: &str, file: TypeFile) -> Result<TypeRules, RulesError> {
    let blank = |what: &str| RulesError(format!("[{type_name}] {what} must not be blank"));
    if file.default.trim().is_empty() {
        return Err(blank("default"));
    }
    if file.recommendation.trim().is_empty() {
        return Err(blank("recommendation"));
    }
    if file.categories.len() > MAX_CATEGORIES {
        return Err(RulesError(format!(
            "[{type_name}] has {} categories; at most {MAX_CATEGORIES} are supported",
            file.categories.len()
        )));
    }
    let mut categories = Vec::with_capacity(file.categories.len());
    let mut patterns = PatternIndex::default();
    for (c, category) in file.categories.into_iter().enumerate() {
        if category.diagnosis.trim().is_empty() || category.recommendation.trim().is_empty() {
            return Err(blank("every category's diagnosis and recommendation"));
        }
        if category.patterns.is_empty() {
            return Err(RulesError(format!(
                "[{type_name}] category `{}` has no patterns",
                category.diagnosis
            )));
        }
        for pattern in category.patterns {
            let matcher = compile_pattern(pattern).ok_or_else(|| {
                RulesError(format!(
                    "[{type_name}] category `{}` has a pattern without letters or digits",
                    category.diagnosis
                ))
            })?;
            patterns.add(c, matcher);
        }
        categories.push(Category {
            diagnosis: category.diagnosis,
            recommendation: category.recommendation,
        });
    }
    Ok(TypeRules {
        default: file.default,
        recommendation: file.recommendation,
        categories,
        patterns,
    })
}
