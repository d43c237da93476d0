//! A contract's operations are declared once (`pf_infra::sor::endpoint`, each crate's
//! `endpoints.rs`): its routes' documentation and its remote client read the same constant. What
//! is left to hold to them is the routes' `configure` (actix resource strings): every operation a
//! remote client calls is called here on its contract's routes alone.

use actix_web::{http::Method, test, App};

use pf_http::Routes;
use pf_infra::sor::endpoint::{Operation, Verb};

/// The six contracts another process may host (`src/app/contracts.rs`): each one's operations
/// (what its remote client calls) and the routes that serve them.
fn contracts() -> [(&'static str, &'static [Operation], Vec<Routes>); 6] {
    [
        (
            "Profile Data",
            pf_profiles::OPERATIONS,
            vec![
                pf_profiles::ROUTES,
                pf_profiles::TREE_ROUTES,
                pf_profiles::LABEL_ROUTES,
                pf_profiles::SITE_ROUTES,
                pf_profiles::PGO_ROUTES,
            ],
        ),
        (
            "Baseline",
            pf_baselines::OPERATIONS,
            vec![pf_baselines::ROUTES],
        ),
        ("History", pf_history::OPERATIONS, vec![pf_history::ROUTES]),
        (
            "Registry",
            pf_registry::OPERATIONS,
            vec![pf_registry::ROUTES],
        ),
        (
            "Profile watcher",
            pf_watch::OPERATIONS,
            vec![pf_watch::ROUTES, pf_watch::FLEET_ROUTES],
        ),
        (
            "Alert Rule",
            pf_alerts::RULE_OPERATIONS,
            vec![pf_alerts::RULE_ROUTES],
        ),
    ]
}

/// The drift the shared declarations leave possible: a route mounted at another path or method
/// than its documented operation, or an operation no route serves. Each operation is called with
/// every parameter `1` on the routes alone (no implementation: a route that serves it fails to
/// extract one, 500) and must be neither 404 nor 405; and each is in the routes' OpenAPI
/// document with its method.
#[actix_web::test]
async fn every_operation_a_remote_client_calls_is_documented_and_served_by_its_routes() {
    for (contract, operations, routes) in contracts() {
        assert!(!operations.is_empty(), "{contract}");
        let app = test::init_service(
            routes
                .iter()
                .fold(App::new(), |app, r| app.configure(r.configure)),
        )
        .await;
        for op in operations {
            let documented = routes.iter().any(|r| {
                (r.doc)()
                    .paths
                    .paths
                    .get(op.path)
                    .is_some_and(|item| match op.verb {
                        Verb::Get => item.get.is_some(),
                        Verb::Post => item.post.is_some(),
                        Verb::Put => item.put.is_some(),
                        Verb::Delete => item.delete.is_some(),
                    })
            });
            assert!(documented, "{contract} {op:?} is not documented");
            let path: String = op
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let method = Method::from_bytes(op.verb.as_str().as_bytes()).unwrap();
            let request = test::TestRequest::default()
                .method(method)
                .uri(&path)
                .to_request();
            let status = test::call_service(&app, request).await.status();
            assert!(
                ![404, 405].contains(&status.as_u16()),
                "{contract} {op:?}: {status} at {path}"
            );
        }
    }
}
