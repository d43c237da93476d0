//! When a failed notification is tried again, and when it is given up: exponential backoff per
//! notification, capped, until a number of attempts or an age is reached. Pure.

use std::time::Duration;

use pf_infra::backoff::Backoff;

/// How the outbox retries one notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure, doubled after each further one, capped.
    pub backoff: Backoff,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// A notification older than this is not tried again.
    pub max_age: Duration,
}

/// What follows a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    RetryAfter(Duration),
    /// Why it is not tried again.
    GiveUp(String),
}

impl RetryPolicy {
    /// After attempt number `attempts` (from 1) of a notification enqueued `age` ago failed.
    pub fn after_failure(&self, attempts: u32, age: Duration) -> Next {
        if attempts >= self.max_attempts {
            return Next::GiveUp(format!("failed {attempts} attempts"));
        }
        let delay = self.backoff.delay(attempts.saturating_sub(1));
        if age.saturating_add(delay) > self.max_age {
            return Next::GiveUp(format!(
                "older than {} s, the most a notification is tried for",
                self.max_age.as_secs()
            ));
        }
        Next::RetryAfter(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            backoff: Backoff {
                base: Duration::from_secs(1),
                max_delay: Duration::from_secs(60),
                max_retries: u32::MAX,
            },
            max_attempts: 5,
            max_age: Duration::from_secs(3600),
        }
    }

    fn delay(next: Next) -> Duration {
        match next {
            Next::RetryAfter(delay) => delay,
            Next::GiveUp(why) => panic!("given up: {why}"),
        }
    }

    #[test]
    fn delays_double_per_attempt_within_their_jitter() {
        let p = policy();
        let first = delay(p.after_failure(1, Duration::ZERO));
        let third = delay(p.after_failure(3, Duration::ZERO));
        assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
        assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
    }

    #[test]
    fn the_delay_is_capped() {
        let p = RetryPolicy {
            max_attempts: 100,
            ..policy()
        };
        assert!(delay(p.after_failure(40, Duration::ZERO)) <= Duration::from_secs(60));
    }

    #[test]
    fn a_notification_is_given_up_at_the_last_attempt() {
        let p = policy();
        assert!(matches!(
            p.after_failure(4, Duration::ZERO),
            Next::RetryAfter(_)
        ));
        assert_eq!(
            p.after_failure(5, Duration::ZERO),
            Next::GiveUp("failed 5 attempts".into())
        );
    }

    #[test]
    fn a_notification_is_given_up_when_its_next_try_would_be_too_late() {
        let p = policy();
        assert!(matches!(
            p.after_failure(1, Duration::from_millis(3_599_600)),
            Next::GiveUp(_)
        ));
        assert!(matches!(
            p.after_failure(1, Duration::from_secs(3000)),
            Next::RetryAfter(_)
        ));
    }
}
