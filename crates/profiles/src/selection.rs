//! Which profiles of an app a `/profiles` route reads, typed once at the edge: each query
//! parameter is documented in one place ([`TypeParam`], [`WindowParams`], [`LabelsParam`]) and
//! read by the extractor a handler takes ([`Window`], [`Labels`], [`Scope`], [`Selection`]).

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::ProfileQuery;
use pf_http::error::{query_refused, ApiError};
use pf_http::extract::{app_name, Bounds};
use pf_model::{AppName, LabelSelector, ProfileType, TimeWindow, WindowBounds};

/// `type`: the profile type, cpu by default.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query in OpenAPI; the routes read it as `Selection`"
)]
pub struct TypeParam {
    /// Profile type: cpu (default), alloc, lock or wall; aliases such as memory or mutex work.
    #[serde(rename = "type")]
    #[param(rename = "type", example = "cpu", inline, value_type = Option<pf_model::ProfileTypeName>)]
    pub profile_type: Option<String>,
}

/// `from` and `to`: the window, the last hour by default.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query in OpenAPI; the routes read it as `Selection`"
)]
pub struct WindowParams {
    /// Window start, epoch seconds (default: one hour before `to`).
    #[param(minimum = 0, example = 1_700_000_000)]
    pub from: Option<i64>,
    /// Window end, epoch seconds (default: now, floored to 10 s).
    #[param(minimum = 0, example = 1_700_003_600)]
    pub to: Option<i64>,
}

/// `labels`: matchers joined to the app's selector.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query in OpenAPI; the routes read it as `Selection`"
)]
pub struct LabelsParam {
    /// Extra label matchers, Prometheus style: `version="1.4.2",region=~"eu-.*"`.
    #[param(inline, value_type = Option<pf_model::SelectorText>, example = "version=\"1.4.2\"")]
    pub labels: Option<String>,
}

/// The window of [`WindowParams`].
#[derive(Debug, Clone, Copy)]
pub struct Window(pub TimeWindow);

/// The matchers of [`LabelsParam`].
#[derive(Debug, Clone)]
pub struct Labels(pub LabelSelector);

/// The app of the path, and the type and window of [`TypeParam`] and [`WindowParams`].
#[derive(Debug, Clone)]
pub struct Scope {
    pub app: AppName,
    pub profile_type: ProfileType,
    pub window: TimeWindow,
}

/// A [`Scope`] and the matchers of [`LabelsParam`].
#[derive(Debug, Clone)]
pub struct Selection {
    pub scope: Scope,
    pub labels: LabelSelector,
}

impl Selection {
    /// The profile these parameters name, its `limit` top functions.
    pub fn query(self, limit: u32) -> ProfileQuery {
        let Scope {
            app,
            profile_type,
            window,
        } = self.scope;
        ProfileQuery {
            app,
            profile_type,
            window,
            limit,
            labels: self.labels,
        }
    }
}

/// The four parameters as sent, read from the query string once; each extractor types the
/// ones it documents. Parameters it does not name are the handler's own.
#[derive(Deserialize)]
struct Sent {
    #[serde(rename = "type")]
    profile_type: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    labels: Option<String>,
}

impl Sent {
    fn read(req: &HttpRequest) -> Result<Self, ApiError> {
        web::Query::<Sent>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .map_err(query_refused)
    }

    fn window(&self, bounds: WindowBounds) -> Result<TimeWindow, ApiError> {
        Ok(bounds.resolve(self.from, self.to)?)
    }

    fn labels(&self) -> Result<LabelSelector, ApiError> {
        Ok(LabelSelector::parse(self.labels.as_deref(), "labels")?)
    }

    /// `app`'s type and window; the app is read from the path first, so that a bad name is
    /// the error a request with several gets.
    fn scope(&self, app: AppName, bounds: WindowBounds) -> Result<Scope, ApiError> {
        let profile_type = match &self.profile_type {
            Some(raw) => raw.parse()?,
            None => ProfileType::Cpu,
        };
        Ok(Scope {
            app,
            profile_type,
            window: self.window(bounds)?,
        })
    }
}

/// An extractor read at once from the request's path and query string.
macro_rules! read_at_once {
    ($($extractor:ty => $read:expr),* $(,)?) => {$(
        impl FromRequest for $extractor {
            type Error = ApiError;
            type Future = std::future::Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                std::future::ready($read(req))
            }
        }
    )*};
}

read_at_once! {
    Window => |req| Ok(Window(Sent::read(req)?.window(Bounds::of(req).0)?)),
    Labels => |req| Ok(Labels(Sent::read(req)?.labels()?)),
    Scope => |req| {
        let app = app_name(req)?;
        Sent::read(req)?.scope(app, Bounds::of(req).0)
    },
    Selection => |req| {
        let app = app_name(req)?;
        let sent = Sent::read(req)?;
        Ok(Selection {
            scope: sent.scope(app, Bounds::of(req).0)?,
            labels: sent.labels()?,
        })
    },
}
