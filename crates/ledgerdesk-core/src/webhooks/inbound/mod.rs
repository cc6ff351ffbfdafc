//! Inbound webhooks: a payment is recorded once, however often its event arrives.
//!
//! # The invariant
//! An event takes effect at most once per (tenant, source, `webhook-id`): its row is inserted under
//! that unique key **in the same transaction as its effect**, so a duplicate (sequential or concurrent,
//! on one desktop or two) finds the row, is counted on it, acknowledged, and changes nothing else.
//!
//! # The path of a request ([`receive`])
//! 1. Its tenant and source are looked up with the secrets that verify now (several during a
//!    rotation); an unknown one is refused (404).
//! 2. The signature is verified over the raw body bytes, before any JSON is parsed
//!    (`super::signature`); missing or malformed headers are refused (400), a bad signature or a
//!    timestamp out of tolerance too (401).
//! 3. The verified body must be a JSON object with a string `type` (else 400).
//! 4. One transaction: the event row (or, for a duplicate, its counter) and the effect. `invoice.paid`
//!    records a payment; if the effect fails (unknown invoice, other currency, overpayment, bad data) the
//!    event is stored `failed` with the error, nothing else is written, and it can be applied again once
//!    the cause is fixed. Any other type is stored `ignored`.
//!
//! Every refusal is recorded with its reason, headers and size (the body only when small) and counted;
//! none is ever applied. Events are kept for the senders' retry horizon (7 days unless told otherwise)
//! and purged in batches after it; a payment stays unique per (source, webhook-id) for good.

pub mod postgres;
mod queries;
pub mod sqlite;

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use ledgerdesk_types::text::{parse_plain_decimal, shorten};
use ledgerdesk_types::{
    InboundEvent, InboundStatus, Localized, Purged, Rejection, Source, WebhookCounters, WebhookQuery, WithSecret,
};
use serde_json::Value;

use super::signature::{Refusal, Secret, Signed, WebhookHeaders, verify};
use crate::db::forward_to_any_store;
use crate::error::{Error, Result};
use crate::payments::NewPayment;
use crate::validate::{validate_code, validate_user};

pub(crate) use queries::{EVENT_COLUMNS, EVENT_FROM, events_sql};

/// The inbox, on any database.
pub trait WebhookInbox: Send + Sync {
    /// Adds a source (with a generated secret unless one is given), or returns the identical one.
    fn add_source(&self, source: NewSource) -> impl Future<Output = Result<WithSecret<Source>>> + Send;

    /// Gives a source a new secret (generated unless given); its older secrets keep verifying for
    /// `overlap`, so the sender can switch without a refused request.
    fn rotate_source_secret(
        &self,
        tenant: &str,
        source: &str,
        secret: Option<String>,
        overlap: Duration,
    ) -> impl Future<Output = Result<WithSecret<Source>>> + Send;

    /// The sources of a tenant.
    fn list_sources(&self, tenant: &str) -> impl Future<Output = Result<Vec<Source>>> + Send;

    /// Verifies, deduplicates and applies one request (see the module doc). A refusal is recorded and
    /// returned as [`Error::WebhookRefused`].
    fn receive_webhook(&self, delivery: Delivery) -> impl Future<Output = Result<Receipt>> + Send;

    /// Records a request refused before it reached the store (a body over the size limit).
    fn record_rejection(&self, rejected: Rejected) -> impl Future<Output = Result<()>> + Send;

    /// Applies a failed event again (its cause fixed): once more, in one transaction.
    fn reapply_event(&self, tenant: &str, event: i64, user: &str) -> impl Future<Output = Result<InboundEvent>> + Send;

    /// Inbound events of a tenant, newest first.
    fn list_events(&self, tenant: &str, query: &WebhookQuery)
    -> impl Future<Output = Result<Vec<InboundEvent>>> + Send;

    /// One inbound event.
    fn get_event(&self, tenant: &str, event: i64) -> impl Future<Output = Result<InboundEvent>> + Send;

