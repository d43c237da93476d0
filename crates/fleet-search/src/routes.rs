//! `/search` and `/fleet/hotspots`: parse, call the `FleetSearchService`, answer JSON.

use actix_web::{web, HttpResponse};

use super::model::{HotspotParams, HotspotRequest, ScopeParams, SearchParams, SearchRequest};
use super::report::{HotspotReport, SearchReport};
use super::service::FleetSearchService;
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::Bounds;
use pf_http::routing::resource;

/// Mounts the routes; expects `web::Data<FleetSearchService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/search").route(web::get().to(search)))
        .service(resource("/fleet/hotspots").route(web::get().to(hotspots)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(search, hotspots))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Find a function across the fleet: which apps spend how much in it.
///
/// Searches each app's top 50 functions; v2 adds the owner, tier and channel of registered apps.
/// With the profile watcher on, answers from its summaries of the slices in the window
/// (`source: "summaries"`, the `slices` read, and how far each share may fall short of a live
/// query: `maxErrorSamples`/`maxErrorPercent`); `source=live`, label matchers, or a window
/// without summaries ask Pyroscope, one query per app.
#[utoipa::path(get, path = "/search", tag = "fleet",
    params(SearchParams, ScopeParams),
    responses(
        (status = 200, description = "Matches; apps that failed are listed in `failedApps`", body = SearchReport),
        (status = 400, description = "Missing `function`, or an invalid type, window or app name", body = ErrorBody,
            example = json!({"error": "function is required and must not be blank", "code": "missing_field"})),
        UpstreamErrors,
    ))]
pub async fn search(
    service: web::Data<FleetSearchService>,
    query: web::Query<SearchParams>,
    scope: web::Query<ScopeParams>,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let request = SearchRequest::parse(query.into_inner(), &scope, bounds)?;
    Ok(HttpResponse::Ok().json(service.search(&request).await?))
}

/// The functions that cost the most across the fleet.
///
/// Groups every app's top 50 functions by name; impactScore = serviceCount × maxSelfPercent.
/// v2 adds the owner and tier of registered services and counts the critical ones.
/// With the profile watcher on, answers from its summaries as `/search` does (`source`,
/// `slices`, `maxErrorPercent` overall and per service).
#[utoipa::path(get, path = "/fleet/hotspots", tag = "fleet",
    params(ScopeParams, HotspotParams),
    responses(
        (status = 200, description = "Hotspots; apps that failed are listed in `failedApps`", body = HotspotReport),
        (status = 400, description = "Invalid type, limit, window or app name", body = ErrorBody),
        UpstreamErrors,
    ))]
pub async fn hotspots(
    service: web::Data<FleetSearchService>,
    scope: web::Query<ScopeParams>,
    query: web::Query<HotspotParams>,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let request = HotspotRequest::parse(query.into_inner(), &scope, bounds)?;
    Ok(HttpResponse::Ok().json(service.hotspots(&request).await?))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use actix_web::test;

    use super::*;
    use pf_infra::sor::SorError;
    use pf_profiles::MockProfileDataSor;
    use pf_testing::call_routes;

    #[actix_web::test]
    async fn search_needs_a_function_and_discovery_failures_are_gateway_errors() {
        let service = || {
            let mut profiles = MockProfileDataSor::new();
            profiles
                .expect_apps()
                .returning(|_| Err(SorError::Timeout("Pyroscope took 30s".into())));
            FleetSearchService::new(Arc::new(profiles), None, 4, Duration::from_secs(1))
        };
        for (uri, status, code) in [
            ("/search", 400, "missing_field"),
            ("/search?function=%20", 400, "missing_field"),
            ("/search?function=x", 504, "upstream_timeout"),
            ("/fleet/hotspots?limit=0", 400, "invalid_limit"),
            ("/fleet/hotspots", 504, "upstream_timeout"),
        ] {
            let res = call_routes(service(), configure, test::TestRequest::get().uri(uri)).await;
            assert_eq!(res.status(), status, "{uri}");
            let body: serde_json::Value = test::read_body_json(res).await;
            assert_eq!(body["code"], code, "{uri}");
        }
    }
}
