//! `/triage/{appName}`: parse, call the `TriageService`, answer JSON or one HTML page.

use actix_web::{web, HttpRequest, HttpResponse};

use super::html;
use super::model::{TriageParams, TriageReport, TriageRequest};
use super::service::TriageService;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::routing::{rendered, requested_by, resource};
use crate::model::{now_floored, AppName, ReportFormat};

/// Mounts the route; expects `web::Data<TriageService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/triage/{appName}").route(web::get().to(triage)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(triage),
    components(schemas(
        crate::triage::model::UnavailableType,
        crate::triage::model::Assessment,
        crate::triage::model::EvidenceBody,
        crate::triage::model::BaselineViolation,
    ))
)]
pub struct RoutesDoc;

/// Diagnose an app per profile type, with a one-line recommendation for each.
///
/// v2 also reports functions above their approved baseline and stores the assessment in the
/// history (in the background; `X-Requested-By` names the requester).
#[utoipa::path(get, path = "/triage/{appName}", tag = "triage",
    params(
        ("appName" = inline(crate::model::AppName), Path, description = "Application name"),
        ("X-Requested-By" = Option<String>, Header, description = "Who asks; stored with the history record (v2)"),
        TriageParams,
    ),
    responses(
        (status = 200, description = "Assessed; a type whose profile failed is `unavailable`. With `format=html`, one self-contained page with each type's flame graph", content(
            (TriageReport = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, description = "Invalid app name, window, types or limit", body = ErrorBody),
        (status = 404, description = "Unknown app (every type failed)", body = ErrorBody),
        (status = 502, description = "Pyroscope failed for every type", body = ErrorBody),
        (status = 504, description = "Pyroscope timed out for every type", body = ErrorBody),
    ))]
pub async fn triage(
    service: web::Data<TriageService>,
    app: AppName,
    query: web::Query<TriageParams>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request = TriageRequest::parse(app, query.into_inner(), now_floored(), requested_by(&req))?;
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
    use std::time::Duration;

    use actix_web::{test, App};

    use super::*;
    use crate::infra::telemetry::Metrics;
    use crate::profiles::MockProfileDataSor;
    use crate::profiles::Profile;
    use crate::testing::{pct, recorder, recording_history};
    use crate::triage::RuleSet;

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
            })
        });
        mock
    }

    #[actix_web::test]
    async fn the_requester_header_reaches_the_history_record() {
        let (history, mut rx) = recording_history();
        let recorder = recorder(history, Metrics::new(None).unwrap());
        let service = TriageService::new(
            Arc::new(profiles()),
            None,
            Some(recorder),
            Arc::new(RuleSet::shipped().unwrap()),
            5.0,
        );
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(service))
                .configure(|cfg| crate::http::routing::extractor_config(cfg, 1024))
                .configure(configure),
        )
        .await;
        let req = test::TestRequest::get()
            .uri("/triage/checkout?types=cpu&from=0&to=3600")
            .insert_header(("X-Requested-By", " alice "))
            .to_request();
        let body: serde_json::Value = test::call_and_read_body_json(&app, req).await;
        assert_eq!(body["profiles"]["cpu"]["diagnosis"], "gc_pressure");
        assert_eq!(body["summary"]["severity"], "high");
        let record = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.requested_by.as_deref(), Some("alice"));

        let bad = test::TestRequest::get()
            .uri("/triage/checkout?types=stack")
            .to_request();
        let res = test::call_service(&app, bad).await;
        assert_eq!(res.status(), 400);
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body["code"], "invalid_profile_type");
        let post = test::TestRequest::post()
            .uri("/triage/checkout")
            .to_request();
        assert_eq!(test::call_service(&app, post).await.status(), 405);
    }
}
