//! When a failed delivery is tried again: the schedule, and the judgement of one attempt.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerdesk_types::AttemptOutcome;
use rand::Rng;

use super::AttemptReport;
use crate::error::{Error, Result};

/// Delays between a failed attempt and the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(pub Vec<Duration>);

impl Default for RetrySchedule {
    /// 1, 2, 4, 8 and 16 minutes: six attempts in all, over about half an hour.
    fn default() -> Self {
        RetrySchedule([1, 2, 4, 8, 16].into_iter().map(|minutes| Duration::from_secs(minutes * 60)).collect())
    }
}

impl RetrySchedule {
    /// Parses `1s,2s,500ms,3m,1h`.
    pub fn parse(text: &str) -> Result<RetrySchedule> {
        let invalid = || {
            Error::invalid(
                "retry_schedule",
                "must be delays like 1s,2s,500ms,3m,1h (1 to 50 of them, each at most a day)",
                "1s,2s,500ms,3m,1h gibi gecikmeler olmalıdır (1 ile 50 arası, her biri en fazla bir gün)",
            )
        };
        let delays = text
            .split(',')
            .map(|part| {
                let part = part.trim();
                let (number, unit) = part.split_at(part.find(|c: char| !c.is_ascii_digit()).unwrap_or(part.len()));
                let number: u64 = number.parse().map_err(|_| invalid())?;
                let delay = match unit {
                    "ms" => Duration::from_millis(number),
                    "s" => Duration::from_secs(number),
                    "m" => Duration::from_secs(number.saturating_mul(60)),
                    "h" => Duration::from_secs(number.saturating_mul(3_600)),
                    _ => return Err(invalid()),
                };
                if delay > Duration::from_secs(86_400) { Err(invalid()) } else { Ok(delay) }
            })
            .collect::<Result<Vec<_>>>()?;
        if delays.is_empty() || delays.len() > 50 {
            return Err(invalid());
        }
        Ok(RetrySchedule(delays))
    }
}

/// What becomes of a message after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    Delivered,
    /// Try again at `at`, as retry number `step`.
    Retry {
        at: DateTime<Utc>,
        step: u32,
    },
    /// Give up, for `why`.
    Failed {
        why: String,
    },
    /// 410: give up and disable the endpoint.
    Disabled,
}

impl Next {
    pub fn outcome(&self) -> AttemptOutcome {
        match self {
            Next::Delivered => AttemptOutcome::Delivered,
            Next::Retry { .. } => AttemptOutcome::Retry,
            Next::Failed { .. } => AttemptOutcome::Failed,
            Next::Disabled => AttemptOutcome::Disabled,
        }
    }
}

/// Judges an attempt: delivered, retried per `schedule` (with ±20 % jitter, never before `Retry-After`,
/// never later than a day), or given up.
pub(crate) fn judge_attempt(report: &AttemptReport, schedule: &RetrySchedule, now: DateTime<Utc>) -> Next {
    let retryable = match report.http_status {
        Some(200..=299) => return Next::Delivered,
        Some(410) => return Next::Disabled,
        Some(status) => status == 429 || status >= 500,
        None => true,
    };
    if !retryable {
        let status = report.http_status.map_or_else(String::new, |s| s.to_string());
        return Next::Failed { why: format!("the endpoint answered {status}; not retried") };
    }
    let Some(delay) = schedule.0.get(report.schedule_step as usize) else {
        return Next::Failed { why: format!("gave up after {} attempts", report.attempt) };
    };
    let jittered = delay.mul_f64(rand::rng().random_range(0.8..1.2));
    let wait = report.retry_after.map_or(jittered, |asked| asked.max(jittered)).min(Duration::from_secs(86_400));
    let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::days(1));
    Next::Retry { at, step: report.schedule_step + 1 }
}

