//! Profile Data from pprof files on disk, in one place: the directories they are read from
//! (`dir/`: listed, read within bounds, checked), the push store that keeps what agents push
//! among them (`store/`, written by `pf-ingest`: each push durable before it is acknowledged,
//! compacted and swept), and [`FileProfileData`], the [`pf_profiles::ProfileDataSor`] that merges
//! a window's files into the call tree a flame graph gives and ranks it as every source does.
//! `pf-querier` reads the same files for Grafana.

mod dir;
mod file_choice;
mod file_parts;
mod file_profile_data;
mod file_sites;
mod labelled_files;
mod start;
mod store;

pub use dir::app_dir::{app_dir, app_dirs};
pub use dir::listed::ProfileFile;
pub use dir::read::COMPACTION_JOURNAL;
pub use dir::source::{ProfileDir, Root, Snapshot};
pub use file_choice::{held_types, HeldType};
pub use file_profile_data::{by_type, FileProfileData};
pub use labelled_files::{label_values, merge_labelled};
pub use start::{start, SourceSettings};
pub use store::pushed::{label_name, pushed_app};
pub use store::{
    keep_tidy, stated_size, store_status, stored_profile, Admission, IngestError, LabelSet,
    ProfileStore, Pushed, StoreBounds, StoreError, DECODING_PER_BYTE,
};
