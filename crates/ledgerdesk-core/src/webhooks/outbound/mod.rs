//! Outbound webhooks: every change worth telling (an invoice issued, a payment recorded, a license
//! assigned or changed) reaches each endpoint that wants it at least once, recognisable as the same
//! message when it comes twice.
//!
//! # The invariant
//! - **A transactional outbox.** The change's own transaction writes its event row (`outbox_events`)
//!   and one message per matching enabled endpoint (`webhook_messages`): no change without its event,
//!   no event without its change. A message's `webhook-id` is fixed when it is written.
//! - **Claimed with a lease.** A worker claims due messages in a short transaction of its own (Postgres:
//!   `FOR UPDATE SKIP LOCKED`; SQLite: `BEGIN IMMEDIATE`), setting a fresh `lease_token` and a lease well
//!   above the HTTP timeout; no other worker claims a message while its lease runs, and a dead worker's
//!   lease lapses so the message is taken again.
//! - **Results written under the lease.** The HTTP call happens outside any transaction; its result is
//!   written `WHERE lease_token = ours`, so a worker that comes back late changes nothing (its attempt
//!   is still recorded, as `lease_lost`).
//! - **Retries.** 2xx delivers; 410 disables the endpoint; 429, 5xx, a timeout or a refused connection
//!   retries after the schedule (1, 2, 4, 8, 16 minutes unless told otherwise, with jitter, never sooner
//!   than a `Retry-After`), then gives up (`failed`, still visible, and `redeliver` sends it again); any
//!   other status gives up at once. Every attempt is recorded.
//!
//! At least once: a worker that dies after the endpoint answered but before recording it leaves the
//! message to be sent again; the receiver recognises it by its `webhook-id`.

mod events;
pub mod postgres;
mod queries;
mod retry;
pub mod sqlite;

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use ledgerdesk_types::text::{shorten, unsafe_char};
use ledgerdesk_types::{AttemptOutcome, Endpoint, OutboundMessage, Purged, WebhookQuery, WithSecret};
use rand::Rng;
use serde_json::{Value, json};

pub(crate) use queries::cutoff;
pub use retry::RetrySchedule;
pub(crate) use retry::{Next, attempt_error, judge_attempt};

use super::signature::Secret;
use crate::db::forward_to_any_store;
use crate::error::{Error, Result};
use crate::validate::{validate_code, validate_user};

/// The outbox, on any database.
pub trait WebhookOutbox: Send + Sync {
    /// Adds an endpoint (with a generated secret unless one is given), or returns the identical one.
    fn add_endpoint(&self, endpoint: NewEndpoint) -> impl Future<Output = Result<WithSecret<Endpoint>>> + Send;

    /// Gives an endpoint a new secret (generated unless given); its older secrets keep signing for
    /// `overlap`, so the receiver can switch without missing a message.
    fn rotate_endpoint_secret(
        &self,
        tenant: &str,
        endpoint: i64,
        secret: Option<String>,
        overlap: Duration,
    ) -> impl Future<Output = Result<WithSecret<Endpoint>>> + Send;

    /// Disables or re-enables an endpoint; a disabled endpoint's messages wait.
    fn set_endpoint_enabled(
        &self,
        tenant: &str,
        endpoint: i64,
        enabled: bool,
        user: &str,
    ) -> impl Future<Output = Result<Endpoint>> + Send;

    /// The endpoints of a tenant.
    fn list_endpoints(&self, tenant: &str) -> impl Future<Output = Result<Vec<Endpoint>>> + Send;

    /// Whether any message of any tenant is due now. A read: an idle worker asks often, and claims
    /// (taking SQLite's write lock, or Postgres row locks) only when the answer is yes.
    fn any_due(&self) -> impl Future<Output = Result<bool>> + Send;

    /// Claims up to `limit` due messages of any tenant under a fresh lease of `lease`.
    fn claim_messages(&self, limit: u32, lease: Duration) -> impl Future<Output = Result<Vec<Claimed>>> + Send;