    /// Refused requests of a tenant, newest first.
    fn list_rejections(&self, tenant: &str, limit: u32) -> impl Future<Output = Result<Vec<Rejection>>> + Send;

    /// The counters of the Webhooks screen: inbound and outbound.
    fn webhook_counters(&self, tenant: &str) -> impl Future<Output = Result<WebhookCounters>> + Send;

    /// Deletes applied and ignored events, and rejections, older than `retention` (failed events stay
    /// until applied), at most `batch` rows per transaction.
    fn purge_events(&self, retention: Duration, batch: u32) -> impl Future<Output = Result<Purged>> + Send;
}

forward_to_any_store! {
    impl WebhookInbox {
        async fn add_source(&self, source: NewSource) -> Result<WithSecret<Source>>;
        async fn rotate_source_secret(&self, tenant: &str, source: &str, secret: Option<String>, overlap: Duration) -> Result<WithSecret<Source>>;
        async fn list_sources(&self, tenant: &str) -> Result<Vec<Source>>;
        async fn receive_webhook(&self, delivery: Delivery) -> Result<Receipt>;
        async fn record_rejection(&self, rejected: Rejected) -> Result<()>;
        async fn reapply_event(&self, tenant: &str, event: i64, user: &str) -> Result<InboundEvent>;
        async fn list_events(&self, tenant: &str, query: &WebhookQuery) -> Result<Vec<InboundEvent>>;
        async fn get_event(&self, tenant: &str, event: i64) -> Result<InboundEvent>;
        async fn list_rejections(&self, tenant: &str, limit: u32) -> Result<Vec<Rejection>>;
        async fn webhook_counters(&self, tenant: &str) -> Result<WebhookCounters>;
        async fn purge_events(&self, retention: Duration, batch: u32) -> Result<Purged>;
    }
}

/// How long inbound events are kept unless told otherwise: longer than senders retry.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3_600);

/// A source to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    /// Tenant code.
    pub tenant: String,
    /// Its name, the last part of its URL (1–32 letters, digits, `-`, `_`).
    pub name: String,
    /// Its secret; generated when absent.
    pub secret: Option<String>,
    /// Who adds it.
    pub user: String,
}

/// Checks a source before anything is written.
pub fn validate_source(source: &NewSource) -> Result<()> {
    validate_code("tenant", &source.tenant)?;
    validate_code("source", &source.name)?;
    validate_user(&source.user)?;
    if let Some(secret) = &source.secret {
        Secret::parse(secret)?;
    }
    Ok(())
}

/// One request as the HTTP receiver got it: nothing in it is trusted yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The tenant code of the path.
    pub tenant: String,
    /// The source name of the path.
    pub source: String,
    /// Every header, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// How far its timestamp may be from `received_at`.
    pub tolerance: chrono::Duration,
}

/// What became of an accepted request: the sender gets 2xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// The event's id.
    pub event: i64,
    /// Its status (for a duplicate: the first delivery's).
    pub status: InboundStatus,
    /// A later delivery of an event already recorded: acknowledged, nothing applied.
    pub duplicate: bool,
}

/// A refused request, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The path's tenant code, shortened.
    pub tenant: String,
    /// The path's source name, shortened.
    pub source: String,
    /// Why.
    pub refusal: Refusal,
    /// The webhook headers (JSON).
    pub headers: String,
    /// The body's size in bytes.
    pub body_size: u64,
    /// The body, when small (at most 4 KiB) and text.
    pub body: Option<String>,
    /// When it came.
    pub received_at: DateTime<Utc>,
}

/// Largest body kept with a rejection.
const SMALL_BODY: usize = 4_096;

