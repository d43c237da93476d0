//! The local profile store (docs/agents.md#pushing-from-agents): what agents push is kept as pprof
//! files under the profile directory, `<dir>/<app>/<time>-<id>.pb.gz`, where the files reader reads
//! them like any copied file. A push is acknowledged only when its files are durable: each is
//! written to a hidden temporary file, synced, renamed into place, and the directory synced. Every
//! file of a push is checked before the first is written, so a refused push stores nothing.

mod compact;
mod dir_sync;
mod merge;
mod normalize;
mod profile_store;
mod push_pool;
pub mod pushed;
mod sweep;
mod upkeep;
mod write;

pub use normalize::{stated_size, stored_profile, DECODING_PER_BYTE};
pub use profile_store::{Admission, ProfileStore, StoreBounds, StoreError};
pub use pushed::{IngestError, LabelSet, Pushed};
pub use upkeep::{keep_tidy, store_status};
