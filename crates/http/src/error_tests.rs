//! The status <-> SorError table read both ways.

use actix_web::ResponseError;

use super::ApiError;
use pf_infra::sor::{shown_error, SorError};

/// Every SOR failure a route answers is read back by a remote SOR client as the same one:
/// status and code come from the one table (`SorError::status`, `SorError::code`).
#[actix_web::test]
async fn every_sor_error_answered_is_read_back_as_itself() {
    let kinds = [
        SorError::NotFound("baseline 7 not found".into()),
        SorError::Invalid("bad threshold".into()),
        SorError::Conflict("already there".into()),
        SorError::Unavailable("database down".into()),
        SorError::Upstream("Pyroscope answered 500".into()),
        SorError::Timeout("Pyroscope did not answer".into()),
        SorError::Unexpected("a bug".into()),
        SorError::Unreadable("row 3 of baselines".into()),
    ];
    for error in kinds {
        let response = ApiError::from(error.clone()).error_response();
        let status = response.status().as_u16();
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let back = SorError::from_wire(
            status,
            body["code"].as_str(),
            body["error"].as_str().unwrap().to_owned(),
        );
        match &error {
            // The cause of an unexpected failure is logged, never shown.
            SorError::Unexpected(_) => {
                assert_eq!(back, SorError::Unexpected("internal error".into()));
            }
            _ => assert_eq!(back, error, "{status} {body}"),
        }
    }
}

#[test]
fn unforeseen_failures_are_not_shown_in_partial_answers() {
    assert_eq!(
        shown_error(&SorError::Unexpected("pool poisoned".into())),
        "internal error"
    );
    assert_eq!(
        shown_error(&SorError::Upstream("Pyroscope answered 503".into())),
        "Pyroscope answered 503"
    );
}
