//! Ledgerdesk's guards, headless: no Tauri, no Leptos. The desktop shell and the `ledgerdesk` CLI both
//! drive this library through the [`Store`] trait; the conformance suite in `tests/` holds its SQLite
//! and Postgres implementations to one behaviour.
//!
//! # Layout
//! - [`store`]: the [`Store`] contract, [`AnyStore`] and [`StoreOptions`].
//! - [`db`]: per-backend plumbing: opening, pooling, transactions, retries, error mapping.
//! - [`migrate`]: embedded, checksummed schema migrations.
//! - [`catalog`]: tenants, series and customers.
//! - [`numbering`]: the gapless numbering guard, its reservations, and its invariant.
//! - [`invoices`]: reading invoices back.
//! - [`audit`]: the continuity audit.
//! - [`idempotency`]: idempotency keys: claim, fence, replay, purge.
//! - [`licenses`]: licenses, one ACTIVE per holder, with optimistic concurrency.
//! - [`format`]: number templates and periods.
//! - [`retry`]: bounded retries with full-jitter backoff.
//! - [`error`]: [`Error`], with a stable code and English and Turkish messages.
//!
//! Domain modules hold a `sqlite.rs` and a `postgres.rs` twin side by side.
#![deny(missing_docs)]

pub mod audit;
pub mod catalog;
pub mod db;
pub mod error;
mod fault;
pub mod format;
pub mod idempotency;
pub mod invoices;
pub mod licenses;
pub mod migrate;
pub mod model;
pub mod numbering;
pub mod retry;
pub mod store;

pub use db::{PgStore, SqliteStore};
pub use error::{Error, Result};
pub use idempotency::KeyPolicy;
pub use ledgerdesk_types as types;
pub use model::*;
pub use retry::RetryPolicy;
pub use store::{AnyStore, DatabaseUrl, Store, StoreOptions};
