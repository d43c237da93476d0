//! The Pyroscope query API's routes (docs/grafana.md): Connect unary calls at
//! `/querier.v1.QuerierService/{method}`, `POST`, `application/proto` or `application/json`,
//! answered in the request's encoding; Connect's error JSON for every failure. Thin: read the
//! body, hand the message to the [`Querier`], write the answer.

use actix_web::{web, HttpResponse};
use utoipa::ToSchema;

use super::wire::{unary, ConnectBody};
use super::Querier;
use pf_formats::formats::pyroscope_api::paths;
use pf_http::error::ApiError;
use pf_http::routing::resource;
use pf_ingest::ConnectErrorBody;

/// Mounts the routes; expects `web::Data<Querier>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(paths::PROFILE_TYPES).route(web::post().to(profile_types)))
        .service(resource(paths::LABEL_NAMES).route(web::post().to(label_names)))
        .service(resource(paths::LABEL_VALUES).route(web::post().to(label_values)))
        .service(resource(paths::SERIES).route(web::post().to(series)))
        .service(resource(paths::SELECT_SERIES).route(web::post().to(select_series)))
        .service(
            resource(paths::SELECT_MERGE_STACKTRACES)
                .route(web::post().to(select_merge_stacktraces)),
        )
        .service(resource(paths::SELECT_MERGE_PROFILE).route(web::post().to(select_merge_profile)))
        .service(resource(paths::GET_PROFILE_STATS).route(web::post().to(get_profile_stats)));
}

/// The OpenAPI paths of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    profile_types,
    label_names,
    label_values,
    series,
    select_series,
    select_merge_stacktraces,
    select_merge_profile,
    get_profile_stats
))]
pub struct RoutesDoc;

/// These routes as the module table mounts them.
pub const ROUTES: pf_http::Routes = pf_http::Routes::of::<RoutesDoc>(configure);

/// A protobuf message, as sent (`application/proto`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ProtoMessage(#[allow(dead_code)] Vec<u8>);

/// A message of Pyroscope's `querier.proto` or `types.proto` in Connect's JSON (camelCase
/// fields, 64-bit integers as strings, enums by name).
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct ConnectJson(#[allow(dead_code)] serde_json::Value);

/// Declares one Connect method: its handler, its documentation and what the querier does.
macro_rules! connect_method {
    ($(#[$doc:meta])* $handler:ident, $path:literal, $request:literal, $answer:literal, $call:ident) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "querier",
            request_body(description = $request,
                content((inline(ProtoMessage) = "application/proto"), (inline(ConnectJson) = "application/json"))),
            responses(
                (status = 200, description = $answer,
                    content((inline(ProtoMessage) = "application/proto"), (inline(ConnectJson) = "application/json"))),
                (status = 400, description = "A bad request (`invalid_argument`): window, type ID, selector, step, limit", body = ConnectErrorBody),
                (status = 401, description = "No known token (`unauthenticated`)", body = ConnectErrorBody),
                (status = 409, description = "The service reads Pyroscope: point Grafana there (`failed_precondition`)", body = ConnectErrorBody),
                (status = 413, description = "A request over 1 MiB (`resource_exhausted`)", body = ConnectErrorBody),
                (status = 415, description = "Neither protobuf nor JSON (`unimplemented`)", body = ConnectErrorBody),
            ))]
        pub async fn $handler(
            querier: web::Data<Querier>,
            body: Result<ConnectBody, ApiError>,
        ) -> HttpResponse {
            unary(body, |request| async move { querier.$call(request).await }).await
        }
    };
}

connect_method!(
    /// The profile type IDs kept in a window (Grafana's health check and type picker).
    profile_types, "/querier.v1.QuerierService/ProfileTypes",
    "querier.v1.ProfileTypesRequest", "querier.v1.ProfileTypesResponse", profile_types
);
connect_method!(
    /// The label names of the series the matchers select.
    label_names, "/querier.v1.QuerierService/LabelNames",
    "types.v1.LabelNamesRequest", "types.v1.LabelNamesResponse", label_names
);
connect_method!(
    /// The values of one label on the series the matchers select.
    label_values, "/querier.v1.QuerierService/LabelValues",
    "types.v1.LabelValuesRequest", "types.v1.LabelValuesResponse", label_values
);
connect_method!(
    /// The label sets of the series the matchers select.
    series, "/querier.v1.QuerierService/Series",
    "querier.v1.SeriesRequest", "querier.v1.SeriesResponse", series
);
connect_method!(
    /// A profile type's values over time, per step and group.
    select_series, "/querier.v1.QuerierService/SelectSeries",
    "querier.v1.SelectSeriesRequest", "querier.v1.SelectSeriesResponse", select_series
);
connect_method!(
    /// The merged profile of a window as a flame graph (cut to `max_nodes`) or a pprof.
    select_merge_stacktraces, "/querier.v1.QuerierService/SelectMergeStacktraces",
    "querier.v1.SelectMergeStacktracesRequest", "querier.v1.SelectMergeStacktracesResponse",
    merge_stacktraces
);
connect_method!(
    /// The merged profile of a window as a pprof (`google.v1.Profile`).
    select_merge_profile, "/querier.v1.QuerierService/SelectMergeProfile",
    "querier.v1.SelectMergeProfileRequest", "google.v1.Profile", merge_profile
);
connect_method!(
    /// Whether profiles are kept, and the oldest's and newest's starts.
    get_profile_stats, "/querier.v1.QuerierService/GetProfileStats",
    "types.v1.GetProfileStatsRequest", "types.v1.GetProfileStatsResponse", profile_stats
);
