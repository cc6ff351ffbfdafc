//! Types shared by the Ledgerdesk backend and its WebAssembly UI.
//!
//! Everything here compiles for `wasm32-unknown-unknown`: no database driver, no I/O, no clock.
//! The UI computes live invoice totals with the very functions the backend uses to store them.
//!
//! # Layout
//! - [`api`]: the desktop's requests and settings.
//! - [`catalog`]: tenants, series and customers.
//! - [`credit`]: credit notes and the credit status of an invoice.
//! - [`document`]: the invoice document: the parties' details it prints, and what a print returns.
//! - [`money`]: currencies, their minor units and the one rounding rule.
//! - [`invoice`]: the issue request, its validation and totals, and what an issued invoice looks like.
//! - [`numbering`]: series reset policies and the continuity audit report.
//! - [`license`]: licenses, their changes and batch outcomes.
//! - [`idempotency`]: idempotency records and the reply of an idempotent command.
//! - [`identity`]: roles, whom a store acts as, and the people an administrator keeps.
//! - [`error`]: the wire shape of an error (`code`, English and Turkish message) and the [`Localized`] trait.
//! - [`text`]: text from outside read strictly: plain decimals, no control characters, shortened echoes.
//! - [`payment`]: payments and an invoice's payment status.
//! - [`webhook`]: webhook sources, endpoints, inbound events, outbound messages and their attempts.
//! - [`export`]: staged accounting exports: destinations, journal rows, quality, approvals, diffs.
//! - [`trail`]: the audit trail's entries and what verifying its hash chain found.
#![deny(missing_docs)]

pub mod api;
pub mod batch;
pub mod catalog;
pub mod credit;
pub mod document;
pub mod error;
pub mod export;
pub mod idempotency;
pub mod identity;
pub mod invoice;
pub mod license;
pub mod money;
mod named;
pub mod numbering;
pub mod payment;
pub mod text;
pub mod trail;
pub mod webhook;

pub use batch::{BatchFilePreview, BatchFileRequest, BatchFileSummary, BatchPreviewRow, BatchRecordError};
pub use credit::{CreditNoteRef, CreditOf, CreditScope, CreditStatus, CreditedAmount, CreditedLine};
pub use document::{DocumentLanguage, DocumentParties, Party, PrintedDocument, SupplierDetails};
pub use error::{ErrorBody, Localized};
pub use export::{
    AccountMapping, ActionState, Approval, Destination, EditExport, Export, ExportAction, ExportDiff, ExportFormat,
    ExportQuery, ExportSettings, ExportSettingsChange, ExportState, ExportStep, FieldChange, Finding, JournalRow,
    NewDestination, PostedFile, PrepareExport, Quality, RowField, Severity, Snapshot,
};
pub use idempotency::{IdempotencyQuery, IdempotencyRecord, KeyStatus, Purged, Reply};
pub use identity::{Identity, NewUser, Role, UserChange, UserRecord};
pub use invoice::{InvoiceLine, InvoiceListQuery, InvoiceSummary, InvoiceTotals, IssuedInvoice, LineError, LineInput};
pub use license::{
    AssignLicense, BatchItem, BatchOutcome, BatchSummary, BatchTarget, ChangeLicense, Extension, License,
    LicenseAction, LicenseQuery, LicenseStatus,
};
pub use money::{Currency, round_money};
pub use numbering::{NumberingAudit, ResetPolicy};
pub use payment::{Payment, PaymentStatus};
pub use trail::{AuditEntry, AuditQuery, BrokenLink, ChainBreak, ChainVerdict};
pub use webhook::{
    Attempt, AttemptOutcome, Endpoint, InboundEvent, InboundStatus, MessageStatus, OutboundMessage, Rejection, Source,
    WebhookCounters, WebhookQuery, WithSecret,
};