    /// Records an attempt and moves its message on, if the lease is still this worker's.
    fn finish_attempt(
        &self,
        report: AttemptReport,
        schedule: &RetrySchedule,
    ) -> impl Future<Output = Result<AttemptOutcome>> + Send;

    /// Sends a message again (any status), from the start of the schedule, at once; refused while a
    /// worker's lease on it runs (`webhook_message_in_delivery`), so it is never sent twice at once.
    fn redeliver(&self, tenant: &str, message: i64) -> impl Future<Output = Result<OutboundMessage>> + Send;

    /// Messages of a tenant, newest first.
    fn list_messages(
        &self,
        tenant: &str,
        query: &WebhookQuery,
    ) -> impl Future<Output = Result<Vec<OutboundMessage>>> + Send;

    /// One message with all its attempts.
    fn get_message(&self, tenant: &str, message: i64) -> impl Future<Output = Result<OutboundMessage>> + Send;

    /// Deletes delivered messages (with their attempts) older than `retention`, and events left with no
    /// message, at most `batch` rows per transaction.
    fn prune_messages(&self, retention: Duration, batch: u32) -> impl Future<Output = Result<Purged>> + Send;
}

forward_to_any_store! {
    impl WebhookOutbox {
        async fn add_endpoint(&self, endpoint: NewEndpoint) -> Result<WithSecret<Endpoint>>;
        async fn rotate_endpoint_secret(&self, tenant: &str, endpoint: i64, secret: Option<String>, overlap: Duration) -> Result<WithSecret<Endpoint>>;
        async fn set_endpoint_enabled(&self, tenant: &str, endpoint: i64, enabled: bool, user: &str) -> Result<Endpoint>;
        async fn list_endpoints(&self, tenant: &str) -> Result<Vec<Endpoint>>;
        async fn any_due(&self) -> Result<bool>;
        async fn claim_messages(&self, limit: u32, lease: Duration) -> Result<Vec<Claimed>>;
        async fn finish_attempt(&self, report: AttemptReport, schedule: &RetrySchedule) -> Result<AttemptOutcome>;
        async fn redeliver(&self, tenant: &str, message: i64) -> Result<OutboundMessage>;
        async fn list_messages(&self, tenant: &str, query: &WebhookQuery) -> Result<Vec<OutboundMessage>>;
        async fn get_message(&self, tenant: &str, message: i64) -> Result<OutboundMessage>;
        async fn prune_messages(&self, retention: Duration, batch: u32) -> Result<Purged>;
    }
}

/// The event types Ledgerdesk sends.
pub const EVENT_TYPES: [&str; 8] = [
    "invoice.issued",
    "invoice.credited",
    "payment.recorded",
    "license.assigned",
    "license.extended",
    "license.suspended",
    "license.resumed",
    "license.revoked",
];

/// An endpoint to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Tenant code.
    pub tenant: String,
    /// `http://` or `https://` URL messages are POSTed to.
    pub url: String,
    /// Event types or patterns (`*`, `invoice.issued`, `license.*`).
    pub event_types: Vec<String>,
    /// Its secret; generated when absent.
    pub secret: Option<String>,
    /// Who adds it.
    pub user: String,
}

