//! The delivery worker: claims due messages under a lease, POSTs each outside any transaction, and
//! reports what happened, which the core writes only if the lease is still this worker's.
//!
//! Each attempt is signed afresh with the current timestamp (Standard Webhooks headers, one signature
//! per active secret of the endpoint during a rotation), never follows a redirect, and gives up after
//! its connect and total timeouts, both well inside the lease.

use std::time::{Duration, Instant};

use chrono::Utc;
use ledgerdesk_core::webhooks::outbound::{AttemptReport, Claimed, RetrySchedule, WebhookOutbox};
use ledgerdesk_core::webhooks::signature::{Secret, signature_header};
use ledgerdesk_core::{Error, Result};
use ledgerdesk_types::AttemptOutcome;

/// How the worker delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOptions {
    /// Delays before each retry.
    pub schedule: RetrySchedule,
    /// How long a claim holds a message; well above `timeout`.
    pub lease: Duration,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole attempt.
    pub timeout: Duration,
    /// Messages claimed at once.
    pub batch: u32,
    /// Pause between polls when nothing is due (each poll is one read, [`WebhookOutbox::any_due`]).
    pub poll: Duration,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        DeliveryOptions {
            schedule: RetrySchedule::default(),
            lease: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            batch: 16,
            poll: Duration::from_millis(100),
        }
    }
}

impl DeliveryOptions {
    /// Refuses a lease that an attempt could outlast, and empty batches.
    pub fn validate(&self) -> Result<()> {
        if self.lease < self.timeout + self.connect_timeout + Duration::from_secs(5) {
            return Err(Error::invalid(
                "lease",
                "must be at least the attempt's timeouts plus 5 seconds",
                "denemenin zaman aşımları artı 5 saniye kadar olmalıdır",
            ));
        }
        if !(1..=500).contains(&self.batch) {
            return Err(Error::invalid("batch", "must be 1 to 500", "1 ile 500 arasında olmalıdır"));
        }
        Ok(())
    }
}

/// What one round of deliveries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Messages claimed.
    pub claimed: u32,
    /// Delivered (2xx).
    pub delivered: u32,
    /// Scheduled again.
    pub retried: u32,
    /// Given up (4xx, the schedule ran out, 410).
    pub failed: u32,
    /// Whose lease ran out before the result came back: nothing written.
    pub lease_lost: u32,
}

/// Longest part of a response body kept with an attempt.
const RESPONSE_HEAD: usize = 512;

/// A worker: an HTTP client and its options.
pub struct Worker {
    client: reqwest::Client,
    options: DeliveryOptions,
}

impl Worker {
    /// A worker with its own HTTP client.
    pub fn new(options: DeliveryOptions) -> Result<Worker> {
        options.validate()?;
        let client = http_client(options.connect_timeout, options.timeout)?;
        Ok(Worker { client, options })
    }

    /// Claims what is due and delivers it, all attempts at once; returns what happened.
    pub async fn deliver_due<S: WebhookOutbox>(&self, store: &S) -> Result<Round> {
        let claimed = store.claim_messages(self.options.batch, self.options.lease).await?;
        let reports = futures_util::future::join_all(claimed.iter().map(|message| self.attempt(message))).await;
        let mut round = Round { claimed: claimed.len() as u32, ..Round::default() };
        for report in reports {
            match store.finish_attempt(report, &self.options.schedule).await? {
                AttemptOutcome::Delivered => round.delivered += 1,
                AttemptOutcome::Retry => round.retried += 1,
                AttemptOutcome::Failed | AttemptOutcome::Disabled => round.failed += 1,
                AttemptOutcome::LeaseLost => round.lease_lost += 1,
            }
        }
        Ok(round)
    }

    /// Claims and delivers only if something is due: the check is a read, so an idle worker polling
    /// often takes no write lock and no row lock.
    pub async fn deliver_if_due<S: WebhookOutbox>(&self, store: &S) -> Result<Round> {
        if store.any_due().await? { self.deliver_due(store).await } else { Ok(Round::default()) }
    }

    /// Delivers until nothing is due now; returns the rounds added up.
    pub async fn deliver_until_idle<S: WebhookOutbox>(&self, store: &S) -> Result<Round> {
        let mut total = Round::default();
        loop {
            let round = self.deliver_due(store).await?;
            if round.claimed == 0 {
                return Ok(total);
            }
            total.claimed += round.claimed;
            total.delivered += round.delivered;
            total.retried += round.retried;
            total.failed += round.failed;
            total.lease_lost += round.lease_lost;
        }
    }

    /// Delivers until `stop` says so, polling every `poll` when idle; a store error is reported to
    /// `on_error` and the loop carries on after a pause.
    pub async fn run<S: WebhookOutbox>(
        &self,
        store: &S,
        stop: &tokio::sync::watch::Receiver<bool>,
        mut on_error: impl FnMut(&Error),
    ) {
        while !*stop.borrow() {
            let pause = match self.deliver_if_due(store).await {
                Ok(round) if round.claimed > 0 => Duration::ZERO,
                Ok(_) => self.options.poll,
                Err(error) => {
                    on_error(&error);
                    self.options.poll.max(Duration::from_secs(1))
                }
            };
            let mut stop = stop.clone();
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// One attempt: the POST, timed, and what came back.
    async fn attempt(&self, message: &Claimed) -> AttemptReport {
        let secrets: Vec<Secret> = message.secrets.iter().filter_map(|s| Secret::parse(s).ok()).collect();
        let timestamp = Utc::now().timestamp();
        let body = message.payload.as_bytes();
        let started_at = Utc::now();
        let started = Instant::now();
        let sent = self
            .client
            .post(&message.url)
            .header("content-type", "application/json")
            .header("webhook-id", &message.webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature_header(&secrets, &message.webhook_id, timestamp, body))
            .body(message.payload.clone())
            .send()
            .await;
        let mut report = AttemptReport {
            message: message.message,
            lease_token: message.lease_token.clone(),
            attempt: message.attempt,
            schedule_step: message.schedule_step,
            started_at,
            latency: Duration::ZERO,
            http_status: None,
            error: None,
            response_head: None,
            retry_after: None,
        };
        match sent {
            Ok(mut response) => {
                report.http_status = Some(response.status().as_u16());
                report.retry_after =
                    response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(retry_after);
                let mut head = Vec::new();
                while head.len() < RESPONSE_HEAD {
                    match response.chunk().await {
                        Ok(Some(chunk)) => head.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                head.truncate(RESPONSE_HEAD);
                report.response_head = (!head.is_empty()).then(|| String::from_utf8_lossy(&head).into_owned());
            }
            Err(error) => report.error = Some(describe(&error)),
        }
        report.latency = started.elapsed();
        report
    }
}

/// An HTTP client that follows no redirect and gives up after its timeouts.
pub fn http_client(connect_timeout: Duration, timeout: Duration) -> Result<reqwest::Client> {
    // reqwest is built without a default TLS provider: ring is installed once per process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Ledgerdesk-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Storage { backend: "http", detail: format!("cannot build the HTTP client: {e}") })
}

/// What went wrong with a request, in a few words.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        format!("request failed: {error}")
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    (at.with_timezone(&Utc) - Utc::now()).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(retry_after("120"), Some(Duration::from_secs(120)));
        let soon = (Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        assert!(retry_after(&soon).is_some_and(|d| d.as_secs() >= 85));
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn a_lease_outlasts_an_attempt() {
        assert!(DeliveryOptions::default().validate().is_ok());
        let short = DeliveryOptions { lease: Duration::from_secs(10), ..DeliveryOptions::default() };
        assert!(short.validate().is_err());
    }
}