impl Rejected {
    /// The record of `delivery`, refused for `refusal`.
    pub fn of(delivery: &Delivery, refusal: Refusal) -> Rejected {
        Rejected {
            tenant: shorten(&delivery.tenant, 64).into_owned(),
            source: shorten(&delivery.source, 64).into_owned(),
            refusal,
            headers: headers_json(&delivery.headers),
            body_size: delivery.body.len() as u64,
            body: (delivery.body.len() <= SMALL_BODY).then(|| String::from_utf8(delivery.body.clone()).ok()).flatten(),
            received_at: delivery.received_at.trunc_subsecs(6),
        }
    }
}

/// The headers worth keeping, each value shortened, as a JSON object.
fn headers_json(headers: &[(String, String)]) -> String {
    let kept = ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "content-length", "user-agent"];
    let object: serde_json::Map<String, Value> = headers
        .iter()
        .filter(|(name, _)| kept.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), Value::String(shorten(value, 300).into_owned())))
        .collect();
    Value::Object(object).to_string()
}

/// The three webhook headers; a header sent twice is malformed.
fn webhook_headers(headers: &[(String, String)]) -> std::result::Result<WebhookHeaders, Refusal> {
    let one = |name: &str| {
        let mut values = headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone());
        match (values.next(), values.next()) {
            (_, Some(_)) => Err(Refusal::MalformedHeaders),
            (value, None) => Ok(value),
        }
    };
    Ok(WebhookHeaders {
        id: one("webhook-id")?,
        timestamp: one("webhook-timestamp")?,
        signature: one("webhook-signature")?,
    })
}

/// A source's identity and the secrets that verify its requests now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signing {
    UnknownTenant,
    UnknownSource { tenant_id: i64 },
    Known { tenant_id: i64, source_id: i64, secrets: Vec<String> },
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing: a type Ledgerdesk does not act on.
    None,
    /// Records this payment, or fails with this error (unreadable data).
    Payment(std::result::Result<NewPayment, (String, String)>),
}

/// A verified event, ready to be stored with its effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arrived {
    pub tenant: String,
    pub tenant_id: i64,
    pub source_id: i64,
    pub signed: Signed,
    pub event_type: String,
    pub headers: String,
    pub body: String,
    pub effect: Effect,
    pub received_at: DateTime<Utc>,
}

/// What each store does for [`receive`].
pub(crate) trait InboxLedger: Sync {
    /// The tenant, the source and the secrets that verify now.
    fn signing(&self, tenant: &str, source: &str, now: DateTime<Utc>) -> impl Future<Output = Result<Signing>> + Send;

    /// Records a refused request.
    fn store_rejection(&self, tenant_id: Option<i64>, rejected: Rejected) -> impl Future<Output = Result<()>> + Send;

    /// One transaction: the event row (or a duplicate's count) and, for a new event, its effect.
    fn store_event(&self, arrived: Arrived) -> impl Future<Output = Result<Receipt>> + Send;
}

/// The path of one request, the same on both databases (see the module doc).
pub(crate) async fn receive<L: InboxLedger>(ledger: &L, delivery: Delivery) -> Result<Receipt> {
    let delivery = &delivery;
    let refuse = |tenant_id: Option<i64>, refusal: Refusal| async move {
        ledger.store_rejection(tenant_id, Rejected::of(delivery, refusal)).await?;
        Err(Error::WebhookRefused(refusal))
    };
    let (tenant_id, source_id, secrets) =
        match ledger.signing(&delivery.tenant, &delivery.source, delivery.received_at).await? {
            Signing::UnknownTenant => return refuse(None, Refusal::UnknownTenant).await,
            Signing::UnknownSource { tenant_id } => return refuse(Some(tenant_id), Refusal::UnknownSource).await,
            Signing::Known { tenant_id, source_id, secrets } => (tenant_id, source_id, secrets),
        };
    let headers = match webhook_headers(&delivery.headers) {
        Ok(headers) => headers,
        Err(refusal) => return refuse(Some(tenant_id), refusal).await,
    };
    let secrets: Vec<Secret> = secrets.iter().filter_map(|s| Secret::parse(s).ok()).collect();
    // The raw bytes are verified first; nothing is parsed before the signature holds.
    let signed = match verify(&secrets, &headers, &delivery.body, delivery.received_at, delivery.tolerance) {
        Ok(signed) => signed,
        Err(refusal) => return refuse(Some(tenant_id), refusal).await,
    };
    let Some((event_type, body)) = event_type_of(&delivery.body) else {
        return refuse(Some(tenant_id), Refusal::MalformedBody).await;
    };
    let effect = effect_of(&event_type, &body, source_id, &signed.id, &delivery.source);
    let arrived = Arrived {
        tenant: delivery.tenant.clone(),
        tenant_id,
        source_id,
        signed,
        event_type,
        headers: headers_json(&delivery.headers),
        body: String::from_utf8_lossy(&delivery.body).into_owned(),
        effect,
        // The microsecond both databases keep, so an event reads back as it was stored.
        received_at: delivery.received_at.trunc_subsecs(6),
    };
    ledger.store_event(arrived).await
}

