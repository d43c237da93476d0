//! Profile Data (`ReadPyroscopeProfile.sor.v1`) as a module of the table, and a contract: which
//! source answers it — Pyroscope (`pyroscope.url`), or pprof files (`profiles.dir`, or, with
//! neither, pushed profiles beside the bundled demo) — where pushes are kept, and the querier
//! over the same files. It lives here, the one crate above both sources and the pushes.

use std::path::Path;
use std::sync::Arc;

use actix_web::web;

use crate::{Querier, ROUTES};
use pf_infra::tasks::StartError;
use pf_infra::telemetry::Metrics;
use pf_ingest::{IngestSettings, IntakeSettings};
use pf_model::SliceSecs;
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Served, Started};
use pf_profile_files::{ProfileDir, SourceSettings};
use pf_profiles::{without_credentials, ProfileDataSor, ProfileSource, ProfilesSettings};
use pf_profiles::{PyroscopeSettings, SourceParts};

/// Profile Data, the push routes into it and the querier over it.
pub struct ProfileDataModule;

impl Module for ProfileDataModule {
    fn name(&self) -> Name {
        Name::ProfileData
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::ProfileDataSor)
    }
    fn start(&self, ground: &mut Ground<'_>, _: &Offers) -> Result<Started, ModuleError> {
        let me = self.name();
        let profiles = ground.section::<ProfilesSettings>(me)?;
        let pyroscope = ground.section::<PyroscopeSettings>(me)?;
        let ingest = ground.section::<IngestSettings>(me)?;
        let source = start_profile_source(&pyroscope, &profiles, &ingest, &ground.metrics)?;
        let sections = IntakeSettings {
            ingest: &ingest,
            app_label: &pyroscope.app_label,
            limits: profiles.limits(),
            snapshot_types: profiles.snapshot_types(),
            slice_secs: ground.section::<SliceSecs>(me)?,
        };
        let querier = web::Data::new(Querier::new(source.files.clone(), &profiles));
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
        started.mount(Some(querier), ROUTES);
        started.mount(Some(web::Data::from(ingest.intake)), pf_ingest::ROUTES);
        Ok(started.offer(Served(sor)))
    }
}

/// A started Profile Data: its SOR and `/health` check, and the files pushes are kept among
/// (or, reading Pyroscope, its URL without credentials: pushes go there).
struct StartedSource {
    parts: SourceParts,
    files: Result<Arc<ProfileDir>, String>,
}

/// The Profile Data of the configured source ([`ProfileSource::of`]).
///
/// # Errors
/// When both sources are set, or Pyroscope's client cannot be built from its settings.
fn start_profile_source(
    pyroscope: &PyroscopeSettings,
    profiles: &ProfilesSettings,
    ingest: &IngestSettings,
    metrics: &Arc<Metrics>,
) -> Result<StartedSource, StartError> {
    let files = |dir: Option<&Path>| {
        let sections = SourceSettings {
            profiles,
            dir,
            push_dir: &ingest.store_dir,
        };
        let (parts, dir) = pf_profile_files::start(sections, metrics);
        StartedSource {
            parts,
            files: Ok(dir),
        }
    };
    Ok(match ProfileSource::of(pyroscope, profiles)? {
        ProfileSource::Pyroscope(url) => StartedSource {
            parts: pf_pyroscope::start(pyroscope, profiles, metrics)?,
            files: Err(without_credentials(&url)),
        },
        ProfileSource::Files(dir) => files(Some(&dir)),
        ProfileSource::PushesAndDemo => files(None),
    })
}
