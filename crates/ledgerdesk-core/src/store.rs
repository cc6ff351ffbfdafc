//! The store contract and how a database URL becomes a store.
//!
//! Implementations, one line each:
//! - [`SqliteStore`]: one local SQLite file (offline mode); every write under `BEGIN IMMEDIATE`.
//! - [`PgStore`]: one shared Postgres (connected mode); row locks taken last, in one global order.
//!
//! [`AnyStore`] picks one at run time from a URL. The conformance suite in `tests/` holds both to the
//! same behaviour.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use ledgerdesk_types::{
    AssignLicense, BatchItem, BatchOutcome, BatchTarget, ChangeLicense, IdempotencyQuery, IdempotencyRecord,
    InvoiceListQuery, InvoiceSummary, IssuedInvoice, License, LicenseAction, LicenseQuery, Localized, NumberingAudit,
    Purged, Reply,
};

use crate::db::{PgStore, SqliteStore};
use crate::error::{Error, Result};
use crate::idempotency::KeyPolicy;
use crate::model::{
    Created, Customer, IssueInvoice, NewCustomer, NewSeries, NewTenant, Released, Reservation, ReserveNumbers, Series,
    Tenant,
};
use crate::retry::RetryPolicy;

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (`sqlite:PATH`, `sqlite://PATH`).
    Sqlite(PathBuf),
    /// A Postgres server (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `sqlite:PATH` or `postgres://…`.
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"));
        match path {
            Some(p) if !p.is_empty() => Ok(DatabaseUrl::Sqlite(PathBuf::from(p))),
            _ => Err(Error::InvalidDatabaseUrl(url.to_owned())),
        }
    }
}

/// Identifier of the app: the desktop shell's bundle identifier and the folder of its data.
pub const APP_IDENTIFIER: &str = "app.ledgerdesk";

/// The default database: `ledgerdesk.sqlite3` in the OS app-data directory
/// (`~/.local/share/app.ledgerdesk/` on Linux), shared by the CLI and the desktop app.
pub fn default_sqlite_path() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.data_dir().join(APP_IDENTIFIER).join("ledgerdesk.sqlite3"))
}

/// Tuning shared by both backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long one statement waits for a lock before the transaction is retried
    /// (SQLite `busy_timeout`, Postgres `lock_timeout`).
    pub lock_timeout: Duration,
    /// Retries of a whole transaction after a lock error.
    pub retry: RetryPolicy,
    /// Largest number of open connections.
    pub max_connections: u32,
    /// Lease and lifetime of idempotency keys.
    pub keys: KeyPolicy,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            lock_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            max_connections: 16,
            keys: KeyPolicy::default(),
        }
    }
}

/// Most targets one batch may name.
pub const MAX_BATCH: usize = 500;