/// Checks an endpoint before anything is written: its URL, and patterns that match a type we send.
pub fn validate_endpoint(endpoint: &NewEndpoint) -> Result<()> {
    validate_code("tenant", &endpoint.tenant)?;
    validate_user(&endpoint.user)?;
    let url = endpoint.url.as_str();
    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
    let host = url.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
    if !scheme_ok
        || host.is_empty()
        || url.chars().count() > 2_000
        || url.contains(char::is_whitespace)
        || unsafe_char(url).is_some()
    {
        return Err(Error::invalid(
            "url",
            format!("{:?} is not an http:// or https:// URL", shorten(url, 60)),
            format!("{:?} bir http:// veya https:// adresi değil", shorten(url, 60)),
        ));
    }
    if endpoint.event_types.is_empty() {
        return Err(Error::invalid(
            "events",
            "name at least one event type, or *",
            "en az bir olay türü veya * belirtin",
        ));
    }
    for pattern in &endpoint.event_types {
        if !EVENT_TYPES.iter().any(|event_type| pattern_matches(pattern, event_type)) {
            let known = EVENT_TYPES.join(", ");
            return Err(Error::invalid(
                "events",
                format!("{:?} matches no event type; use *, a type or a prefix.* of {known}", shorten(pattern, 40)),
                format!(
                    "{:?} hiçbir olay türüne uymuyor; *, bir tür veya önek.* kullanın: {known}",
                    shorten(pattern, 40)
                ),
            ));
        }
    }
    if let Some(secret) = &endpoint.secret {
        Secret::parse(secret)?;
    }
    Ok(())
}

/// Whether `pattern` (`*`, an exact type, or `prefix.*`) covers `event_type`; the SQL of
/// [`fan_out_sql`] decides the same.
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    pattern == "*"
        || pattern == event_type
        || pattern.strip_suffix('*').is_some_and(|prefix| prefix.ends_with('.') && event_type.starts_with(prefix))
}

/// An event to tell endpoints of, written in the transaction of its change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutboundEvent {
    /// Unique id; each message's `webhook-id` is `msg_<uid>_<endpoint>`.
    pub uid: String,
    pub event_type: &'static str,
    /// `{"type":…,"timestamp":…,"data":…}`, as sent.
    pub payload: String,
}

impl OutboundEvent {
    /// An event of `event_type` with `data`, at `now`.
    pub fn new(event_type: &'static str, data: Value, now: DateTime<Utc>) -> OutboundEvent {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut rng = rand::rng();
        let uid: String = (0..22).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
        let timestamp = now.to_rfc3339_opts(SecondsFormat::Micros, true);
        let payload = json!({ "type": event_type, "timestamp": timestamp, "data": data }).to_string();
        OutboundEvent { uid, event_type, payload }
    }
}

/// The statement writing one message per enabled endpoint of tenant `{t}` whose patterns cover event type
/// `{type}`, for the events a relation `event` holds (a `WITH` clause the caller writes, with a column
/// `id`). Its arguments are SQL expressions for the tenant id, the event's uid, its type and the time:
/// parameters for one event, or `event`'s own columns for many.
pub(crate) fn fan_out_sql([t, u, ty, n]: [&str; 4]) -> String {
    format!(
        "INSERT INTO webhook_messages (tenant_id, event_id, endpoint_id, webhook_id, status, next_attempt_at, created_at)
         SELECT {t}, event.id, e.id, 'msg_' || {u} || '_' || e.id, 'pending', {n}, {n}
           FROM event, webhook_endpoints e
          WHERE e.tenant_id = {t} AND e.disabled_at IS NULL
            AND EXISTS (SELECT 1 FROM webhook_endpoint_events p
                         WHERE p.endpoint_id = e.id
                           AND (p.pattern = '*' OR p.pattern = {ty}
                                OR (substr(p.pattern, length(p.pattern) - 1, 2) = '.*'
                                    AND substr({ty}, 1, length(p.pattern) - 1) = substr(p.pattern, 1, length(p.pattern) - 1))))"
    )
}

/// A message a worker holds under its lease, with all it needs to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// Message id.
    pub message: i64,
    /// The `webhook-id`.
    pub webhook_id: String,
    /// Where to POST it.
    pub url: String,
    /// The body.
    pub payload: String,
    /// The endpoint's secrets that sign now (`whsec_…`).
    pub secrets: Vec<String>,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// Retries since the last (re)delivery began.
    pub schedule_step: u32,
    /// The worker's lease token.
    pub lease_token: String,
}

