//! Profile Data SOR: the one place that talks to Pyroscope.

pub mod cache;
pub mod flamegraph;
pub mod model;
pub mod pyroscope;
#[doc(hidden)]
pub mod testdata;

pub use model::{
    AppList, FunctionStat, Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery, ProfileWindow,
};
