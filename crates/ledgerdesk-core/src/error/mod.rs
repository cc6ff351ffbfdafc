//! The one error type of the core library: a stable code, an English and a Turkish message.
//!
//! Each backend maps its driver's errors into this enum (see `db::sqlite` and `db::postgres`), so
//! callers match on meaning, never on a driver error.

mod classify;
mod codes;
mod credits;
mod exports;
mod identity;
mod refusal;
mod turkish;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerdesk_types::{Currency, ErrorBody, License, LicenseStatus, LineError};
use rust_decimal::Decimal;

pub use credits::CreditError;
pub use exports::{ExportError, FourEyes};
pub use identity::IdentityError;
pub use refusal::Refusal;

/// Result alias for the core library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a Ledgerdesk guard.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--db` / `LEDGERDESK_DB` is neither `sqlite:PATH` nor `postgres://…` (its password redacted).
    #[error("invalid database URL {0:?}: use sqlite:PATH or postgres://user@host/db")]
    InvalidDatabaseUrl(String),
    /// There is no book there: no SQLite file, or no Postgres database. Nothing was created.
    #[error(
        "there is no book at {0}; nothing was created. Check the path; a new book starts its numbering again at 1, \
         so create one only on purpose (a file: `ledgerdesk init` or the desktop's New book; Postgres: `createdb`)"
    )]
    BookNotFound(String),
    /// Creating a new book where one exists already.
    #[error("a book already exists at {0}; open it instead of creating a new one")]
    BookAlreadyExists(String),
    /// The file is not a Ledgerdesk book (another kind of file, or a SQLite database of another program).
    #[error("not a Ledgerdesk book: {0}")]
    NotABook(String),
    /// A rule the database itself holds (a trigger) refused the change: four eyes, the export workflow.
    /// `code` is the rule's (`four_eyes_violation`, `export_state_invalid`).
    #[error("the database refused this: {detail}")]
    DatabaseRule {
        /// The rule's stable code.
        code: &'static str,
        /// What the rule said.
        detail: String,
    },
    /// The database refused to change or delete a record that is kept as written.
    #[error("this record is kept as written and cannot be changed or deleted ({0})")]
    RecordImmutable(String),
    /// The book can be read but not written by this user (an archived or read-only file).
    #[error("the book {0} is read-only here: it can be read, but nothing can be written to it")]
    BookReadOnly(String),
    /// The database could not be opened or reached.
    #[error("cannot open the {backend} database: {detail}")]
    DatabaseUnavailable {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What the driver said.
        detail: String,
    },
    /// The connection to Postgres could not be secured as its URL asks (`sslmode`): the server's
    /// certificate is not signed by the `sslrootcert` given, names another host, or the server offers
    /// no TLS. Nothing was sent.
    #[error(
        "the connection to Postgres could not be secured: {0}. Check sslmode and sslrootcert (the certificate authority that signed the server's certificate)"
    )]
    TlsVerificationFailed(String),
    /// The disk holding the database is full: nothing of the write was kept.
    #[error(
        "the disk holding the {backend} database is full; nothing of this change was written. Free some space and try again ({detail})"
    )]
    DiskFull {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What the driver said.
        detail: String,
    },
    /// The book's file is damaged (truncated, overwritten in part): SQLite cannot read it as it is.
    #[error(
        "this book's file is damaged (SQLite: {0}); nothing was written to it. Restore it from a backup, or check it with: sqlite3 FILE 'PRAGMA integrity_check'"
    )]
    BookDamaged(String),
    /// A migration already applied to this database differs from the one this program carries.
    #[error("migration {version} ({name}) differs from the one applied to this database; refusing to open it")]
    MigrationChecksumMismatch {
        /// Migration number.
        version: i64,
        /// Migration name.
        name: String,
    },
    /// The database was migrated by a newer Ledgerdesk.
    #[error("the database has schema version {found}, newer than this program knows ({known}); upgrade Ledgerdesk")]
    SchemaTooNew {
        /// Highest version recorded in the database.
        found: i64,
        /// Highest version this program carries.
        known: i64,
    },
    /// A field failed validation before anything was written.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field at fault.
        field: &'static str,
        /// Why, in English.
        reason: String,
        /// Why, in Turkish.
        reason_tr: String,
    },
    /// A record of a batch file cannot be read as an invoice; the rest of the file still can.
    #[error("line {line}: {reason}")]
    BatchRecordInvalid {
        /// The file's line the record starts on, from 1.
        line: u64,
        /// Why, in English.
        reason: String,
        /// Why, in Turkish.
        reason_tr: String,
    },
    /// The invoice lines are not valid.
    #[error(transparent)]
    Line(#[from] LineError),
    /// The series format template is not valid for its reset policy.
    #[error("invalid series format {format:?}: {reason}")]
    SeriesFormatInvalid {
        /// The template given.
        format: String,
        /// Why, in English.
        reason: String,
        /// Why, in Turkish.
        reason_tr: String,
    },
    /// No tenant with that code.
    #[error("tenant {0:?} does not exist")]
    TenantNotFound(String),
    /// No series with that code for the tenant.
    #[error("series {series:?} does not exist for tenant {tenant:?}")]
    SeriesNotFound {
        /// Tenant code.
        tenant: String,
        /// Series code.
        series: String,
    },
    /// No customer with that code for the tenant.
    #[error("customer {customer:?} does not exist for tenant {tenant:?}")]
    CustomerNotFound {
        /// Tenant code.
        tenant: String,
        /// Customer code.
        customer: String,
    },
    /// A tenant, series or customer with that code exists with other attributes.
    #[error("{kind} {code:?} already exists with a different {}", .fields.join(", "))]
    AlreadyExistsDifferently {
        /// `tenant`, `series` or `customer`.
        kind: &'static str,
        /// Its code.
        code: String,
        /// The attributes that differ (`name`, `time_zone`, `format`…).
        fields: Vec<&'static str>,
    },
    /// The date is later than the tenant allows (today in its time zone plus its allowance).
    #[error("issue date {date} is in the future: the latest date this tenant accepts today is {latest}")]
    IssueDateInFuture {
        /// The date asked for.
        date: NaiveDate,
        /// Today in the tenant's time zone plus its allowance.
        latest: NaiveDate,
    },
    /// The date is before the tenant's books open.
    #[error(
        "issue date {date} is before {books_open_from}, when this tenant's books open; an admin can open them earlier"
    )]
    IssueDateBeforeBooksOpen {
        /// The date asked for.
        date: NaiveDate,
        /// The first date the books accept.
        books_open_from: NaiveDate,
    },
    /// The books' opening date may only move earlier.
    #[error("the books open on {current}; they can be opened earlier, never later (asked: {requested})")]
    BooksOpenMovesEarlierOnly {
        /// The current opening date.
        current: NaiveDate,
        /// The date asked for.
        requested: NaiveDate,
    },
    /// The series was retired: it issues and reserves no more numbers.
    #[error("series {0:?} is retired: it issues no more numbers")]
    SeriesRetired(String),
    /// The template could print a number another series (or an earlier template of this one) prints.
    #[error(
        "series {series:?} with template {format:?} could print {example:?}, which {other} can print too; \
         numbers must be unique in the tenant{}",
        .proposal.as_ref().map(|p| format!(". A template that cannot collide: {p:?}")).unwrap_or_default()
    )]
    SeriesWouldCollide {
        /// The series being created or changed.
        series: String,
        /// Its template.
        format: String,
        /// What it collides with, in words: `series "INV"`, or `its own earlier template "…"`.
        other: String,
        /// A number both can print.
        example: String,
        /// A template for this series that passes the check, when one was found.
        proposal: Option<String>,
    },
    /// The issue date is before the last issued invoice of the series: numbers must follow dates.
    #[error(
        "issue date {issue_date} is before {last_issue_date}, the date of the last invoice issued in series {series:?}"
    )]
    IssueDateOutOfOrder {
        /// Series code.
        series: String,
        /// The date asked for.
        issue_date: NaiveDate,
        /// The latest date already used.
        last_issue_date: NaiveDate,
    },
    /// A reserved number would be dated after a higher number already issued.
    #[error(
        "issue date {issue_date} is after {next_date}, the date of the later number {next_number} in series {series:?}"
    )]
    IssueDateAfterLaterNumber {
        /// Series code.
        series: String,
        /// The date asked for.
        issue_date: NaiveDate,
        /// The next higher number already issued.
        next_number: String,
        /// Its date.
        next_date: NaiveDate,
    },
    /// The reservation does not exist for this tenant.
    #[error("reservation {0} does not exist")]
    ReservationNotFound(i64),
    /// The reservation was released; its unused numbers are void.
    #[error("reservation {0} was released; its unused numbers are void")]
    ReservationReleased(i64),
    /// The number is outside the reservation or was already issued.
    #[error("position {seq} of reservation {reservation} is not free")]
    ReservedNumberUnavailable {
        /// Reservation id.
        reservation: i64,
        /// Position asked for.
        seq: i64,
    },
    /// Reserved numbers belong to one period; the issue date falls in another.
    #[error("issue date {issue_date} is outside period {period} of reservation {reservation}")]
    ReservationPeriodMismatch {
        /// Reservation id.
        reservation: i64,
        /// The reservation's period.
        period: String,
        /// The date asked for.
        issue_date: NaiveDate,
    },
    /// The number exists already in the tenant: two templates overlap (possible only for series created
    /// before the collision check).
    #[error("number {number:?} already exists in {}; nothing was issued", classify::holder_words(.series, .holder))]
    InvoiceNumberTaken {
        /// The number.
        number: String,
        /// The series that tried to issue it.
        series: String,
        /// The series that holds it.
        holder: String,
    },
    /// No invoice with that number.
    #[error("invoice {0:?} does not exist")]
    InvoiceNotFound(String),
    /// Issuing kept colliding with other writers; nothing was written.
    #[error("invoice numbering is busy: gave up after {attempts} attempts; nothing was issued, try again")]
    NumberingContention {
        /// Attempts made.
        attempts: u32,
    },
    /// A write other than numbering kept colliding with other writers; nothing was written.
    #[error("the database is busy: gave up after {attempts} attempts; nothing was written, try again")]
    DatabaseBusy {
        /// Attempts made.
        attempts: u32,
    },
    /// The database refused to change a permanent record.
    #[error("issued invoices, their lines and voided numbers cannot be changed or deleted")]
    InvoiceImmutable,
    /// The idempotency key is empty, too long or not printable ASCII.
    #[error("invalid idempotency key: {0}")]
    IdempotencyKeyInvalid(&'static str),
    /// An identical request with this key is still running (HTTP 409 in the IETF draft); retry later.
    #[error(
        "a request with this idempotency key is still in progress (its lease runs to {locked_until}); try again shortly"
    )]
    IdempotencyKeyInUse {
        /// When the current holder's lease runs out.
        locked_until: DateTime<Utc>,
    },
    /// The key was used before with other arguments (HTTP 422 in the IETF draft); use a new key.
    #[error("this idempotency key was already used for {command} with different arguments; use a new key")]
    IdempotencyKeyReused {
        /// The command the key belongs to.
        command: String,
    },
    /// This request's lease on its key ran out and another request took the key over; nothing was written.
    #[error(
        "another request took over this idempotency key after its lease ran out; nothing was written, retry to get its answer"
    )]
    IdempotencyLeaseLost,
    /// The stored failure of an earlier identical request, replayed.
    #[error("{}", .0.message)]
    Replayed(ErrorBody),
    /// No license with that id for the tenant.
    #[error("license {0} does not exist")]
    LicenseNotFound(i64),
    /// The holder already has an ACTIVE license.
    #[error("{holder:?} already has an active license; revoke or suspend it first")]
    LicenseAlreadyActive {
        /// The holder.
        holder: String,
    },
    /// The action does not apply to a license in this status.
    #[error("cannot {action} license {license}: it is {}", status.as_str())]
    LicenseStateInvalid {
        /// License id.
        license: i64,
        /// Its status, expiry applied.
        status: LicenseStatus,
        /// The action asked for (`extend`, `suspend`, `resume`, `revoke`).
        action: &'static str,
    },
    /// An extension that would not move the expiry later.
    #[error("license {license} expires at {current}; an extension to {requested} would not lengthen it")]
    ExtensionShortens {
        /// License id.
        license: i64,
        /// Its current expiry.
        current: DateTime<Utc>,
        /// The expiry asked for.
        requested: DateTime<Utc>,
    },
    /// The license changed since the caller read it (HTTP 409): reload and decide again.
    #[error("license {license} has changed since you loaded it (version {expected}, now {}); reload and try again", .current.version)]
    VersionConflict {
        /// License id.
        license: i64,
        /// The version the change was based on.
        expected: i64,
        /// The license as it is now.
        current: Box<License>,
    },
    /// A payment in another currency than its invoice's.
    #[error("invoice {number:?} is in {invoice}; a payment in {payment} cannot be recorded against it")]
    PaymentCurrencyMismatch {
        /// The invoice's number.
        number: String,
        /// Its currency.
        invoice: Currency,
        /// The payment's.
        payment: Currency,
    },
    /// A payment larger than what is left to pay: refused whole, never half-applied.
    #[error(
        "a payment of {amount} {currency} exceeds what is left to pay on invoice {number:?} ({remaining} {currency})"
    )]
    PaymentExceedsBalance {
        /// The invoice's number.
        number: String,
        /// The amount paid.
        amount: Decimal,
        /// What was left to pay.
        remaining: Decimal,
        /// The currency.
        currency: Currency,
    },
    /// No webhook source of that name for the tenant.
    #[error("webhook source {name:?} does not exist for tenant {tenant:?}")]
    WebhookSourceNotFound {
        /// Tenant code.
        tenant: String,
        /// Source name.
        name: String,
    },
    /// No webhook endpoint with that id for the tenant.
    #[error("webhook endpoint {0} does not exist")]
    WebhookEndpointNotFound(i64),
    /// No inbound event with that id for the tenant.
    #[error("inbound webhook event {0} does not exist")]
    WebhookEventNotFound(i64),
    /// No outbound message with that id for the tenant.
    #[error("outbound webhook message {0} does not exist")]
    WebhookMessageNotFound(i64),
    /// A worker holds the message's lease right now: sending it again could send it twice at once.
    #[error("outbound webhook message {0} is being delivered right now; try again when its attempt is recorded")]
    WebhookMessageInDelivery(i64),
    /// Only a failed inbound event can be applied again.
    #[error("inbound event {id} is {status}: only a failed event can be applied again")]
    WebhookEventNotReapplicable {
        /// Event id.
        id: i64,
        /// Its status.
        status: ledgerdesk_types::InboundStatus,
    },
    /// An export step refused.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// A credit note refused.
    #[error(transparent)]
    Credit(#[from] CreditError),
    /// Refused for who is acting, or a sign-in that failed.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// A print of an invoice's document came out different from its first print.
    #[error(
        "the document of invoice {number} would print differently from its first print (recorded SHA-256 {recorded}, this print {rendered}); nothing was saved — report it, this version cannot reproduce it"
    )]
    DocumentNotReproducible {
        /// The invoice.
        number: String,
        /// The hash of its first print.
        recorded: String,
        /// The hash of this print.
        rendered: String,
    },
    /// An invoice's document could not be rendered as a PDF.
    #[error("the document of invoice {number} could not be rendered as a PDF: {detail}")]
    DocumentRender {
        /// The invoice.
        number: String,
        /// What the renderer said.
        detail: String,
    },
    /// `audit verify` found the chain broken.
    #[error("the audit trail is broken at entry {}: {} ({})", .0.seq, .0.kind, .0.detail)]
    AuditChainBroken(ledgerdesk_types::BrokenLink),
    /// An inbound request refused before anything was applied (it is recorded with its reason).
    #[error("webhook refused: {}", .0.reason())]
    WebhookRefused(Refusal),
    /// Anything else the database reported.
    #[error("{backend} error: {detail}")]
    Storage {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What the driver said.
        detail: String,
    },
    /// A lock or busy error that the retry loop may retry; never leaves the core library.
    #[error("{backend} is busy: {detail}")]
    Transient {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What the driver said.
        detail: String,
    },
}
