use std::time::Duration;

use tokio::time::Instant;

use super::*;

fn budget(max: usize) -> Budget {
    let pause = Backoff {
        base: Duration::from_millis(100),
        max_delay: Duration::from_secs(2),
        max_retries: u32::MAX,
    };
    Budget::new(max, pause, Duration::from_secs(60))
}

fn later(secs: u64) -> Instant {
    Instant::now() + Duration::from_secs(secs)
}

#[tokio::test(start_paused = true)]
async fn no_more_than_the_budget_is_in_flight_and_a_freed_place_goes_to_a_person_first() {
    let budget = budget(2);
    let a = budget
        .acquire(Priority::Background, later(10))
        .await
        .unwrap();
    let _b = budget
        .acquire(Priority::Background, later(10))
        .await
        .unwrap();
    assert_eq!(budget.counts().in_flight, 2);
    // A watcher's call waits first, then a person's: the person is served first.
    let watcher = tokio::spawn({
        let budget = budget.clone();
        async move {
            budget
                .acquire(Priority::Background, later(10))
                .await
                .map(|_| Instant::now())
        }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let person = tokio::spawn({
        let budget = budget.clone();
        async move {
            let permit = budget.acquire(Priority::Person, later(10)).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(permit);
            Instant::now()
        }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(budget.counts().waiting, 2);
    drop(a);
    let person_done = person.await.unwrap();
    let watcher_started = watcher.await.unwrap().unwrap();
    assert!(
        watcher_started >= person_done,
        "the watcher went before the person"
    );
    assert_eq!(budget.counts().peak_in_flight, 2);
}

#[tokio::test(start_paused = true)]
async fn a_caller_whose_deadline_comes_first_gives_up_and_leaves_no_place_taken() {
    let budget = budget(1);
    let held = budget.acquire(Priority::Person, later(10)).await.unwrap();
    let deadline = Instant::now() + Duration::from_millis(200);
    assert!(budget.acquire(Priority::Person, deadline).await.is_none());
    // A waiter dropped half-way (its request went away) takes no place with it.
    let gone = tokio::spawn({
        let budget = budget.clone();
        async move {
            budget
                .acquire(Priority::Background, later(10))
                .await
                .is_some()
        }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    gone.abort();
    drop(held);
    let again = budget.acquire(Priority::Person, later(1)).await;
    assert!(again.is_some());
    drop(again);
    assert_eq!(budget.counts().in_flight, 0);
}

#[tokio::test(start_paused = true)]
async fn a_refusal_pauses_every_caller_for_the_servers_word_or_a_widening_delay() {
    let budget = budget(4);
    let started = Instant::now();
    assert_eq!(
        budget.refused(Some(Duration::from_secs(1))),
        Duration::from_secs(1)
    );
    let permit = budget.acquire(Priority::Person, later(5)).await;
    assert!(permit.is_some() && started.elapsed() >= Duration::from_secs(1));
    drop(permit);
    budget.answered();
    // Without the server's word: 50–100 ms, then 100–200 ms, …; an answer starts over.
    let first = budget.refused(None);
    let second = budget.refused(None);
    assert!(first <= Duration::from_millis(100) && second >= Duration::from_millis(100));
    budget.answered();
    assert!(budget.refused(None) <= Duration::from_millis(100));
    // A pause that outlasts the deadline answers at once.
    budget.refused(Some(Duration::from_secs(30)));
    let waited = Instant::now();
    assert!(budget.acquire(Priority::Person, later(2)).await.is_none());
    assert!(waited.elapsed() < Duration::from_millis(10));
}

#[tokio::test]
async fn a_retry_after_of_thirty_thousand_years_pauses_for_the_cap_and_panics_nothing() {
    let budget = budget(4);
    let pause = budget.refused(Some(Duration::from_secs(999_999_999_999)));
    assert_eq!(pause, Duration::from_secs(60));
    assert_eq!(budget.capped(Duration::MAX), Duration::from_secs(60));
    assert_eq!(
        budget.capped(Duration::from_secs(3)),
        Duration::from_secs(3)
    );
    // A read whose deadline comes before the pause ends is told so at once.
    let deadline = Instant::now() + Duration::from_millis(50);
    assert!(budget.acquire(Priority::Person, deadline).await.is_none());
}
