//! `/diff/{appName}`: parse, call the `DiffReportService`, answer JSON or Markdown.

use actix_web::{web, HttpRequest, HttpResponse};

use super::markdown;
use super::model::{DiffParams, DiffReport, DiffRequest, ReportFormat};
use super::service::DiffReportService;
use crate::bor::requested_by;
use crate::error::{ApiError, ErrorBody};
use crate::profile::now_floored;
use crate::routing::method_not_allowed;

/// Mounts the route; expects `web::Data<DiffReportService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/diff/{appName}")
            .route(web::get().to(diff))
            .default_service(web::to(method_not_allowed)),
    );
}

/// Compare an app's functions between a baseline and a current window.
///
/// Lists functions whose share changed by more than 0.1 percentage points, with a verdict.
/// v2 also checks approved thresholds and stores the report in the history (in the background;
/// `X-Requested-By` names the requester).
#[utoipa::path(get, path = "/diff/{appName}", tag = "diff",
    params(
        ("appName" = String, Path, description = "Application name"),
        ("X-Requested-By" = Option<String>, Header, description = "Who asks; stored with the history record (v2)"),
        DiffParams,
    ),
    responses(
        (status = 200, description = "The report, as JSON or (`format=markdown`) as Markdown", content(
            (DiffReport = "application/json"),
            (String = "text/markdown", example = json!("# Diff report: checkout-service\n\n- **Profile type:** cpu\n- **Baseline:** 2025-11-22 09:00:00 UTC – 2025-11-22 10:00:00 UTC\n- **Current:** 2025-11-22 10:00:00 UTC – 2025-11-22 11:00:00 UTC\n\n## Regressions\n\n| Function | Baseline % | Current % | Delta | Threshold |\n|---|---:|---:|---:|---|\n| `com/acme/Pricing.applyDiscounts` | 2.10 | 8.70 | +6.60 | 5.00 **BREACH** |\n\n## Improvements\n\n_None._\n\n## Summary\n\n- **Verdict:** FAIL\n- Regressions: 1\n- Improvements: 0\n- Top regression: `com/acme/Pricing.applyDiscounts` (+6.6%)\n- Threshold breaches: 1\n")),
        )),
        (status = 400, description = "Invalid app name, windows, type, limit or format", body = ErrorBody),
        (status = 404, description = "Unknown app", body = ErrorBody),
        (status = 502, description = "Pyroscope failed", body = ErrorBody),
        (status = 504, description = "Pyroscope timed out", body = ErrorBody),
    ))]
pub async fn diff(
    service: web::Data<DiffReportService>,
    path: web::Path<String>,
    query: web::Query<DiffParams>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request = DiffRequest::parse(&path, query.into_inner(), now_floored(), requested_by(&req))?;
    let report = service.report(&request).await?;
    Ok(match request.format {
        ReportFormat::Json => HttpResponse::Ok().json(report),
        ReportFormat::Markdown => HttpResponse::Ok()
            .content_type("text/markdown; charset=utf-8")
            .body(markdown::render(&report)),
    })
}
