//! Ledgerdesk's guards, headless: no Tauri, no Leptos. The desktop shell and the `ledgerdesk` CLI both
//! drive this library through the [`Store`] traits; the conformance suite in `tests/` holds its SQLite
//! and Postgres implementations to one behaviour.
//!
//! # Layout
//! Imports go one way: guards import `db` (and the leaf modules), `db` imports no guard, and
//! [`store`] sits on top naming every guard's trait.
//!
//! Guards, one folder each: `mod.rs` holds the invariant (in its `//!` doc), the guard's trait and the
//! logic both databases share; `sqlite.rs` and `postgres.rs` are the twins, each implementing the trait
//! for its store, side by side.
//! - [`catalog`]: tenants, series and customers ([`Catalog`]).
//! - [`numbering`]: gapless numbering and reservations ([`Numbering`]).
//! - [`invoices`]: reading invoices back ([`Invoices`]).
//! - [`credits`]: credit notes in corrective series, never more than the invoice ([`Credits`]).
//! - [`continuity`]: the continuity audit ([`Continuity`]).
//! - [`documents`]: the invoice document: the parties' details it prints, fixed at its first print
//!   with the SHA-256 of its PDF ([`Documents`]).
//! - [`idempotency`]: idempotency keys: claim, fence, replay, purge ([`Keys`]).
//! - [`identity`]: who is acting and whether they may: roles, offline accounts, Postgres logins ([`Users`]).
//! - [`licenses`]: one ACTIVE license per holder, optimistic concurrency ([`Licenses`]).
//! - [`payments`]: payments against invoices, never past their total.
//! - [`webhooks`]: inbound events recorded once ([`WebhookInbox`]), outbound messages delivered at
//!   least once from a transactional outbox ([`WebhookOutbox`]), Standard Webhooks signatures.
//! - [`trail`]: the append-only, hash-chained audit trail ([`AuditTrail`]).
//! - [`exports`]: staged accounting exports: prepare, review, four-eyes approval, post, roll back
//!   ([`Exports`]); its destinations and rules in `exports::setup` ([`ExportSetup`]).
//!
//! Plumbing and leaves:
//! - [`db`]: connections, pooling, transactions, retries, error mapping, [`AnyStore`]; no guard.
//! - [`migrate`]: embedded, checksummed schema migrations, and opening a store (which migrates it).
//! - [`store`]: [`Store`], the one bound naming every guard's trait, and the [`prelude`].
//! - [`error`]: [`Error`], with a stable code and English and Turkish messages.
//! - [`validate`]: checks of the fields every guard shares.
//! - [`format`]: number templates and periods. [`model`]: request and result types.
//!
//! # A new guard
//! 1. `src/<guard>/mod.rs`: the invariant in a `//!` doc, the trait (`pub trait <Guard>: Send + Sync`),
//!    the judgement both databases share, and `forward_to_any_store! { impl <Guard> { … } }`.
//! 2. `src/<guard>/sqlite.rs` and `src/<guard>/postgres.rs`: `impl <Guard> for SqliteStore` /
//!    `for PgStore`, with their SQL. A state-changing command implements `idempotency::Command` and its
//!    store method calls `idempotency::execute(self, command, key)`.
//! 3. Add the trait to [`Store`] and the [`prelude`] in `store.rs`, and the module to this file.
//! 4. Migrations on both databases: `migrations/{sqlite,postgres}/NNNN_<guard>.sql`, listed in
//!    `migrate/{sqlite,postgres}.rs`.
//! 5. Contracts in `tests/conformance/<guard>.rs`, listed in `tests/conformance/main.rs` (each runs on
//!    both databases).
//! 6. Desktop: commands in `src-tauri/src/commands/<guard>.rs` (registered in `src-tauri/src/lib.rs`,
//!    `src-tauri/build.rs` and the capability), a screen in `ui/src/screens/<guard>.rs`.
#![deny(missing_docs)]

pub mod catalog;
pub mod continuity;
pub mod credits;
pub mod db;
pub mod documents;
pub mod error;
pub mod exports;
mod fault;
pub mod format;
pub mod idempotency;
pub mod identity;
pub mod invoices;
pub mod licenses;
pub mod migrate;
pub mod model;
pub mod numbering;
pub mod payments;
pub mod store;
pub mod trail;
pub mod validate;
pub mod webhooks;

pub use catalog::Catalog;
pub use continuity::Continuity;
pub use credits::{CreditInvoice, Credits};
pub use db::{
    APP_IDENTIFIER, AnyStore, Backend, DatabaseUrl, KeyPolicy, Opening, PgStore, RetryPolicy, SqliteStore,
    StoreOptions, default_sqlite_path, redact,
};
pub use documents::Documents;
pub use error::{Error, Result};
pub use exports::setup::ExportSetup;
pub use exports::{ExportError, Exports, FourEyes};
pub use idempotency::Keys;
pub use identity::{Action, Users};
pub use invoices::Invoices;
pub use ledgerdesk_types as types;
pub use licenses::Licenses;
pub use model::*;
pub use numbering::Numbering;
pub use numbering::batch::{self, BatchIssuing, BatchItem, BatchOutcome};
pub use store::{Store, prelude};
pub use trail::AuditTrail;
pub use webhooks::inbound::WebhookInbox;
pub use webhooks::outbound::WebhookOutbox;
