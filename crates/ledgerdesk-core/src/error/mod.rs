//! The one error type of the core library: a stable code, an English and a Turkish message.
//!
//! Each backend maps its driver's errors into this enum (see `db::sqlite` and `db::postgres`), so
//! callers match on meaning, never on a driver error.

mod turkish;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerdesk_types::{ErrorBody, License, LicenseStatus, LineError, Localized};

/// Result alias for the core library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a Ledgerdesk guard.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--db` / `LEDGERDESK_DB` is neither `sqlite:PATH` nor `postgres://…`.
    #[error("invalid database URL {0:?}: use sqlite:PATH or postgres://user@host/db")]
    InvalidDatabaseUrl(String),
    /// The database could not be opened or reached.
    #[error("cannot open the {backend} database: {detail}")]
    DatabaseUnavailable {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What the driver said.
        detail: String,
    },
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
    #[error("{kind} {code:?} already exists with different attributes")]
    AlreadyExistsDifferently {
        /// `tenant`, `series` or `customer`.
        kind: &'static str,
        /// Its code.
        code: String,
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
    /// Another series of the tenant already printed this number: the two templates overlap.
    #[error(
        "number {0:?} already exists in another series of this tenant; give each series its own prefix or {{SERIES}}"
    )]
    InvoiceNumberTaken(String),
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

impl Error {
    /// [`Error::DatabaseBusy`], as the retry loop names an exhausted write.
    pub fn busy(attempts: u32) -> Self {
        Error::DatabaseBusy { attempts }
    }

    /// [`Error::NumberingContention`], as the retry loop names an exhausted numbering write.
    pub fn contention(attempts: u32) -> Self {
        Error::NumberingContention { attempts }
    }

    /// A validation error for `field`, in both languages.
    pub fn invalid(field: &'static str, reason: impl Into<String>, reason_tr: impl Into<String>) -> Self {
        Error::InvalidInput { field, reason: reason.into(), reason_tr: reason_tr.into() }
    }

    /// Whether trying the whole transaction again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Transient { .. })
    }

    /// Whether the same request may succeed later as it is: contention, an unreachable database, a key
    /// still in use. An idempotent command does not store such an error; it frees its key instead.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Transient { .. }
                | Error::NumberingContention { .. }
                | Error::DatabaseBusy { .. }
                | Error::DatabaseUnavailable { .. }
                | Error::Storage { .. }
                | Error::IdempotencyKeyInUse { .. }
                | Error::IdempotencyLeaseLost
        )
    }
}

impl Localized for Error {
    fn code(&self) -> &str {
        match self {
            Error::InvalidDatabaseUrl(_) => "invalid_database_url",
            Error::DatabaseUnavailable { .. } => "database_unavailable",
            Error::MigrationChecksumMismatch { .. } => "migration_checksum_mismatch",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::InvalidInput { .. } => "invalid_input",
            Error::Line(e) => e.code(),
            Error::SeriesFormatInvalid { .. } => "series_format_invalid",
            Error::TenantNotFound(_) => "tenant_not_found",
            Error::SeriesNotFound { .. } => "series_not_found",
            Error::CustomerNotFound { .. } => "customer_not_found",
            Error::AlreadyExistsDifferently { .. } => "already_exists_differently",
            Error::IssueDateOutOfOrder { .. } | Error::IssueDateAfterLaterNumber { .. } => "issue_date_out_of_order",
            Error::ReservationNotFound(_) => "reservation_not_found",
            Error::ReservationReleased(_) => "reservation_released",
            Error::ReservedNumberUnavailable { .. } => "reserved_number_unavailable",
            Error::ReservationPeriodMismatch { .. } => "reservation_period_mismatch",
            Error::InvoiceNumberTaken(_) => "invoice_number_taken",
            Error::InvoiceNotFound(_) => "invoice_not_found",
            Error::NumberingContention { .. } => "numbering_contention",
            Error::DatabaseBusy { .. } => "database_busy",
            Error::InvoiceImmutable => "invoice_immutable",
            Error::Storage { .. } => "storage_error",
            Error::Transient { .. } => "database_busy",
            Error::IdempotencyKeyInvalid(_) => "idempotency_key_invalid",
            Error::IdempotencyKeyInUse { .. } => "idempotency_key_in_use",
            Error::IdempotencyKeyReused { .. } => "idempotency_key_reused",
            Error::IdempotencyLeaseLost => "idempotency_lease_lost",
            Error::Replayed(body) => &body.code,
            Error::LicenseNotFound(_) => "license_not_found",
            Error::LicenseAlreadyActive { .. } => "license_already_active",
            Error::LicenseStateInvalid { .. } => "license_state_invalid",
            Error::ExtensionShortens { .. } => "license_extension_shortens",
            Error::VersionConflict { .. } => "version_conflict",
        }
    }

    fn message_tr(&self) -> String {
        turkish::message(self)
    }

    fn details(&self) -> Option<String> {
        match self {
            Error::InvalidInput { field, .. } => Some((*field).to_owned()),
            Error::Line(e) => e.details(),
            Error::Replayed(body) => body.details.clone(),
            // The license as it is now, so the UI can show what changed.
            Error::VersionConflict { current, .. } => serde_json::to_string(current).ok(),
            Error::IdempotencyKeyInUse { locked_until } => Some(locked_until.to_rfc3339()),
            _ => None,
        }
    }
}
