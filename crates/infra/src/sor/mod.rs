//! What every store (SOR) implementation shares: the error its contract fails with and that
//! error's HTTP status both ways, the remote client, row decoding, coalescing.

pub mod coalescing;
pub mod endpoint;
pub mod error;
pub mod fields;
pub mod json_text;
pub mod remote;
pub mod rows;

pub use error::{shown_error, SorError};
