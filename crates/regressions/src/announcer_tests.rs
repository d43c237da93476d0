//! The announcer's look on the generated mocks: a standby reads and posts nothing; the leader
//! posts what fires and what resolved, records the resolutions it sent, and posts an unchanged
//! firing set again only when the re-send is due.

use std::sync::Arc;
use std::time::Duration;

use super::{Announcer, Sent};
use crate::notice::RegressionNotices;
use crate::store::{MockRegressionSor, Regression};
use crate::test_events::confirmed;
use pf_delivery::AlertmanagerQueue;
use pf_detection::model::EventState;
use pf_infra::leader::MockLeadership;
use pf_infra::sor::SorError;
use pf_model::{SliceSecs, Slices};

fn leading(leader: bool) -> MockLeadership {
    let mut leadership = MockLeadership::new();
    leadership.expect_lead().returning(move || Ok(leader));
    leadership
}

fn resolved(id: i64) -> Regression {
    Regression {
        state: EventState::Resolved,
        resolved_at: Some(600),
        ..confirmed(id, "y", true)
    }
}

fn announcer(leadership: MockLeadership, regressions: MockRegressionSor) -> Announcer {
    Announcer {
        regressions: Arc::new(regressions),
        leadership: Arc::new(leadership),
        queue: Arc::new(AlertmanagerQueue::default()),
        registry: None,
        notices: Arc::new(RegressionNotices {
            public_url: "http://functions.example/".parse().unwrap(),
            slices: Slices {
                slice_secs: SliceSecs::FIVE_MINUTES,
                lag_secs: 0,
            },
            warn_points: 2.0,
        }),
        resend: Duration::from_secs(300),
        status: Arc::default(),
    }
}

fn nothing_sent() -> Sent {
    Sent {
        firing: Vec::new(),
        at: None,
    }
}

#[tokio::test]
async fn a_standby_reads_and_posts_nothing() {
    let mut regressions = MockRegressionSor::new();
    regressions.expect_announcements().times(0);
    let announcer = announcer(leading(false), regressions);
    announcer.once(&mut nothing_sent()).await.unwrap();
    assert!(announcer.queue.take().0.is_empty());
    assert!(!announcer.status.read(|s| s.leader));
}

#[tokio::test]
async fn the_leader_posts_what_fires_and_what_resolved_and_records_the_resolutions_sent() {
    let mut regressions = MockRegressionSor::new();
    regressions
        .expect_announcements()
        .times(1)
        .returning(|| Ok((vec![confirmed(1, "x", true)], vec![resolved(2)])));
    regressions
        .expect_resolutions_sent()
        .withf(|ids| ids == [2])
        .times(1)
        .returning(|_| Ok(()));
    let announcer = announcer(leading(true), regressions);
    let mut sent = nothing_sent();
    announcer.once(&mut sent).await.unwrap();
    let (body, resolutions) = announcer.queue.take();
    assert_eq!(body.len(), 2, "{body:#?}");
    assert_eq!(resolutions.len(), 1);
    assert_eq!(sent.firing, [1]);
    assert_eq!(announcer.status.read(|s| (s.leader, s.firing)), (true, 1));
}

#[tokio::test]
async fn an_unchanged_firing_set_is_posted_again_only_when_the_resend_is_due() {
    let mut regressions = MockRegressionSor::new();
    regressions
        .expect_announcements()
        .times(3)
        .returning(|| Ok((vec![confirmed(1, "x", true)], Vec::new())));
    let mut announcer = announcer(leading(true), regressions);
    let mut sent = nothing_sent();
    announcer.once(&mut sent).await.unwrap();
    assert_eq!(announcer.queue.take().0.len(), 1);
    announcer.once(&mut sent).await.unwrap();
    assert!(
        announcer.queue.take().0.is_empty(),
        "not due: nothing posted"
    );
    announcer.resend = Duration::ZERO;
    announcer.once(&mut sent).await.unwrap();
    assert_eq!(announcer.queue.take().0.len(), 1, "due: posted again");
}

#[tokio::test]
async fn a_resolution_whose_record_fails_fails_the_look() {
    let mut regressions = MockRegressionSor::new();
    regressions
        .expect_announcements()
        .returning(|| Ok((Vec::new(), vec![resolved(2)])));
    regressions
        .expect_resolutions_sent()
        .returning(|_| Err(SorError::Unavailable("the store is down".into())));
    let announcer = announcer(leading(true), regressions);
    let mut sent = nothing_sent();
    assert!(announcer.once(&mut sent).await.is_err());
    // Not recorded as sent: the next look posts the resolution again.
    assert_eq!(sent.at, None);
}