/// Everything the guards promise, on any database.
///
/// Every method is one transaction: it takes effect whole or not at all.
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Creates a tenant, or returns the identical one that exists.
    fn add_tenant(&self, tenant: NewTenant) -> impl Future<Output = Result<Created<Tenant>>> + Send;

    /// Creates a series, or returns the identical one that exists.
    fn add_series(&self, series: NewSeries) -> impl Future<Output = Result<Created<Series>>> + Send;

    /// Creates a customer, or returns the identical one that exists.
    fn add_customer(&self, customer: NewCustomer) -> impl Future<Output = Result<Created<Customer>>> + Send;

    /// The series of a tenant, by code.
    fn list_series(&self, tenant: &str) -> impl Future<Output = Result<Vec<Series>>> + Send;

    /// The customers of a tenant, by code.
    fn list_customers(&self, tenant: &str) -> impl Future<Output = Result<Vec<Customer>>> + Send;

    /// Issues an invoice: its number is taken in the same transaction that writes it, so a failed issue
    /// consumes no number. With `key`, at most once per key (see [`crate::idempotency`]).
    fn issue_invoice_keyed(
        &self,
        request: IssueInvoice,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<IssuedInvoice>>> + Send;

    /// Issues an invoice, without an idempotency key.
    fn issue_invoice(&self, request: IssueInvoice) -> impl Future<Output = Result<IssuedInvoice>> + Send {
        async move { self.issue_invoice_keyed(request, None).await.map(|reply| reply.value) }
    }

    /// One invoice by number.
    fn get_invoice(&self, tenant: &str, number: &str) -> impl Future<Output = Result<IssuedInvoice>> + Send;

    /// One page of invoices, newest first.
    fn list_invoices(
        &self,
        tenant: &str,
        query: &InvoiceListQuery,
    ) -> impl Future<Output = Result<Vec<InvoiceSummary>>> + Send;

    /// Takes a block of consecutive numbers off the counter for later issues.
    fn reserve_numbers(&self, request: ReserveNumbers) -> impl Future<Output = Result<Reservation>> + Send;

    /// Ends a reservation: its unused numbers go to the voided-numbers register.
    fn release_reservation(
        &self,
        tenant: &str,
        reservation: i64,
        user: &str,
    ) -> impl Future<Output = Result<Released>> + Send;

    /// Continuity of every (series, period) of a tenant.
    fn audit_numbering(&self, tenant: &str) -> impl Future<Output = Result<Vec<NumberingAudit>>> + Send;

    /// Assigns a license to a holder, who must have no other ACTIVE one. With `key`, at most once per key.
    fn assign_license(
        &self,
        request: AssignLicense,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<License>>> + Send;

    /// Extends, suspends, resumes or revokes a license, if it is still at the version the caller saw.
    /// With `key`, at most once per key.
    fn change_license(
        &self,
        request: ChangeLicense,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<License>>> + Send;

    /// Applies one action to many licenses, each on its own (one may fail, the others still apply), in
    /// license id order; returns an outcome per target, in the order given, and the totals. With `key`,
    /// each item runs under the key `KEY/LICENSE_ID`, so a retried batch replays the items already done.
    fn change_licenses(
        &self,
        tenant: &str,
        targets: &[BatchTarget],
        action: LicenseAction,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<BatchOutcome>> + Send {
        async move {
            crate::licenses::validate_batch(targets)?;
            let mut order: Vec<usize> = (0..targets.len()).collect();
            order.sort_by_key(|&i| targets[i].license);
            let mut items: Vec<Option<BatchItem>> = vec![None; targets.len()];
            for i in order {
                let target = targets[i];
                let request = ChangeLicense {
                    tenant: tenant.to_owned(),
                    license: target.license,
                    expected_version: target.expected_version,
                    action,
                };
                let item_key = key.map(|key| format!("{key}/{}", target.license));
                let result = self.change_license(request, actor, item_key.as_deref()).await;
                items[i] = Some(match result {
                    Ok(reply) => BatchItem {
                        license: target.license,
                        license_after: Some(reply.value),
                        error: None,
                        replayed: reply.replayed,
                    },
                    Err(error) => BatchItem {
                        license: target.license,
                        license_after: None,
                        replayed: matches!(error, Error::Replayed(_)),
                        error: Some(error.to_body()),
                    },
                });
            }
            Ok(BatchOutcome::new(items.into_iter().flatten().collect()))
        }
    }

    /// One license, expiry applied.
    fn get_license(&self, tenant: &str, id: i64) -> impl Future<Output = Result<License>> + Send;

    /// Licenses of a tenant, newest first (at most 500), expiry applied.
    fn list_licenses(&self, tenant: &str, query: &LicenseQuery) -> impl Future<Output = Result<Vec<License>>> + Send;

    /// Writes EXPIRED on every ACTIVE or SUSPENDED license past its expiry; returns how many changed.
    fn expire_licenses(&self, tenant: &str, actor: &str) -> impl Future<Output = Result<u64>> + Send;

    /// Idempotency records of a tenant, newest first.
    fn list_idempotency_records(
        &self,
        tenant: &str,
        query: &IdempotencyQuery,
    ) -> impl Future<Output = Result<Vec<IdempotencyRecord>>> + Send;

    /// One idempotency record by its full scope.
    fn get_idempotency_record(
        &self,
        tenant: &str,
        user: &str,
        command: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>>> + Send;

    /// Deletes expired idempotency records (of every tenant), at most `batch` rows per transaction.
    fn purge_idempotency_records(&self, batch: u32) -> impl Future<Output = Result<Purged>> + Send;

    /// The raw baseline of `ledgerdesk bench numbering`: one bare counter-row increment in its own
    /// transaction, through the same locking as an issue, with no invoice written. Returns the value taken.
    fn bench_counter_increment(
        &self,
        tenant: &str,
        series: &str,
        period: &str,
    ) -> impl Future<Output = Result<i64>> + Send;
}

/// A store chosen at run time.
#[derive(Clone)]
pub enum AnyStore {
    /// Offline mode.
    Sqlite(SqliteStore),
    /// Connected mode.
    Postgres(PgStore),
}

impl AnyStore {
    /// Opens (and migrates) the database at `url`.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Self> {
        match DatabaseUrl::parse(url)? {
            DatabaseUrl::Sqlite(path) => Ok(AnyStore::Sqlite(SqliteStore::open(path, options).await?)),
            DatabaseUrl::Postgres(url) => Ok(AnyStore::Postgres(PgStore::connect(&url, options).await?)),
        }
    }
}

/// Forwards a call to whichever store is inside.
macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call.await,
            AnyStore::Postgres($store) => $call.await,
        }
    };
}

