//! A profile for the compiler from Pyroscope (SPEC §23): the window's merged CPU flame graph
//! written as a pprof. A flame graph names functions only, so the profile has no files, start
//! lines or inlined frames: Go's compiler still matches its hot functions by name. Read
//! through the same cache as `/profiles/{appName}?type=cpu`.

use super::PyroscopeProfileData;
use crate::formats::pprof::{cpu_profile_of_tree, encode::to_bytes, CpuMerge, Limits};
use crate::infra::sor::SorError;
use crate::model::ProfileType;
use crate::profiles::model::{PgoQuery, ProfileQuery};
use crate::profiles::window_source::WindowSource;

/// Go's CPU sampling period (100 Hz): a flame graph does not say its own.
const PERIOD_NANOS: i64 = 10_000_000;

impl PyroscopeProfileData {
    /// The window's CPU flame graph as one gzip pprof; `NotFound` when it is empty.
    pub(super) async fn tree_pgo(&self, query: &PgoQuery) -> Result<Vec<u8>, SorError> {
        let cpu = ProfileQuery {
            app: query.app.clone(),
            profile_type: ProfileType::Cpu,
            window: query.window,
            limit: 1,
            labels: query.labels.clone(),
        };
        let (source, stats) = self.read_one(&cpu).await?;
        // `process_cpu:cpu:nanoseconds:…` counts time; `…:samples:count:…` and legacy
        // queries count samples.
        let nanos = source.split(':').nth(2) == Some("nanoseconds");
        let written = to_bytes(
            &cpu_profile_of_tree(&stats.tree, nanos, PERIOD_NANOS),
            false,
        );
        let sample_type = if nanos {
            "cpu/nanoseconds"
        } else {
            "samples/count"
        };
        // Read back through the one merge, which writes Go's types and cuts the stacks.
        let mut merge = CpuMerge::new(query.keep_locations, None);
        let unbounded = Limits {
            max_decoded_bytes: u64::MAX,
            max_stack_depth: usize::MAX,
        };
        merge
            .add_file(&written, unbounded, sample_type)
            .map_err(|e| SorError::Unexpected(format!("a flame graph written as pprof: {e}")))?;
        if merge.stacks() == 0 {
            return Err(SorError::NotFound(format!(
                "no CPU profile of {} in {}",
                query.app, query.window
            )));
        }
        Ok(to_bytes(&merge.finish(), true))
    }
}
