//! The call trees behind `/profiles`: the flame graph of one profile as SVG, and each tree as a
//! Connect flame graph, which is how a BOR in another process gets what it draws.

use actix_web::{web, HttpResponse};

use super::routes::{DiffParams, DIFF_LIMIT};
use super::selection::{LabelsParam, Selection, TypeParam, WindowParams};
use crate::{endpoints, ProfileDataSor};
use pf_formats::formats::flamegraph::connect_json;
use pf_http::error::{ApiError, ErrorBody, UpstreamErrors};
use pf_http::extract::{AppNameParam, Bounds};
use pf_http::routing::{rendered, resource};
use pf_model::ReportFormat;
use pf_pictures::{flame_graph as draw, thousands, Captions};

/// Mounts the routes; expects `web::Data<dyn ProfileDataSor>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/profiles/{appName}/flamegraph.svg").route(web::get().to(flame_graph)))
        .service(resource("/profiles/{appName}/tree").route(web::get().to(tree)))
        .service(resource("/profiles/{appName}/diff/tree").route(web::get().to(diff_tree)));
}

/// The OpenAPI paths of these routes; merged into the document of a process that hosts them.
#[derive(utoipa::OpenApi)]
#[openapi(paths(flame_graph, tree, diff_tree))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// One profile as an interactive flame graph.
///
/// flamegraph.pl's picture, drawn on the server: the root at the bottom, each frame as wide as
/// its samples; hovering shows `name (N samples, x%)`, a click zooms into a frame and Search
/// highlights names. Frames narrower than 0.3 pixels are merged into one grey block per parent.
#[utoipa::path(get, path = endpoints::FLAMEGRAPH.path, tag = "profiles",
    params(AppNameParam, TypeParam, WindowParams, LabelsParam),
    responses(
        (status = 200, description = "The flame graph", content_type = "image/svg+xml", body = String),
        (status = 400, description = "Invalid app name, type or window", body = ErrorBody),
        UpstreamErrors,
    ))]
pub async fn flame_graph(
    sor: web::Data<dyn ProfileDataSor>,
    selection: Selection,
) -> Result<HttpResponse, ApiError> {
    let query = selection.query(1);
    let tree = sor.tree(query.clone()).await?;
    let title = format!("Flame graph: {} · {}", query.app, query.profile_type);
    let subtitle = format!("{} · {} samples", query.window, thousands(tree.total()));
    let svg = draw(
        &tree,
        &Captions {
            title: &title,
            subtitle: &subtitle,
            interactive: true,
        },
    );
    Ok(rendered(ReportFormat::Svg, svg))
}

/// One profile's call tree, as a Pyroscope Connect flame graph.
///
/// `{"flamegraph": {"names": […], "levels": [{"values": […]}], "total": N}}`: each level a flat
/// list of `[offset, total, self, nameIndex]` tuples, as Pyroscope's `SelectMergeStacktraces`
/// answers. BORs in another process read the trees they draw from here.
#[utoipa::path(get, path = endpoints::TREE.path, tag = "profiles",
    params(AppNameParam, TypeParam, WindowParams, LabelsParam),
    responses(
        (status = 200, description = "The call tree as a Connect flame graph", body = Object),
        (status = 400, description = "Invalid app name, type or window", body = ErrorBody),
        UpstreamErrors,
    ))]
pub async fn tree(
    sor: web::Data<dyn ProfileDataSor>,
    selection: Selection,
) -> Result<HttpResponse, ApiError> {
    let tree = sor.tree(selection.query(1)).await?;
    Ok(json(connect_json(&tree)))
}

/// One profile's call trees in a baseline and a current window, as Connect flame graphs.
///
/// `{"baseline": {"flamegraph": …}, "current": {"flamegraph": …}}`, of the profile type that
/// `/profiles/{appName}/diff` compares.
#[utoipa::path(get, path = endpoints::DIFF_TREE.path, tag = "profiles",
    params(AppNameParam, TypeParam, WindowParams, LabelsParam, DiffParams),
    responses(
        (status = 200, description = "Both windows' call trees", body = Object),
        (status = 400, description = "Invalid app name, type, window or limit", body = ErrorBody),
        UpstreamErrors,
    ))]
pub async fn diff_tree(
    sor: web::Data<dyn ProfileDataSor>,
    selection: Selection,
    query: web::Query<DiffParams>,
    Bounds(bounds): Bounds,
) -> Result<HttpResponse, ApiError> {
    let trees = sor
        .diff_trees(query.into_inner().query(selection, DIFF_LIMIT, bounds)?)
        .await?;
    Ok(json(format!(
        r#"{{"baseline":{},"current":{}}}"#,
        connect_json(&trees.baseline),
        connect_json(&trees.current)
    )))
}

fn json(body: String) -> HttpResponse {
    rendered(ReportFormat::Json, body)
}
