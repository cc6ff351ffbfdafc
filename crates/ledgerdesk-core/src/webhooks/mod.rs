//! Webhooks, both ways, in the Standard Webhooks format (`signature`).
//!
//! - [`inbound`]: senders' events (a payment provider's `invoice.paid`) are verified over their raw
//!   bytes, recorded once per (tenant, source, webhook-id) in the transaction of their effect, and
//!   every refusal is recorded ([`inbound::WebhookInbox`]).
//! - [`outbound`]: every change worth telling writes its event in its own transaction (a transactional
//!   outbox), and workers deliver each message at least once under a lease, with retries
//!   ([`outbound::WebhookOutbox`]).
//!
//! The HTTP halves (the receiver, the delivery worker) live in the `ledgerdesk-webhooks` crate; this
//! module is the guard they both stand on.

pub mod inbound;
pub mod outbound;
pub mod signature;