/// The `type` of a verified body that is a UTF-8 JSON object, with the object.
fn event_type_of(body: &[u8]) -> Option<(String, Value)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let event_type = value.get("type")?.as_str()?;
    let valid = (1..=100).contains(&event_type.len()) && event_type.bytes().all(|b| b.is_ascii_graphic());
    valid.then(|| (event_type.to_owned(), value.clone()))
}

/// What an event of `event_type` with `body` does; for `invoice.paid`, the payment its data describes.
pub(crate) fn effect_of(event_type: &str, body: &Value, source_id: i64, webhook_id: &str, source: &str) -> Effect {
    if event_type != "invoice.paid" {
        return Effect::None;
    }
    Effect::Payment(
        payment_of(&body["data"], source_id, webhook_id, source).map_err(|e| (e.code().to_owned(), e.to_string())),
    )
}

/// Reads `{"number","amount","currency","paid_at","reference"}` strictly.
fn payment_of(data: &Value, source_id: i64, webhook_id: &str, source: &str) -> Result<NewPayment> {
    let text = |field: &'static str| {
        data.get(field).and_then(Value::as_str).ok_or_else(|| {
            Error::invalid(field, "must be a string in the event's data", "olayın verisinde bir metin olmalıdır")
        })
    };
    let amount =
        parse_plain_decimal(text("amount")?).map_err(|e| Error::invalid("amount", e.to_string(), e.message_tr()))?;
    let currency = text("currency")?.parse().map_err(|_| {
        Error::invalid("currency", "is not a currency Ledgerdesk knows", "Ledgerdesk'in bildiği bir para birimi değil")
    })?;
    let paid_at = DateTime::parse_from_rfc3339(text("paid_at")?)
        .map_err(|_| Error::invalid("paid_at", "must be an RFC 3339 instant", "bir RFC 3339 anı olmalıdır"))?
        .with_timezone(&Utc)
        // The microsecond both databases keep, so a payment reads back as it was recorded.
        .trunc_subsecs(6);
    let payment = NewPayment {
        number: text("number")?.to_owned(),
        amount,
        currency,
        paid_at,
        reference: text("reference")?.to_owned(),
        source_id: Some(source_id),
        webhook_id: Some(webhook_id.to_owned()),
        recorded_by: format!("webhook:{source}"),
    };
    crate::payments::validate(&payment)?;
    // Exact to the minor unit (validated), written at its scale: 150.5 EUR is stored as 150.50.
    Ok(NewPayment { amount: ledgerdesk_types::round_money(payment.amount, payment.currency), ..payment })
}

/// How an event stands after its effect ran: the status, the error, the payment recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub status: InboundStatus,
    pub error: Option<(String, String)>,
    pub payment_id: Option<i64>,
}

