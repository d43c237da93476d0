//! Triage (`ReadPyroscopeTriageAssessment`): what is wrong with an app right now, per profile type.

mod html;
mod matcher;
mod model;
mod module;
mod record;
mod routes;
mod rules;
mod rules_file;
mod service;
mod start;
mod trends;

pub use model::{TriageReport, TriageRequest};
pub use module::TRIAGE_MODULE;
pub use routes::ROUTES;
pub use rules::{RuleSet, SHIPPED_RULES};
pub use rules_file::RulesError;
pub use service::TriageService;
pub use start::{load_rules, start, TriageNeeds, TriageSettings};
