//! Profile Data (`ReadPyroscopeProfile.sor.v1`), a module of the table and a contract: which
//! source answers it — Pyroscope (`pyroscope.url`), or pprof files (`profiles.dir`, or, with
//! neither, pushed profiles beside the bundled demo) — where pushes are kept, and the querier
//! over the same files.

use std::path::Path;
use std::sync::Arc;

use actix_web::web;

use super::module::{Ground, Module, Name, Offers, Served, Started};
use super::StartupError;
use crate::settings::{Function, Settings};
use pf_infra::tasks::StartError;
use pf_infra::telemetry::Metrics;
use pf_ingest::IntakeSettings;
use pf_profile_files::{ProfileDir, SourceSettings};
use pf_profiles::{without_credentials, ProfileDataSor, ProfileSource, SourceParts};
use pf_querier::Querier;

/// Profile Data, the push routes into it and the querier over it.
pub(super) struct ProfileData;

impl Module for ProfileData {
    fn name(&self) -> Name {
        Name::ProfileData
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::ProfileDataSor)
    }
    fn start(&self, ground: &mut Ground<'_>, _: &Offers) -> Result<Started, StartupError> {
        let settings = ground.settings;
        let source = start_profile_source(settings, &ground.metrics)?;
        let sections = IntakeSettings {
            ingest: &settings.ingest,
            app_label: &settings.pyroscope.app_label,
            limits: settings.profiles.limits(),
            snapshot_types: settings.profiles.snapshot_types(),
            slice_secs: settings.watch.slice_secs,
        };
        let querier = web::Data::new(Querier::new(source.files.clone(), &settings.profiles));
        let ingest = pf_ingest::start(sections, source.files, &ground.metrics, &mut ground.tasks)?;
        let sor: Arc<dyn ProfileDataSor> = source.parts.sor;
        let mut started = Started {
            checks: vec![source.parts.check],
            ..Started::default()
        };
        let profiles = || Some(web::Data::from(sor.clone()));
        started.mount(profiles(), pf_profiles::ROUTES);
        started.mount(profiles(), pf_profiles::TREE_ROUTES);
        started.mount(profiles(), pf_profiles::LABEL_ROUTES);
        started.mount(profiles(), pf_profiles::SITE_ROUTES);
        started.mount(profiles(), pf_profiles::PGO_ROUTES);
        started.mount(Some(querier), pf_querier::ROUTES);
        started.mount(Some(web::Data::from(ingest.intake)), pf_ingest::ROUTES);
        Ok(started.offer(Served(sor)))
    }
}

/// A started Profile Data: its SOR and `/health` check, and the files pushes are kept among
/// (or, reading Pyroscope, its URL without credentials: pushes go there).
pub(super) struct StartedSource {
    pub(super) parts: SourceParts,
    pub(super) files: Result<Arc<ProfileDir>, String>,
}

/// The Profile Data of the configured source ([`Settings::profile_source`]).
///
/// # Errors
/// When both sources are set, or Pyroscope's client cannot be built from its settings.
pub(super) fn start_profile_source(
    settings: &Settings,
    metrics: &Arc<Metrics>,
) -> Result<StartedSource, StartError> {
    let files = |dir: Option<&Path>| {
        let sections = SourceSettings {
            profiles: &settings.profiles,
            dir,
            push_dir: &settings.ingest.store_dir,
        };
        let (parts, dir) = pf_profile_files::start(sections, metrics);
        StartedSource {
            parts,
            files: Ok(dir),
        }
    };
    Ok(match settings.profile_source()? {
        ProfileSource::Pyroscope(url) => StartedSource {
            parts: pf_pyroscope::start(&settings.pyroscope, &settings.profiles, metrics)?,
            files: Err(without_credentials(&url)),
        },
        ProfileSource::Files(dir) => files(Some(&dir)),
        ProfileSource::PushesAndDemo => files(None),
    })
}
