//! Webhook records as the UI and the CLI see them: sources and inbound events (recorded once),
//! endpoints and outbound messages with their attempts (delivered at least once), and the counters.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::named::named_enum;
use crate::payment::Payment;

named_enum! {
    /// What became of an inbound event.
    pub enum InboundStatus {
        /// Its effect took place (for `invoice.paid`: the payment is recorded).
        Applied = "applied",
        /// Its effect failed (overpayment, unknown invoice…); stored with the error, may be re-applied.
        Failed = "failed",
        /// A type Ledgerdesk does not act on: stored and acknowledged, nothing applied.
        Ignored = "ignored",
    }
}

named_enum! {
    /// Where an outbound message stands.
    pub enum MessageStatus {
        /// Waiting for its next attempt (or being attempted under a worker's lease).
        Pending = "pending",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Given up: the schedule ran out, the endpoint refused it (4xx) or is gone (410).
        Failed = "failed",
    }
}

named_enum! {
    /// What one delivery attempt led to.
    pub enum AttemptOutcome {
        /// 2xx: delivered.
        Delivered = "delivered",
        /// 429, 5xx, a timeout or a refused connection: tried again later.
        Retry = "retry",
        /// Another 4xx, or the last retry failed: given up.
        Failed = "failed",
        /// 410 Gone: the endpoint is disabled.
        Disabled = "disabled",
        /// The worker's lease ran out before it came back: its result changed nothing.
        LeaseLost = "lease_lost",
    }
}

/// A sender of inbound webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// Its name, the last part of its URL: `/webhooks/{tenant}/{name}`.
    pub name: String,
    /// Secrets that verify its signatures now (more than one during a rotation).
    pub active_secrets: u32,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// A receiver of outbound webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// Where messages are POSTed.
    pub url: String,
    /// The event types it receives (`*`, `invoice.issued`, `license.*`).
    pub event_types: Vec<String>,
    /// Secrets signing its messages now (more than one during a rotation).
    pub active_secrets: u32,
    /// When it was disabled (a 410, or by hand), if it is.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// A source or endpoint just given a secret, with the secret itself: shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithSecret<T> {
    /// The source or endpoint.
    #[serde(flatten)]
    pub value: T,
    /// The new `whsec_…` secret, when Ledgerdesk generated it (never shown again).
    pub secret: Option<String>,
    /// `false` when an identical source or endpoint existed already (no new secret then).
    pub created: bool,
}

/// One inbound event, with what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundEvent {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// The source that sent it.
    pub source: String,
    /// The sender's `webhook-id`.
    pub webhook_id: String,
    /// Its `type`.
    pub event_type: String,
    /// Its `webhook-timestamp`.
    pub sent_at: DateTime<Utc>,
    /// When it first arrived.
    pub received_at: DateTime<Utc>,
    /// What became of it.
    pub status: InboundStatus,
    /// The error of a failed effect.
    pub error_code: Option<String>,
    /// Its message.
    pub error_message: Option<String>,
    /// The payment it recorded, with the invoice's number.
    pub payment: Option<Payment>,
    /// The invoice the payment was recorded against.
    pub invoice: Option<String>,
    /// How many times its effect was attempted (1 + re-applications).
    pub applications: u32,
    /// Later deliveries of the same webhook-id, acknowledged and not applied.
    pub duplicates: u32,
    /// The webhook headers (JSON).
    pub headers: String,
    /// The raw body, as verified.
    pub body: String,
}

/// A request refused before anything was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Database id.
    pub id: i64,
    /// The tenant code of the path, shortened.
    pub tenant: String,
    /// The source name of the path, shortened.
    pub source: String,
    /// Why (`signature_invalid`, `timestamp_out_of_tolerance`, `body_too_large`…).
    pub reason: String,
    /// The HTTP status it was answered with.
    pub http_status: u16,
    /// The webhook headers it carried (JSON).
    pub headers: String,
    /// The body's size in bytes.
    pub body_size: u64,
    /// The body, when it was small.
    pub body: Option<String>,
    /// When it came.
    pub received_at: DateTime<Utc>,
}

/// One outbound message: one event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundMessage {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// Its `webhook-id`, the same at every attempt.
    pub webhook_id: String,
    /// The event's type.
    pub event_type: String,
    /// The endpoint's id.
    pub endpoint_id: i64,
    /// The endpoint's URL.
    pub url: String,
    /// Where it stands.
    pub status: MessageStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending messages).
    pub next_attempt_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The last HTTP status.
    pub last_status: Option<u16>,
    /// The last error.
    pub last_error: Option<String>,
    /// The body sent (JSON).
    pub payload: String,
    /// When the event was written (with its change).
    pub created_at: DateTime<Utc>,
    /// Every attempt, oldest first (filled in when one message is shown).
    #[serde(default)]
    pub attempts_made: Vec<Attempt>,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: u32,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long the HTTP call took, in milliseconds.
    pub latency_ms: u64,
    /// The HTTP status, if the endpoint answered.
    pub http_status: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// The response's first bytes.
    pub response_head: Option<String>,
    /// What it led to.
    pub outcome: AttemptOutcome,
}

/// Which inbound events or outbound messages to list; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookQuery {
    /// Only this status (`applied`, `failed`, `ignored`; `pending`, `delivered`, `failed`).
    pub status: Option<String>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only this source (inbound, by name) or endpoint (outbound, by id).
    pub peer: Option<String>,
    /// Only those received or written at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Rows (default 100, at most 500).
    pub limit: Option<u32>,
}

impl WebhookQuery {
    /// The page size actually used.
    pub fn page_size(&self) -> u32 {
        self.limit.unwrap_or(100).clamp(1, 500)
    }
}

/// What the Webhooks screen counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCounters {
    /// Inbound deliveries acknowledged as duplicates, with no second effect.
    pub duplicates_suppressed: u64,
    /// Inbound requests refused for their signature or timestamp.
    pub signatures_rejected: u64,
    /// Inbound requests refused for any reason.
    pub rejected: u64,
    /// Inbound events whose effect failed.
    pub inbound_failed: u64,
    /// Outbound messages waiting.
    pub pending: u64,
    /// Outbound messages delivered.
    pub delivered: u64,
    /// Outbound messages given up.
    pub deliveries_failed: u64,
}
