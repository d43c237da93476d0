//! Regressions measured as cost (docs/regressions.md) where the store and the words are: the
//! numbers an event shows, the words its alert and webhook say, and the values migration 0014 gives
//! the events stored before it.

use pf_infra::db::MIGRATOR;
use serde_json::Value;
use sqlx::{Connection, PgConnection};

use crate::helpers::TestDatabase;

/// An event's cost ratio and the process's extra cost, as `/regressions` shows them.
pub struct Cost {
    pub ratio: f64,
    pub process: f64,
}

impl Cost {
    /// The cost of `event`, checked: r above 1 + `min_relative` (0.2), and the process's extra
    /// cost 100·b·(r − 1), here from the rounded numbers shown.
    pub fn of(event: &Value) -> Cost {
        let number = |key: &str| {
            event[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{key} of {event}"))
        };
        let (ratio, process) = (number("costRatio"), number("processCostPercent"));
        assert!(ratio > 1.2, "{event}");
        let before = number("beforePercent");
        assert!((process - before * (ratio - 1.0)).abs() < 0.05, "{event}");
        Cost { ratio, process }
    }

    /// What the alert's summary and the webhook say of it: "+N % in this function, about +x %
    /// for the process".
    pub fn words(&self) -> String {
        format!(
            "{:+.0} % in this function, about {:+.1} % for the process",
            100.0 * (self.ratio - 1.0),
            self.process
        )
    }
}

#[tokio::test]
async fn events_stored_before_migration_0014_get_the_cost_of_their_shares_and_lose_it_going_back() {
    let db = TestDatabase::create().await;
    let mut conn = PgConnection::connect(db.url.as_str()).await.unwrap();
    MIGRATOR.run(&mut conn).await.unwrap();
    MIGRATOR.undo(&mut conn, 13).await.unwrap();
    // (before %, after %): docs/regressions.md's 55.7 % doing 1.3× the work (a = 0.7241 / 1.1671);
    // a new function; no change; a function that became the whole profile.
    let rows = [
        ("big", 55.7, 100.0 * 0.7241 / 1.1671),
        ("new", 0.0, 5.0),
        ("same", 2.0, 2.0),
        ("all", 50.0, 100.0),
    ];
    for (k, (function, before, after)) in rows.iter().enumerate() {
        sqlx::query(
            "insert into regression_event (app_name, profile_type, function_name, state, \
                 suspected_at, first_recent, changed_at, before_percent, after_percent, \
                 delta_percent, delta_low, delta_high, p_value) \
             values ('ledger', 'cpu', $1, 'confirmed', $2, $2, $2, $3, $4, $4 - $3, 0, 0, 0)",
        )
        .bind(function)
        .bind(300 * k as i64)
        .bind(before)
        .bind(after)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    MIGRATOR.run(&mut conn).await.unwrap();
    let got: Vec<(String, Option<f64>, Option<f64>)> = sqlx::query_as(
        "select function_name, cost_ratio, process_cost_percent from regression_event \
         order by id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let close = |x: Option<f64>, want: f64| x.is_some_and(|x| (x - want).abs() < 1e-9);
    // r = 1.3 and 100·0.557·0.3 = 16.71; a new function: unbounded r (null) and
    // 100·0.05/0.95 = 5.263158 %; no change: 1 and 0; all of the profile: both null.
    assert!(close(got[0].1, 1.3) && close(got[0].2, 16.71), "{got:?}");
    assert!(
        got[1].1.is_none() && close(got[1].2, 500.0 / 95.0),
        "{got:?}"
    );
    assert!(close(got[2].1, 1.0) && close(got[2].2, 0.0), "{got:?}");
    assert_eq!((got[3].1, got[3].2), (None, None), "{got:?}");

    MIGRATOR.undo(&mut conn, 13).await.unwrap();
    let columns: Vec<String> = sqlx::query_scalar(
        "select column_name::text from information_schema.columns \
         where table_name = 'regression_event' and column_name like '%cost%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(columns.is_empty(), "{columns:?}");
    let events: i64 = sqlx::query_scalar("select count(*) from regression_event")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(events, 4, "going back keeps the events");
    let _ = conn.close().await;
}
