//! Ledgerdesk's webhooks over HTTP, on top of the guard in `ledgerdesk_core::webhooks`:
//!
//! - [`receiver`]: the Standard Webhooks receiver (axum): `POST /webhooks/{tenant}/{source}`.
//! - [`delivery`]: the outbox worker (reqwest): claims due messages under a lease and delivers them.
//!
//! The CLI runs both (`ledgerdesk webhook serve`, `ledgerdesk webhook deliver`); the desktop app runs a
//! worker in the background while it is open.
#![deny(missing_docs)]

pub mod delivery;
pub mod receiver;

pub use delivery::{DeliveryOptions, Round, Worker, http_client};
pub use receiver::{Receiver, ReceiverOptions};
