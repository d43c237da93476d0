//! Profile Data SOR: the one place that talks to Pyroscope.

pub mod model;

pub use model::{
    AppList, FunctionStat, Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery, ProfileWindow,
};
