//! Builders shared by the unit tests of several crates, over the floors' types only: each
//! capability's own builders sit in its `testing` module (feature `testing`).

pub mod trees;

use pf_model::FunctionStat;

/// Answers `request` with the routes `configure` mounts over `service`, behind the extractor
/// settings every process has.
pub async fn call_routes<T: 'static>(
    service: T,
    configure: fn(&mut actix_web::web::ServiceConfig),
    request: actix_web::test::TestRequest,
) -> actix_web::dev::ServiceResponse {
    use actix_web::{test, web, App};
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(service))
            .configure(|cfg| pf_http::routing::extractor_config(cfg, 1024))
            .configure(configure),
    )
    .await;
    test::call_service(&app, request.to_request()).await
}

/// A function with `self_samples` out of `total` samples.
pub fn stat(name: &str, self_samples: u64, total: u64) -> FunctionStat {
    FunctionStat {
        part_self_samples: Vec::new(),
        name: name.to_owned(),
        self_percent: self_samples as f64 / total as f64 * 100.0,
        self_samples,
        total_samples: self_samples,
    }
}

/// A function with `self_samples` of a 1 000-sample profile (selfPercent = samples / 10).
pub fn per_mille(name: &str, self_samples: u64) -> FunctionStat {
    FunctionStat {
        part_self_samples: Vec::new(),
        name: name.to_owned(),
        self_percent: self_samples as f64 / 10.0,
        self_samples,
        total_samples: self_samples,
    }
}

/// A function with a given selfPercent (of 10 000 samples).
pub fn pct(name: &str, percent: f64) -> FunctionStat {
    FunctionStat {
        part_self_samples: Vec::new(),
        name: name.to_owned(),
        self_percent: percent,
        self_samples: (percent * 100.0).round() as u64,
        total_samples: (percent * 100.0).round() as u64,
    }
}