impl Store for AnyStore {
    fn backend(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(s) => s.backend(),
            AnyStore::Postgres(s) => s.backend(),
        }
    }
    async fn add_tenant(&self, tenant: NewTenant) -> Result<Created<Tenant>> {
        dispatch!(self, s => s.add_tenant(tenant))
    }
    async fn add_series(&self, series: NewSeries) -> Result<Created<Series>> {
        dispatch!(self, s => s.add_series(series))
    }
    async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>> {
        dispatch!(self, s => s.add_customer(customer))
    }
    async fn list_series(&self, tenant: &str) -> Result<Vec<Series>> {
        dispatch!(self, s => s.list_series(tenant))
    }
    async fn list_customers(&self, tenant: &str) -> Result<Vec<Customer>> {
        dispatch!(self, s => s.list_customers(tenant))
    }
    async fn issue_invoice_keyed(&self, request: IssueInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>> {
        dispatch!(self, s => s.issue_invoice_keyed(request, key))
    }
    async fn assign_license(&self, request: AssignLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        dispatch!(self, s => s.assign_license(request, actor, key))
    }
    async fn change_license(&self, request: ChangeLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        dispatch!(self, s => s.change_license(request, actor, key))
    }
    async fn get_license(&self, tenant: &str, id: i64) -> Result<License> {
        dispatch!(self, s => s.get_license(tenant, id))
    }
    async fn list_licenses(&self, tenant: &str, query: &LicenseQuery) -> Result<Vec<License>> {
        dispatch!(self, s => s.list_licenses(tenant, query))
    }
    async fn expire_licenses(&self, tenant: &str, actor: &str) -> Result<u64> {
        dispatch!(self, s => s.expire_licenses(tenant, actor))
    }
    async fn list_idempotency_records(&self, tenant: &str, query: &IdempotencyQuery) -> Result<Vec<IdempotencyRecord>> {
        dispatch!(self, s => s.list_idempotency_records(tenant, query))
    }
    async fn get_idempotency_record(
        &self,
        tenant: &str,
        user: &str,
        command: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>> {
        dispatch!(self, s => s.get_idempotency_record(tenant, user, command, key))
    }
    async fn purge_idempotency_records(&self, batch: u32) -> Result<Purged> {
        dispatch!(self, s => s.purge_idempotency_records(batch))
    }
    async fn get_invoice(&self, tenant: &str, number: &str) -> Result<IssuedInvoice> {
        dispatch!(self, s => s.get_invoice(tenant, number))
    }
    async fn list_invoices(&self, tenant: &str, query: &InvoiceListQuery) -> Result<Vec<InvoiceSummary>> {
        dispatch!(self, s => s.list_invoices(tenant, query))
    }
    async fn reserve_numbers(&self, request: ReserveNumbers) -> Result<Reservation> {
        dispatch!(self, s => s.reserve_numbers(request))
    }
    async fn release_reservation(&self, tenant: &str, reservation: i64, user: &str) -> Result<Released> {
        dispatch!(self, s => s.release_reservation(tenant, reservation, user))
    }
    async fn audit_numbering(&self, tenant: &str) -> Result<Vec<NumberingAudit>> {
        dispatch!(self, s => s.audit_numbering(tenant))
    }
    async fn bench_counter_increment(&self, tenant: &str, series: &str, period: &str) -> Result<i64> {
        dispatch!(self, s => s.bench_counter_increment(tenant, series, period))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_kinds_of_url_and_refuses_others() {
        assert_eq!(DatabaseUrl::parse("sqlite:/tmp/a.db").unwrap(), DatabaseUrl::Sqlite("/tmp/a.db".into()));
        assert_eq!(DatabaseUrl::parse("sqlite://rel.db").unwrap(), DatabaseUrl::Sqlite("rel.db".into()));
        assert!(matches!(DatabaseUrl::parse("postgres://u@h/d").unwrap(), DatabaseUrl::Postgres(_)));
        assert!(matches!(DatabaseUrl::parse("postgresql://u@h/d").unwrap(), DatabaseUrl::Postgres(_)));
        for bad in ["", "sqlite:", "mysql://x", "/tmp/a.db"] {
            assert!(matches!(DatabaseUrl::parse(bad), Err(Error::InvalidDatabaseUrl(_))), "{bad}");
        }
    }
}
