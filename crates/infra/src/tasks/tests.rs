use std::sync::Mutex;

use super::*;

struct Named(&'static str);

impl TaskStatus for Named {
    fn name(&self) -> &'static str {
        self.0
    }

    fn state(&self) -> Result<Option<serde_json::Value>, String> {
        Ok(None)
    }
}

#[tokio::test]
async fn tasks_stop_newest_first_each_seeing_its_deadline() {
    let stopped = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Tasks::default();
    for name in ["database", "writer"] {
        let stopped = stopped.clone();
        tasks.spawn(
            Arc::new(Named(name)),
            Duration::from_secs(5),
            move |mut shutdown| async move {
                let deadline = shutdown.requested().await;
                assert!(deadline > Instant::now() + Duration::from_secs(4));
                stopped.lock().unwrap().push(name);
            },
        );
    }
    tasks.stop().await;
    assert_eq!(*stopped.lock().unwrap(), ["writer", "database"]);
}

#[tokio::test]
async fn a_task_that_overruns_its_bound_is_aborted_and_the_next_still_stops() {
    let stopped = Arc::new(AtomicBool::new(false));
    let mut tasks = Tasks::default();
    let flag = stopped.clone();
    tasks.spawn(
        Arc::new(Named("first")),
        Duration::ZERO,
        |mut s| async move {
            s.requested().await;
            flag.store(true, Ordering::SeqCst);
        },
    );
    tasks.spawn(Arc::new(Named("stuck")), Duration::ZERO, |_| {
        std::future::pending::<()>()
    });
    let checks = tasks.health_checks();
    tasks.stop().await;
    assert!(stopped.load(Ordering::SeqCst));
    // Both ended: the stuck one by being aborted.
    for check in checks {
        assert!(check.check().await.is_err(), "{}", check.name());
    }
}

#[tokio::test]
async fn a_task_that_ended_on_its_own_shows_down_but_not_required() {
    let mut tasks = Tasks::default();
    tasks.spawn(Arc::new(Named("short")), Duration::ZERO, |_| async {});
    let check = tasks.health_checks().remove(0);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(check.name(), "short");
    assert!(!check.required());
    assert!(check.check().await.is_err());
}

#[tokio::test]
async fn a_task_that_panics_is_shown_down_then_restarted_and_still_stops() {
    let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let mut tasks = Tasks::with_first_backoff(Duration::from_millis(300));
    let counted = runs.clone();
    tasks.spawn_restarting(
        Arc::new(Named("watch")),
        Duration::from_secs(1),
        move |mut shutdown| {
            let run = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                assert!(run > 0, "boom on the first run");
                shutdown.requested().await;
            }
        },
    );
    let check = tasks.health_checks().remove(0);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let down = check.check().await.unwrap_err();
    assert!(down.contains("panicked: boom on the first run"), "{down}");
    assert!(down.contains("restart 1 follows"), "{down}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        check.check().await,
        Ok(Some(serde_json::json!({ "restarts": 1 })))
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    tasks.stop().await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "a stopped task is not restarted"
    );
    assert!(check.check().await.is_err());
}

#[tokio::test]
async fn a_task_that_returns_early_is_restarted_each_time_with_a_longer_wait() {
    let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let mut tasks = Tasks::with_first_backoff(Duration::from_millis(20));
    let counted = runs.clone();
    tasks.spawn_restarting(Arc::new(Named("short")), Duration::ZERO, move |_| {
        counted.fetch_add(1, Ordering::SeqCst);
        async {}
    });
    // Waits of 20, 40, 80, 160 ms: five runs within about 300 ms, not dozens.
    tokio::time::sleep(Duration::from_millis(420)).await;
    let n = runs.load(Ordering::SeqCst);
    assert!((4..=6).contains(&n), "{n} runs");
    tasks.stop().await;
}

#[tokio::test]
async fn restarting_tasks_begin_once_the_gate_opens_and_stop_while_they_wait() {
    let (open, gate) = tokio::sync::watch::channel(false);
    let mut tasks = Tasks::default();
    tasks.first_waiting_for(Arc::new(move || {
        let mut gate = gate.clone();
        Box::pin(async move {
            let _ = gate.wait_for(|open| *open).await;
        })
    }));
    let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
    for name in ["watch", "delivery"] {
        let counted = runs.clone();
        tasks.spawn_restarting(Arc::new(Named(name)), Duration::ZERO, move |mut s| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                s.requested().await;
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 0, "no run before the schema");
    open.send_replace(true);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    tasks.stop().await;

    // Shutdown before the gate opens: the task never runs and stops at once.
    let mut tasks = Tasks::default();
    tasks.first_waiting_for(Arc::new(|| Box::pin(std::future::pending())));
    let never = Arc::new(AtomicBool::new(false));
    let ran = never.clone();
    tasks.spawn_restarting(Arc::new(Named("watch")), Duration::ZERO, move |_| {
        ran.store(true, Ordering::SeqCst);
        async {}
    });
    tokio::time::timeout(Duration::from_secs(1), tasks.stop())
        .await
        .unwrap();
    assert!(!never.load(Ordering::SeqCst));
}
