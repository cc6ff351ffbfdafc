//! [`Store`]: every guard's contract in one bound, for callers that want them all.
//!
//! Each guard declares its own trait beside its invariant, and implements it for each database in its
//! own twins; `Store` only names them:
//! - [`Catalog`]: tenants, series, customers (`catalog/`);
//! - [`Numbering`]: issue, reserve, release (`numbering/`);
//! - [`BatchIssuing`]: many invoices in one transaction (`numbering/batch/`);
//! - [`Invoices`]: reading invoices back (`invoices/`);
//! - [`Credits`]: credit notes (`credits/`);
//! - [`Continuity`]: the continuity audit (`continuity/`);
//! - [`Documents`]: the invoice document's details and fixed copies (`documents/`);
//! - [`Keys`]: idempotency records (`idempotency/`);
//! - [`Users`]: the people of a book and their roles (`identity/`);
//! - [`Licenses`]: licenses (`licenses/`);
//! - [`WebhookInbox`], [`WebhookOutbox`]: webhooks, in and out (`webhooks/`);
//! - [`AuditTrail`]: the hash-chained audit trail (`trail/`);
//! - [`ExportSetup`]: export destinations and rules (`exports/setup/`);
//! - [`Exports`]: staged accounting exports (`exports/`).
//!
//! Implementations, one line each: [`SqliteStore`](crate::SqliteStore) (offline, one file),
//! [`PgStore`](crate::PgStore) (connected, one shared Postgres), [`AnyStore`](crate::AnyStore) (either,
//! picked from a URL at run time). The conformance suite in `tests/` holds them to one behaviour.

use crate::catalog::Catalog;
use crate::continuity::Continuity;
use crate::credits::Credits;
use crate::db::Backend;
use crate::documents::Documents;
use crate::exports::Exports;
use crate::exports::setup::ExportSetup;
use crate::idempotency::Keys;
use crate::identity::Users;
use crate::invoices::Invoices;
use crate::licenses::Licenses;
use crate::numbering::Numbering;
use crate::numbering::batch::BatchIssuing;
use crate::trail::AuditTrail;
use crate::webhooks::inbound::WebhookInbox;
use crate::webhooks::outbound::WebhookOutbox;

/// Everything the guards promise, on any database. Every method is one transaction: it takes effect
/// whole or not at all.
pub trait Store:
    Backend
    + Catalog
    + Numbering
    + BatchIssuing
    + Invoices
    + Credits
    + Continuity
    + Documents
    + Keys
    + Users
    + Licenses
    + WebhookInbox
    + WebhookOutbox
    + AuditTrail
    + ExportSetup
    + Exports
{
}

impl<T> Store for T where
    T: Backend
        + Catalog
        + Numbering
        + BatchIssuing
        + Invoices
        + Credits
        + Continuity
        + Documents
        + Keys
        + Users
        + Licenses
        + WebhookInbox
        + WebhookOutbox
        + AuditTrail
        + ExportSetup
        + Exports
{
}

/// The traits a caller needs in scope to call any store method: `use ledgerdesk_core::prelude::*;`.
pub mod prelude {
    pub use super::Store;
    pub use crate::catalog::Catalog;
    pub use crate::continuity::Continuity;
    pub use crate::credits::Credits;
    pub use crate::db::Backend;
    pub use crate::documents::Documents;
    pub use crate::exports::Exports;
    pub use crate::exports::setup::ExportSetup;
    pub use crate::idempotency::Keys;
    pub use crate::identity::Users;
    pub use crate::invoices::Invoices;
    pub use crate::licenses::Licenses;
    pub use crate::numbering::Numbering;
    pub use crate::numbering::batch::BatchIssuing;
    pub use crate::trail::AuditTrail;
    pub use crate::webhooks::inbound::WebhookInbox;
    pub use crate::webhooks::outbound::WebhookOutbox;
}