/// What one attempt gave, as the worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptReport {
    /// Message id.
    pub message: i64,
    /// The lease token the message was claimed with.
    pub lease_token: String,
    /// This attempt's number.
    pub attempt: u32,
    /// Retries since the last (re)delivery began, when claimed.
    pub schedule_step: u32,
    /// When the HTTP call started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub latency: Duration,
    /// The HTTP status, if the endpoint answered.
    pub http_status: Option<u16>,
    /// What went wrong (timeout, refused connection…), if it did.
    pub error: Option<String>,
    /// The response's first bytes.
    pub response_head: Option<String>,
    /// The endpoint's `Retry-After`, if it gave one.
    pub retry_after: Option<Duration>,
}

/// A fresh lease token: whoever holds it may write a message's result.
pub(crate) fn lease_token() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The patterns of an endpoint as stored: trimmed, sorted, each once.
pub(crate) fn normalized_patterns(patterns: &[String]) -> Vec<String> {
    let mut patterns: Vec<String> = patterns.iter().map(|p| p.trim().to_owned()).collect();
    patterns.sort();
    patterns.dedup();
    patterns
}

/// A message read with its status as stored text; the status parsed.
pub(crate) fn with_status((mut message, status): (OutboundMessage, String)) -> Result<OutboundMessage> {
    message.status = status.parse().map_err(|detail| Error::Storage { backend: "core", detail })?;
    Ok(message)
}

/// A secret to store: the one given, or a new one (then returned, to show once).
pub(crate) fn secret_to_store(given: Option<&str>) -> Result<(String, Option<String>)> {
    match given {
        Some(text) => Ok((Secret::parse(text)?.to_text(), None)),
        None => {
            let text = Secret::generate().to_text();
            Ok((text.clone(), Some(text)))
        }
    }
}

/// `now + overlap` as the expiry of a rotated-out secret.
pub(crate) fn overlap_end(now: DateTime<Utc>, overlap: Duration) -> DateTime<Utc> {
    crate::db::options::later_by(now, overlap)
}

#[cfg(test)]
mod tests {
    use ledgerdesk_types::Localized;

    use super::*;

    #[test]
    fn patterns_cover_types_by_name_or_prefix() {
        assert!(pattern_matches("*", "invoice.issued"));
        assert!(pattern_matches("license.*", "license.revoked"));
        assert!(!pattern_matches("license.*", "licenses.revoked"));
        assert!(!pattern_matches("lic*", "license.revoked"));
        assert!(!pattern_matches("invoice.issue", "invoice.issued"));
    }

    #[test]
    fn endpoints_need_an_http_url_and_known_events() {
        let endpoint = |url: &str, events: &[&str]| NewEndpoint {
            tenant: "ACME".into(),
            url: url.into(),
            event_types: events.iter().map(|e| (*e).to_owned()).collect(),
            secret: None,
            user: "admin".into(),
        };
        assert!(validate_endpoint(&endpoint("http://127.0.0.1:8080/hook", &["invoice.issued", "license.*"])).is_ok());
        for bad in [endpoint("ftp://x/y", &["*"]), endpoint("http://", &["*"]), endpoint("https://a b/", &["*"])] {
            assert_eq!(validate_endpoint(&bad).unwrap_err().code(), "invalid_input", "{bad:?}");
        }
        assert!(validate_endpoint(&endpoint("https://erp.example/hook", &["invoice.isued"])).is_err());
        assert!(validate_endpoint(&endpoint("https://erp.example/hook", &[])).is_err());
    }

    #[test]
    fn events_carry_type_timestamp_and_data() {
        let event = OutboundEvent::new("invoice.issued", json!({"number": "1"}), Utc::now());
        let payload: Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(payload["type"], "invoice.issued");
        assert_eq!(payload["data"]["number"], "1");
        assert!(payload["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(event.uid.len(), 22);
    }
}