impl Outcome {
    /// The outcome of an effect: applied, or failed with an error the data decided. A failure the
    /// database caused (contention, a lost connection) is returned as an error instead: the whole
    /// transaction is undone and the sender, answered 5xx, retries.
    pub fn of(effect: &Effect, recorded: Option<Result<i64>>) -> Result<Outcome> {
        match (effect, recorded) {
            (Effect::None, _) => Ok(Outcome { status: InboundStatus::Ignored, error: None, payment_id: None }),
            (Effect::Payment(Err(error)), _) => {
                Ok(Outcome { status: InboundStatus::Failed, error: Some(error.clone()), payment_id: None })
            }
            (Effect::Payment(Ok(_)), Some(Ok(payment))) => {
                Ok(Outcome { status: InboundStatus::Applied, error: None, payment_id: Some(payment) })
            }
            (Effect::Payment(Ok(_)), Some(Err(error))) if !error.is_retryable() => Ok(Outcome {
                status: InboundStatus::Failed,
                error: Some((error.code().to_owned(), error.to_string())),
                payment_id: None,
            }),
            (Effect::Payment(Ok(_)), Some(Err(error))) => Err(error),
            (Effect::Payment(Ok(_)), None) => {
                Err(Error::Storage { backend: "core", detail: "an effect did not run".into() })
            }
        }
    }
}

/// Reads a stored status.
pub(crate) fn status(text: &str) -> Result<InboundStatus> {
    text.parse().map_err(|detail| Error::Storage { backend: "core", detail })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::signature::DEFAULT_TOLERANCE;

    fn delivery(headers: &[(&str, &str)]) -> Delivery {
        Delivery {
            tenant: "ACME".into(),
            source: "bank".into(),
            headers: headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
            body: br#"{"type":"invoice.paid"}"#.to_vec(),
            received_at: Utc::now(),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    #[test]
    fn a_header_sent_twice_is_malformed() {
        assert_eq!(
            webhook_headers(&delivery(&[("webhook-id", "a"), ("webhook-id", "b")]).headers),
            Err(Refusal::MalformedHeaders)
        );
        assert_eq!(webhook_headers(&delivery(&[("webhook-id", "a")]).headers).unwrap().id.as_deref(), Some("a"));
    }

    #[test]
    fn rejections_keep_small_bodies_and_short_headers() {
        let mut big = delivery(&[("webhook-signature", &"v1,x".repeat(500)), ("cookie", "secret")]);
        let kept = Rejected::of(&big, Refusal::SignatureInvalid);
        assert!(
            kept.body.is_some() && !kept.headers.contains("cookie") && kept.headers.len() < 400,
            "{}",
            kept.headers
        );
        big.body = vec![b'x'; SMALL_BODY + 1];
        assert_eq!(Rejected::of(&big, Refusal::BodyTooLarge).body, None);
    }

    #[test]
    fn only_a_json_object_with_a_string_type_is_an_event() {
        assert_eq!(event_type_of(br#"{"type":"invoice.paid","data":{}}"#).unwrap().0, "invoice.paid");
        for bad in [&b"not json"[..], b"[1,2]", br#"{"type":7}"#, br#"{"data":{}}"#, b"\xff\xfe"] {
            assert!(event_type_of(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn invoice_paid_data_is_read_strictly() {
        let body = |amount: &str| {
            serde_json::json!({"type": "invoice.paid", "data": {"number": "202611-00001-ACME", "amount": amount,
                "currency": "EUR", "paid_at": "2026-11-20T10:00:00Z", "reference": "TRX-1"}})
        };
        let Effect::Payment(Ok(payment)) = effect_of("invoice.paid", &body("150.25"), 3, "msg_1", "bank") else {
            panic!()
        };
        assert_eq!((payment.amount.to_string().as_str(), payment.recorded_by.as_str()), ("150.25", "webhook:bank"));
        for bad in ["1e3", "-5", "10.005", "ten"] {
            let Effect::Payment(Err((code, _))) = effect_of("invoice.paid", &body(bad), 3, "msg_1", "bank") else {
                panic!("{bad}")
            };
            assert_eq!(code, "invalid_input");
        }
        assert_eq!(effect_of("customer.created", &body("1"), 3, "msg_1", "bank"), Effect::None);
    }
}
