//! `GET /`: the front door, an HTML page or (`Accept: application/json`) the same as JSON.

use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::model::{FrontApp, FrontDoor, FrontSeries, OpenEvent, ServiceHealth};
use super::service::FrontDoorService;
use pf_http::error::{ApiError, ErrorBody};
use pf_http::routing::{rendered, resource};
use pf_model::ReportFormat;

/// Mounts the route; expects `web::Data<FrontDoorService>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/").route(web::get().to(front_door)));
}

/// The OpenAPI paths of this route.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(front_door),
    components(schemas(FrontDoor, FrontApp, FrontSeries, OpenEvent, ServiceHealth))
)]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// Whether the client asked for JSON: `application/json` ranked above `text/html` in
/// `Accept` (a browser asks for HTML, `curl` for anything: both get the page).
fn wants_json(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let quality = |wanted: &str| {
        accept
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';').map(str::trim);
                let media = pieces.next()?;
                if !media.eq_ignore_ascii_case(wanted) {
                    return None;
                }
                let q = pieces
                    .find_map(|p| p.strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some(q)
            })
            .fold(None, |best: Option<f32>, q| {
                Some(best.map_or(q, |b| b.max(q)))
            })
    };
    match (quality("application/json"), quality("text/html")) {
        (Some(json), Some(html)) => json > 0.0 && json > html,
        (Some(json), None) => json > 0.0,
        _ => false,
    }
}

/// Where a person starts: the apps with profiles in the last hour, each with its types, its
/// newest summary and its open regressions and leaks (function, change with its 95 % interval,
/// version, likeliest commit), linked to their pages, its triage, diff, trends and flame
/// graph; apps with open events first; the service's health in one line; Swagger UI.
///
/// Read from the watcher's summaries and the regression store, never from profiles, and made
/// at most every two seconds (requests meanwhile share the answer). One
/// self-contained HTML page (no script, nothing fetched), or the same as JSON when `Accept`
/// prefers `application/json`.
#[utoipa::path(get, path = "/", tag = "front door",
    responses(
        (status = 200, description = "The front door: a page, or JSON when `Accept` prefers it", content(
            (FrontDoor = "application/json"),
            (String = "text/html"),
        )),
        (status = 503, description = "The summary or regression store is unavailable", body = ErrorBody),
    ))]
pub async fn front_door(
    service: web::Data<FrontDoorService>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let answer = service.answer(Utc::now().timestamp()).await?;
    Ok(if wants_json(req.headers()) {
        rendered(ReportFormat::Json, answer.json)
    } else {
        rendered(ReportFormat::Html, answer.html)
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderMap, HeaderValue, ACCEPT};

    use super::wants_json;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn json_only_when_it_is_preferred_to_html() {
        assert!(wants_json(&accept("application/json")));
        assert!(wants_json(&accept("application/json, text/html;q=0.5")));
        assert!(!wants_json(&HeaderMap::new()));
        assert!(!wants_json(&accept("*/*")));
        assert!(!wants_json(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(!wants_json(&accept("text/html, application/json")));
        assert!(!wants_json(&accept("application/json;q=0")));
    }
}
