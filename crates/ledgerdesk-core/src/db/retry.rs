//! Bounded retries of a whole transaction, with exponential backoff and full jitter.
//!
//! Both backends retry the same way: SQLite on `SQLITE_BUSY`/`SQLITE_LOCKED`, Postgres on 40001, 40P01 and
//! 55P03. A retry reruns the whole transaction from `BEGIN`, never a single statement.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::error::{Error, Result};

/// How often and how patiently to retry a transaction that met a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Backoff before the first retry; doubles each time (before jitter).
    pub base_delay: Duration,
    /// Upper bound of any one backoff.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 5, base_delay: Duration::from_millis(20), max_delay: Duration::from_secs(1) }
    }
}

impl RetryPolicy {
    /// Full jitter: a uniform draw from zero to the capped exponential delay for retry `retry` (0-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.base_delay.saturating_mul(1u32 << retry.min(16)).min(self.max_delay);
        let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }

    /// Runs `attempt` until it succeeds, fails for good, or has met a transient error `1 + max_retries`
    /// times; then returns `exhausted(attempts)`.
    pub async fn run<T, F, Fut>(&self, exhausted: fn(u32) -> Error, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut retry = 0;
        loop {
            match attempt().await {
                Err(e) if e.is_transient() => {
                    if retry == self.max_retries {
                        return Err(exhausted(retry + 1));
                    }
                    tokio::time::sleep(self.backoff(retry)).await;
                    retry += 1;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn transient() -> Error {
        Error::Transient { backend: "sqlite", detail: "database is locked".into() }
    }

    #[tokio::test]
    async fn gives_up_after_max_retries_with_the_typed_error() {
        let policy =
            RetryPolicy { max_retries: 5, base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(2) };
        let calls = AtomicU32::new(0);
        let result: Result<()> = policy
            .run(
                |attempts| Error::NumberingContention { attempts },
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(transient())
                },
            )
            .await;
        assert!(matches!(result, Err(Error::NumberingContention { attempts: 6 })), "{result:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 6);
    }

    #[tokio::test]
    async fn does_not_retry_permanent_errors_and_stops_at_success() {
        let policy = RetryPolicy::default();
        let calls = AtomicU32::new(0);
        let result: Result<()> = policy
            .run(
                |attempts| Error::DatabaseBusy { attempts },
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(Error::TenantNotFound("X".into()))
                },
            )
            .await;
        assert!(matches!(result, Err(Error::TenantNotFound(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let result = policy
            .run(
                |attempts| Error::DatabaseBusy { attempts },
                || async { if calls.fetch_add(1, Ordering::SeqCst) < 2 { Err(transient()) } else { Ok(7) } },
            )
            .await;
        assert_eq!(result.unwrap(), 7);
    }

    #[test]
    fn backoff_stays_under_its_cap() {
        let policy =
            RetryPolicy { max_retries: 5, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50) };
        for retry in 0..40 {
            assert!(policy.backoff(retry) <= Duration::from_millis(50));
        }
    }
}
