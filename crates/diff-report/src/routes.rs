//! `/diff/{appName}`: parse, call the `DiffReportService`, answer JSON, Markdown, a
//! differential flame graph (SVG) or one HTML page.

use actix_web::{web, HttpResponse};

use super::model::{DiffParams, DiffReport, DiffRequest};
use super::service::DiffReportService;
use super::{html, markdown};
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::{App, Bounds};
use pf_http::extract::{AppNameParam, RequestedBy, RequestedByParam};
use pf_http::routing::{rendered, resource};
use pf_model::ReportFormat;

/// Mounts the route; expects `web::Data<DiffReportService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/diff/{appName}").route(web::get().to(diff)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(diff))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Compare an app's functions between a baseline and a current window.
///
/// Lists functions whose share changed by more than 0.1 percentage points, with a verdict.
/// v2 also checks approved thresholds and stores the report in the history (in the background;
/// `X-Requested-By` names the requester).
#[utoipa::path(get, path = "/diff/{appName}", tag = "diff",
    params(
        AppNameParam,
        RequestedByParam,
        DiffParams,
    ),
    responses(
        (status = 200, description = "The report: JSON, or Markdown (`format=markdown`), or a differential flame graph (`format=svg`: the current window's shape, red grew, blue shrank), or one self-contained HTML page (`format=html`)", content(
            (DiffReport = "application/json"),
            (String = "image/svg+xml"),
            (String = "text/html"),
            (String = "text/markdown", example = json!("# Diff report: checkout-service\n\n- **Profile type:** cpu\n- **Baseline:** 2025-11-22 09:00:00 UTC – 2025-11-22 10:00:00 UTC\n- **Current:** 2025-11-22 10:00:00 UTC – 2025-11-22 11:00:00 UTC\n\n## Regressions\n\n| Function | Baseline % | Current % | Delta | Threshold |\n|---|---:|---:|---:|---|\n| `com/acme/Pricing.applyDiscounts` | 2.10 | 8.70 | +6.60 | 5.00 **BREACH** |\n\n## Improvements\n\n_None._\n\n## Summary\n\n- **Verdict:** FAIL\n- Regressions: 1\n- Improvements: 0\n- Top regression: `com/acme/Pricing.applyDiscounts` (+6.6%)\n- Threshold breaches: 1\n")),
        )),
        (status = 400, description = "Invalid app name, windows, type, limit or format", body = ErrorBody),
        (status = 404, description = "Unknown app", body = ErrorBody),
        UpstreamErrors,
    ))]
pub async fn diff(
    service: web::Data<DiffReportService>,
    App(app): App,
    query: web::Query<DiffParams>,
    RequestedBy(requested_by): RequestedBy,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let request = DiffRequest::parse(app, query.into_inner(), bounds, Some(requested_by))?;
    Ok(match request.format {
        ReportFormat::Json => HttpResponse::Ok().json(service.report(&request).await?),
        format @ ReportFormat::Markdown => {
            rendered(format, markdown::render(&service.report(&request).await?))
        }
        format @ ReportFormat::Svg => {
            let (report, trees) = service.pictured(&request).await?;
            rendered(format, html::picture(&request, &report, &trees, true))
        }
        format @ ReportFormat::Html => {
            let (report, trees) = service.pictured(&request).await?;
            rendered(format, html::render(&request, &report, &trees))
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use actix_web::test;

    use super::*;
    use pf_infra::sor::SorError;
    use pf_profiles::MockProfileDataSor;
    use pf_testing::call_routes;

    async fn call(uri: &str, profiles: MockProfileDataSor) -> actix_web::dev::ServiceResponse {
        let service = DiffReportService::new(
            Arc::new(profiles),
            None,
            None,
            crate::compute::Judgement {
                warn_regression_points: 5.0,
                fdr: 0.05,
            },
        );
        call_routes(service, configure, test::TestRequest::get().uri(uri)).await
    }

    fn empty_diff() -> MockProfileDataSor {
        let mut mock = MockProfileDataSor::new();
        mock.expect_diff().returning(|q| {
            let window = |w: pf_model::TimeWindow| pf_profiles::ProfileWindow {
                parts: None,
                parts_unavailable: None,
                labels: Default::default(),
                from: w.from,
                to: w.to,
                total_samples: 0,
                truncated_percent: 0.0,
                functions: vec![],
            };
            Ok(pf_profiles::ProfileDiff {
                app_name: q.app.to_string(),
                profile_type: q.profile_type,
                profile_type_id: "id".into(),
                baseline: window(q.baseline),
                current: window(q.current),
            })
        });
        mock
    }

    #[actix_web::test]
    async fn markdown_is_answered_as_text_markdown() {
        let res = call(
            "/diff/checkout?format=markdown&from=3600&to=7200",
            empty_diff(),
        )
        .await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/markdown; charset=utf-8"
        );
        let text = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(text.starts_with("# Diff report: checkout\n"), "{text}");
        assert!(
            text.contains("1970-01-01 00:00:00 UTC – 1970-01-01 01:00:00 UTC"),
            "{text}"
        );
    }

    #[actix_web::test]
    async fn bad_parameters_and_upstream_failures_are_error_bodies() {
        let res = call("/diff/checkout?format=pdf", MockProfileDataSor::new()).await;
        assert_eq!(res.status(), 400);
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body["code"], "invalid_format");
        let mut failing = MockProfileDataSor::new();
        failing
            .expect_diff()
            .returning(|_| Err(SorError::Upstream("Pyroscope answered 500".into())));
        let res = call("/diff/checkout", failing).await;
        assert_eq!(res.status(), 502);
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body["code"], "upstream_error");
    }

    #[actix_web::test]
    async fn pictures_need_the_trees_and_fail_with_them() {
        let mut profiles = empty_diff();
        profiles
            .expect_diff_trees()
            .times(1)
            .returning(|_| Err(SorError::Timeout("Pyroscope too slow".into())));
        let res = call("/diff/checkout?format=svg", profiles).await;
        assert_eq!(res.status(), 504);
        let mut profiles = empty_diff();
        profiles.expect_diff_trees().returning(|_| {
            Ok(pf_profiles::DiffTrees {
                baseline: Default::default(),
                current: Default::default(),
            })
        });
        let res = call("/diff/checkout?format=html&from=3600&to=7200", profiles).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/html; charset=utf-8"
        );
        let page = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(page.contains("Verdict: PASS"), "{page}");
        assert!(page.contains("No samples in the current window"), "{page}");
    }
}
