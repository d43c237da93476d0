//! Triage (`ReadPyroscopeTriageAssessment`): what is wrong with an app right now, per profile type.

pub mod html;
mod matcher;
pub mod model;
mod record;
pub mod routes;
pub mod rules;
mod rules_file;
pub mod service;
pub mod start;
mod trends;

pub use model::{TriageReport, TriageRequest};
pub use rules::RuleSet;
pub use rules_file::RulesError;
pub use service::TriageService;
