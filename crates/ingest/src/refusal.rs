//! How a push that was not kept is answered: the intake's failure as the HTTP error table's.

use super::intake::IntakeError;
use super::IngestError as Refused;
use pf_http::error::ApiError;
use pf_profile_files::StoreError;

impl From<IntakeError> for ApiError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::ReadsPyroscope(_) => ApiError::Conflict(e.to_string()),
            IntakeError::Failed(_) => ApiError::Internal(e.to_string()),
            IntakeError::Store(StoreError::Busy(_)) => ApiError::TooManyRequests(e.to_string()),
            IntakeError::Store(StoreError::Unwritable(_)) => ApiError::Unavailable(e.to_string()),
            IntakeError::Store(StoreError::Full(_)) => ApiError::InsufficientStorage(e.to_string()),
            IntakeError::Store(StoreError::Refused(refused)) => match refused {
                Refused::AppName(e) => e.into(),
                Refused::Malformed(m) => ApiError::bad_request("invalid_profile", m),
                Refused::Unsupported(m) => ApiError::UnsupportedMediaType(m),
                Refused::Unprocessable(m) => ApiError::Unprocessable(m),
                Refused::TooLarge(m) => ApiError::PayloadTooLarge(m),
                Refused::OutOfRange(m) => ApiError::bad_request("profile_out_of_range", m),
            },
        }
    }
}
