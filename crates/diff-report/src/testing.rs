//! Diff requests for the tests of this crate and of the crates above it.

use crate::DiffRequest;
use pf_model::{ProfileType, ReportFormat, TimeWindow};

/// A JSON diff of `checkout`'s CPU, the hour 3600–7200 against the hour before, without
/// labels, requester or parts.
pub fn diff_request(limit: u32) -> DiffRequest {
    DiffRequest {
        app: "checkout".parse().unwrap(),
        profile_type: ProfileType::Cpu,
        current: TimeWindow::new(3600, 7200).unwrap(),
        baseline: TimeWindow::new(0, 3600).unwrap(),
        limit,
        format: ReportFormat::Json,
        labels: Default::default(),
        baseline_labels: Default::default(),
        current_labels: Default::default(),
        requested_by: None,
        slices: 0,
        repository: None,
    }
}
