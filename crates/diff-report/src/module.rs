//! The diff report as a module of the table: started where its function (or `all`) runs, on
//! the SORs its version may use as their contracts give them.

use std::sync::Arc;

use actix_web::web;

use crate::{start, DiffNeeds, DiffSettings};
use pf_baselines::BaselineReads;
use pf_commits::RepositorySettings;
use pf_history::HistoryRecorder;
use pf_module::{Bor, BorModule, Name, Started};
use pf_profiles::ProfileDataSor;

/// `ReadPyroscopeDiffReport.v1`/`.v2`: the commits between two windows are named from the
/// repositories of its settings section.
pub const DIFF_REPORT_MODULE: BorModule = BorModule {
    bor: Bor::DiffReport,
    start: |version, ground, needs| {
        let me = Name::DiffReport;
        let settings = ground.section::<DiffSettings>(me)?;
        let needs = DiffNeeds {
            profiles: needs.need::<Arc<dyn ProfileDataSor>>(me, Name::ProfileData)?,
            baselines: needs
                .get::<BaselineReads>()
                .map(|BaselineReads(reads)| reads),
            history: needs.get::<HistoryRecorder>(),
            repositories: ground.section::<RepositorySettings>(me)?,
        };
        let (baselines, history) = (needs.baselines.is_some(), needs.history.is_some());
        Bor::DiffReport.log_ready(version, baselines, history, false);
        let service = web::Data::new(start(&settings, needs));
        Ok(Started::mounted(service, crate::ROUTES))
    },
};
