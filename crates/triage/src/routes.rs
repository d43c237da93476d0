//! `/triage/{appName}`: parse, call the `TriageService`, answer JSON or one HTML page.

use actix_web::{web, HttpResponse};

use super::html;
use super::model::{TriageParams, TriageReport, TriageRequest};
use super::service::TriageService;
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::{App, Bounds};
use pf_http::extract::{AppNameParam, RequestedBy, RequestedByParam};
use pf_http::routing::{rendered, resource};
use pf_model::ReportFormat;

/// Mounts the route; expects `web::Data<TriageService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/triage/{appName}").route(web::get().to(triage)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(triage),
    components(schemas(
        crate::model::UnavailableType,
        crate::model::Assessment,
        crate::model::EvidenceBody,
        crate::model::BaselineViolation,
    ))
)]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Diagnose an app per profile type, with a one-line recommendation for each.
///
/// v2 also reports functions above their approved baseline and stores the assessment in the
/// history (in the background; `X-Requested-By` names the requester).
#[utoipa::path(get, path = "/triage/{appName}", tag = "triage",
    params(
        AppNameParam,
        RequestedByParam,
        TriageParams,
    ),
    responses(
        (status = 200, description = "Assessed; a type whose profile failed is `unavailable`. With `format=html`, one self-contained page with each type's flame graph", content(
            (TriageReport = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, description = "Invalid app name, window, types or limit", body = ErrorBody),
        (status = 404, description = "Unknown app (every type failed)", body = ErrorBody),
        UpstreamErrors,
    ))]
pub async fn triage(
    service: web::Data<TriageService>,
    App(app): App,
    query: web::Query<TriageParams>,
    RequestedBy(requested_by): RequestedBy,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let request = TriageRequest::parse(app, query.into_inner(), bounds, Some(requested_by))?;
    Ok(match request.format {
        ReportFormat::Html => {
            let (report, trees, trends) = service.pictured(request.clone()).await?;
            rendered(
                ReportFormat::Html,
                html::render(&request, &report, (&trees, &trends)),
            )
        }
        _ => HttpResponse::Ok().json(service.assess(request).await?),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use actix_web::test;

    use super::*;
    use crate::RuleSet;
    use pf_history::testing::{next_record, recorder, recording_history};
    use pf_infra::telemetry::Metrics;
    use pf_profiles::MockProfileDataSor;
    use pf_profiles::Profile;
    use pf_testing::{call_routes, pct};

    fn profiles() -> MockProfileDataSor {
        let mut mock = MockProfileDataSor::new();
        mock.expect_profile().returning(|q| {
            Ok(Profile {
                labels: Default::default(),
                app_name: q.app.to_string(),
                profile_type: q.profile_type,
                from: q.window.from,
                to: q.window.to,
                profile_type_id: "id".into(),
                total_samples: 100,
                truncated_percent: 0.0,
                functions: vec![pct("runtime.mallocgc", 40.0)],
                partial: None,
            })
        });
        mock
    }

    #[actix_web::test]
    async fn the_requester_header_reaches_the_history_record() {
        let (history, mut rx) = recording_history();
        let recorder = recorder(history, Metrics::new(None).unwrap());
        let service = |recorder| {
            let rules = Arc::new(RuleSet::shipped().unwrap());
            TriageService::new(Arc::new(profiles()), None, recorder, rules, 5.0)
        };
        let req = test::TestRequest::get()
            .uri("/triage/checkout?types=cpu&from=0&to=3600")
            .insert_header(("X-Requested-By", " alice "));
        let body: serde_json::Value =
            test::read_body_json(call_routes(service(Some(recorder)), configure, req).await).await;
        assert_eq!(body["profiles"]["cpu"]["diagnosis"], "gc_pressure");
        assert_eq!(body["summary"]["severity"], "high");
        let record = next_record(&mut rx).await;
        assert_eq!(record.requested_by.as_deref(), Some("alice"));

        let bad = test::TestRequest::get().uri("/triage/checkout?types=stack");
        let res = call_routes(service(None), configure, bad).await;
        assert_eq!(res.status(), 400);
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body["code"], "invalid_profile_type");
        let post = test::TestRequest::post().uri("/triage/checkout");
        let res = call_routes(service(None), configure, post).await;
        assert_eq!(res.status(), 405);
    }
}