/// The error text recorded for an attempt: its error, or its HTTP status.
pub(crate) fn attempt_error(report: &AttemptReport, next: &Next) -> Option<String> {
    match next {
        Next::Failed { why } => Some(report.error.clone().map_or_else(|| why.clone(), |e| format!("{e}; {why}"))),
        Next::Disabled => Some("410 Gone: the endpoint is disabled".to_owned()),
        _ => report.error.clone(),
    }
}

/// What a message row becomes after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageUpdate {
    pub status: ledgerdesk_types::MessageStatus,
    /// The next attempt, when one is due (unchanged otherwise).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub schedule_step: u32,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Next {
    /// The message row after an attempt that led here, at `now`.
    pub fn update(&self, report: &AttemptReport, now: DateTime<Utc>) -> MessageUpdate {
        use ledgerdesk_types::MessageStatus;
        match self {
            Next::Delivered => MessageUpdate {
                status: MessageStatus::Delivered,
                next_attempt_at: None,
                schedule_step: report.schedule_step,
                delivered_at: Some(now),
            },
            Next::Retry { at, step } => MessageUpdate {
                status: MessageStatus::Pending,
                next_attempt_at: Some(*at),
                schedule_step: *step,
                delivered_at: None,
            },
            Next::Failed { .. } | Next::Disabled => MessageUpdate {
                status: MessageStatus::Failed,
                next_attempt_at: None,
                schedule_step: report.schedule_step,
                delivered_at: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(status: Option<u16>, step: u32) -> AttemptReport {
        AttemptReport {
            message: 1,
            lease_token: "t".into(),
            attempt: step + 1,
            schedule_step: step,
            started_at: Utc::now(),
            latency: Duration::from_millis(5),
            http_status: status,
            error: None,
            response_head: None,
            retry_after: None,
        }
    }

    #[test]
    fn statuses_decide_what_comes_next() {
        let schedule = RetrySchedule::default();
        let now = Utc::now();
        assert_eq!(judge_attempt(&report(Some(204), 0), &schedule, now), Next::Delivered);
        assert_eq!(judge_attempt(&report(Some(410), 0), &schedule, now), Next::Disabled);
        assert!(matches!(judge_attempt(&report(Some(400), 0), &schedule, now), Next::Failed { .. }));
        assert!(
            matches!(judge_attempt(&report(Some(302), 0), &schedule, now), Next::Failed { .. }),
            "redirects are not followed"
        );
        for retried in [Some(429), Some(500), Some(503), None] {
            let Next::Retry { at, step } = judge_attempt(&report(retried, 0), &schedule, now) else {
                panic!("{retried:?}")
            };
            assert_eq!(step, 1);
            let wait = (at - now).num_seconds();
            assert!((48..=72).contains(&wait), "a minute, jittered: {wait}");
        }
        assert!(
            matches!(judge_attempt(&report(Some(500), 5), &schedule, now), Next::Failed { .. }),
            "after the last retry"
        );
    }

    #[test]
    fn retry_after_is_honoured_and_bounded() {
        let schedule = RetrySchedule::parse("1s").unwrap();
        let now = Utc::now();
        let mut asked = report(Some(429), 0);
        asked.retry_after = Some(Duration::from_secs(120));
        let Next::Retry { at, .. } = judge_attempt(&asked, &schedule, now) else { panic!() };
        assert_eq!((at - now).num_seconds(), 120);
        asked.retry_after = Some(Duration::from_secs(10 * 86_400));
        let Next::Retry { at, .. } = judge_attempt(&asked, &schedule, now) else { panic!() };
        assert_eq!((at - now).num_days(), 1);
    }

    #[test]
    fn schedules_parse_strictly() {
        assert_eq!(
            RetrySchedule::parse("1s, 500ms,2m").unwrap().0,
            [Duration::from_secs(1), Duration::from_millis(500), Duration::from_secs(120)]
        );
        for bad in ["", "1", "1x", "-1s", "2d", "99999h"] {
            assert!(RetrySchedule::parse(bad).is_err(), "{bad}");
        }
    }
}
