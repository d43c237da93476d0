//! Triage as a module of the table: started where its function (or `all`) runs, on the SORs
//! its version may use as their contracts give them.

use std::sync::Arc;

use actix_web::web;

use crate::{start, TriageNeeds, TriageSettings};
use pf_baselines::BaselineReads;
use pf_history::HistoryRecorder;
use pf_module::{Bor, BorModule, Name, Started};
use pf_profiles::ProfileDataSor;
use pf_watch::{TrendSor, WatcherReads};

/// `ReadPyroscopeTriageAssessment.v1`/`.v2`.
pub const TRIAGE_MODULE: BorModule = BorModule {
    bor: Bor::Triage,
    start: |version, ground, needs| {
        let me = Name::Triage;
        let settings = ground.section::<TriageSettings>(me)?;
        let needs = TriageNeeds {
            profiles: needs.need::<Arc<dyn ProfileDataSor>>(me, Name::ProfileData)?,
            baselines: needs
                .get::<BaselineReads>()
                .map(|BaselineReads(reads)| reads),
            history: needs.get::<HistoryRecorder>(),
            trends: needs
                .get::<Arc<dyn WatcherReads>>()
                .map(|w| w as Arc<dyn TrendSor>),
        };
        let (baselines, history) = (needs.baselines.is_some(), needs.history.is_some());
        Bor::Triage.log_ready(version, baselines, history, false);
        let service = web::Data::new(start(&settings, needs)?);
        Ok(Started::mounted(service, crate::ROUTES))
    },
};
