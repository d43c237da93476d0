//! `GET /regressions` refuses what it cannot answer, precisely (docs/api.md), and lists nothing in
//! an empty store.

use serde_json::json;

use crate::helpers::{
    assert_error, json_with_status, spawn_stoppable, test_settings, TestDatabase,
};

#[tokio::test]
async fn bad_regression_queries_are_refused() {
    let db = TestDatabase::create().await;
    let mut s = test_settings(&db);
    s.watch.enabled = false;
    let app = spawn_stoppable(s).await.app;
    for (path, status, code) in [
        ("/regressions?state=bogus", 400, "invalid_state"),
        ("/regressions?limit=0", 400, "invalid_limit"),
        ("/regressions?limit=1001", 400, "invalid_limit"),
        ("/regressions?from=200&to=100", 400, "invalid_time_window"),
        ("/regressions?appName=%00", 400, "invalid_app_name"),
        ("/regressions/abc", 400, "invalid_id"),
        ("/regressions/1?format=png", 400, "invalid_format"),
        ("/regressions/999", 404, "not_found"),
        ("/regressions/999?format=html", 404, "not_found"),
    ] {
        assert_error(app.get(path).await, status, code).await;
    }
    for path in ["/regressions", "/regressions?state=settled"] {
        let list = json_with_status(app.get(path).await, 200).await;
        assert_eq!(list, json!({"count": 0, "regressions": []}), "{path}");
    }
}
