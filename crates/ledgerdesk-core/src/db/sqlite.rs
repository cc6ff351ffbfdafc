//! The SQLite store: one file, WAL, `synchronous=FULL`, foreign keys on, every write under
//! `BEGIN IMMEDIATE` so that two writers never both read a counter before either writes it.
//!
//! rusqlite is blocking: every call runs on tokio's blocking pool, never on the async workers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use std::time::{Duration, Instant};

use ledgerdesk_types::{
    AssignLicense, ChangeLicense, IdempotencyQuery, IdempotencyRecord, InvoiceListQuery, InvoiceSummary, IssuedInvoice,
    KeyStatus, License, LicenseQuery, NumberingAudit, Purged, Reply,
};
use rand::Rng;
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::Semaphore;

use super::Param;
use crate::error::{Error, Result};
use crate::idempotency::{Claim, Command, Held, KeyLedger, Scope};
use crate::model::{
    Created, Customer, IssueInvoice, NewCustomer, NewSeries, NewTenant, Released, Reservation, ReserveNumbers, Series,
    Tenant,
};
use crate::numbering::now;
use crate::store::{Store, StoreOptions};
use crate::{audit, catalog, fault, idempotency, invoices, licenses, migrate, numbering};

/// Maps a rusqlite error onto the core error.
pub(crate) fn map_err(e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(failure, message) = &e {
        let message = message.as_deref().unwrap_or("");
        match failure.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return Error::Transient { backend: "sqlite", detail: e.to_string() };
            }
            ErrorCode::ConstraintViolation if message.starts_with("invoice_immutable") => {
                return Error::InvoiceImmutable;
            }
            ErrorCode::CannotOpen | ErrorCode::NotADatabase | ErrorCode::ReadOnly | ErrorCode::PermissionDenied => {
                return Error::DatabaseUnavailable { backend: "sqlite", detail: e.to_string() };
            }
            _ => {}
        }
    }
    Error::Storage { backend: "sqlite", detail: e.to_string() }
}

/// `?`-friendly conversion of rusqlite results.
pub(crate) trait SqliteResultExt<T> {
    /// Maps the error with [`map_err`].
    fn db(self) -> Result<T>;
}

impl<T> SqliteResultExt<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T> {
        self.map_err(map_err)
    }
}

/// The offline store: one SQLite file shared by every thread and process that opens it.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    options: StoreOptions,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
    /// Writers of this process queue here, first come first served, before `BEGIN IMMEDIATE`.
    /// Fairness, not safety: SQLite's busy handler sleeps and retries in no order, which let p99 latency
    /// under 32 writers climb past a second. Other processes are excluded by the database lock alone.
    writers: tokio::sync::Mutex<()>,
}

/// Opening a fresh file races with other processes doing the same: `PRAGMA journal_mode=WAL` can fail
/// with SQLITE_BUSY without consulting the busy handler, so opening retries for this long.
const OPEN_PATIENCE: Duration = Duration::from_secs(30);

fn open_connection(path: &Path, options: &StoreOptions) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let unavailable = |e: rusqlite::Error| Error::DatabaseUnavailable { backend: "sqlite", detail: e.to_string() };
    let conn = Connection::open_with_flags(path, flags).map_err(unavailable)?;
    conn.busy_timeout(options.lock_timeout).map_err(unavailable)?;
    let deadline = Instant::now() + OPEN_PATIENCE;
    loop {
        let configured = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .and_then(|_| conn.pragma_update(None, "synchronous", "FULL"))
            .and_then(|_| conn.pragma_update(None, "foreign_keys", "ON"));
        match configured.db() {
            Ok(()) => return Ok(conn),
            Err(e) if e.is_transient() && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(rand::rng().random_range(5..50)));
            }
            Err(Error::Transient { detail, .. } | Error::Storage { detail, .. }) => {
                return Err(Error::DatabaseUnavailable { backend: "sqlite", detail });
            }
            Err(e) => return Err(e),
        }
    }
}

impl Inner {
    fn take(&self) -> Result<Connection> {
        let pooled = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => open_connection(&self.path, &self.options),
        }
    }

    fn give_back(&self, conn: Connection) {
        self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(conn);
    }
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the SQLite file at `path`.
    pub async fn open(path: impl Into<PathBuf>, options: StoreOptions) -> Result<Self> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::DatabaseUnavailable {
                backend: "sqlite",
                detail: format!("cannot create {}: {e}", dir.display()),
            })?;
        }
        let store = SqliteStore {
            inner: Arc::new(Inner {
                path,
                options,
                idle: Mutex::new(Vec::new()),
                permits: Semaphore::new(options.max_connections.max(1) as usize),
                writers: tokio::sync::Mutex::new(()),
            }),
        };
        store
            .inner
            .options
            .retry
            .run(|attempts| Error::DatabaseBusy { attempts }, || store.with_conn(migrate::sqlite::run))
            .await?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a pooled connection on the blocking pool.
    async fn with_conn<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Storage { backend: "sqlite", detail: "the store is closed".into() })?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.take()?;
            let result = f(&mut conn);
            inner.give_back(conn);
            result
        })
        .await
        .map_err(|e| Error::Storage { backend: "sqlite", detail: format!("worker failed: {e}") })?
    }

    /// Runs `f` in a read transaction, retried on busy.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Transaction<'_>) -> Result<T> + Send + Sync + 'static,
    {
        self.transaction(Kind::Read, |attempts| Error::DatabaseBusy { attempts }, f).await
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction, retried whole on busy; `exhausted` names the error
    /// when the retries run out. The commit is on disk when this returns (`synchronous=FULL`).
    pub(crate) async fn write<T, F>(&self, exhausted: fn(u32) -> Error, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Transaction<'_>) -> Result<T> + Send + Sync + 'static,
    {
        self.transaction(Kind::Write { synced: true }, exhausted, f).await
    }

    /// As [`Self::write`], but the commit is not waited onto disk (`synchronous=NORMAL`): a crash may
    /// lose it. For records whose loss costs only a retry, such as an idempotency claim: the next
    /// synced commit syncs the whole WAL file, so the claim is durable by the time its effect is.
    pub(crate) async fn write_unsynced<T, F>(&self, exhausted: fn(u32) -> Error, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Transaction<'_>) -> Result<T> + Send + Sync + 'static,
    {
        self.transaction(Kind::Write { synced: false }, exhausted, f).await
    }

    async fn transaction<T, F>(&self, kind: Kind, exhausted: fn(u32) -> Error, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Transaction<'_>) -> Result<T> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        self.inner
            .options
            .retry
            .run(exhausted, || async {
                let _turn = match kind {
                    Kind::Read => None,
                    Kind::Write { .. } => Some(self.inner.writers.lock().await),
                };
                let f = Arc::clone(&f);
                self.with_conn(move |conn| {
                    let behavior = match kind {
                        Kind::Read => TransactionBehavior::Deferred,
                        Kind::Write { synced } => {
                            // Set on every write, so no connection carries another write's level.
                            conn.pragma_update(None, "synchronous", if synced { "FULL" } else { "NORMAL" }).db()?;
                            TransactionBehavior::Immediate
                        }
                    };
                    let tx = conn.transaction_with_behavior(behavior).db()?;
                    let value = f(&tx)?;
                    tx.commit().db()?;
                    Ok(value)
                })
                .await
            })
            .await
    }
}

/// What a transaction does.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Read,
    Write { synced: bool },
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn add_tenant(&self, tenant: NewTenant) -> Result<Created<Tenant>> {
        catalog::validate_tenant(&tenant)?;
        self.write(|attempts| Error::DatabaseBusy { attempts }, move |tx| catalog::sqlite::add_tenant(tx, &tenant))
            .await
    }

    async fn add_series(&self, series: NewSeries) -> Result<Created<Series>> {
        catalog::validate_series(&series)?;
        self.write(|attempts| Error::DatabaseBusy { attempts }, move |tx| catalog::sqlite::add_series(tx, &series))
            .await
    }

    async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>> {
        catalog::validate_customer(&customer)?;
        self.write(|attempts| Error::DatabaseBusy { attempts }, move |tx| catalog::sqlite::add_customer(tx, &customer))
            .await
    }

    async fn list_series(&self, tenant: &str) -> Result<Vec<Series>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| catalog::sqlite::list_series(tx, &tenant)).await
    }

    async fn list_customers(&self, tenant: &str) -> Result<Vec<Customer>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| catalog::sqlite::list_customers(tx, &tenant)).await
    }

    async fn issue_invoice_keyed(&self, request: IssueInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>> {
        idempotency::execute(self, numbering::Draft::validate(request)?, key).await
    }

    async fn assign_license(&self, request: AssignLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        idempotency::execute(self, licenses::Assign::new(request, actor)?, key).await
    }

    async fn change_license(&self, request: ChangeLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        idempotency::execute(self, licenses::Change::new(request, actor)?, key).await
    }

    async fn get_license(&self, tenant: &str, id: i64) -> Result<License> {
        let tenant = tenant.to_owned();
        self.read(move |tx| licenses::sqlite::get(tx, &tenant, id, now())).await
    }

    async fn list_licenses(&self, tenant: &str, query: &LicenseQuery) -> Result<Vec<License>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| licenses::sqlite::list(tx, &tenant, &query, now())).await
    }

    async fn expire_licenses(&self, tenant: &str, actor: &str) -> Result<u64> {
        numbering::validate_user(actor)?;
        let (tenant, actor) = (tenant.to_owned(), actor.to_owned());
        self.write(
            |attempts| Error::DatabaseBusy { attempts },
            move |tx| licenses::sqlite::expire(tx, &tenant, &actor, now()),
        )
        .await
    }

    async fn list_idempotency_records(&self, tenant: &str, query: &IdempotencyQuery) -> Result<Vec<IdempotencyRecord>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| idempotency::sqlite::list(tx, &tenant, &query, now())).await
    }

    async fn get_idempotency_record(
        &self,
        tenant: &str,
        user: &str,
        command: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>> {
        let scope = Scope::lookup(tenant, user, command, key);
        self.read(move |tx| idempotency::sqlite::get(tx, &scope)).await
    }

    async fn purge_idempotency_records(&self, batch: u32) -> Result<Purged> {
        idempotency::purge_in_batches(batch, |batch| {
            self.write(
                |attempts| Error::DatabaseBusy { attempts },
                move |tx| idempotency::sqlite::purge_batch(tx, now(), batch),
            )
        })
        .await
    }

    async fn get_invoice(&self, tenant: &str, number: &str) -> Result<IssuedInvoice> {
        let (tenant, number) = (tenant.to_owned(), number.to_owned());
        self.read(move |tx| invoices::sqlite::get(tx, &tenant, &number)).await
    }

    async fn list_invoices(&self, tenant: &str, query: &InvoiceListQuery) -> Result<Vec<InvoiceSummary>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| invoices::sqlite::list(tx, &tenant, &query)).await
    }

    async fn reserve_numbers(&self, request: ReserveNumbers) -> Result<Reservation> {
        numbering::validate_reservation(&request)?;
        self.write(
            |attempts| Error::NumberingContention { attempts },
            move |tx| numbering::sqlite::reserve(tx, &request),
        )
        .await
    }

    async fn release_reservation(&self, tenant: &str, reservation: i64, user: &str) -> Result<Released> {
        numbering::validate_user(user)?;
        let (tenant, user) = (tenant.to_owned(), user.to_owned());
        self.write(
            |attempts| Error::NumberingContention { attempts },
            move |tx| numbering::sqlite::release(tx, &tenant, reservation, &user),
        )
        .await
    }

    async fn audit_numbering(&self, tenant: &str) -> Result<Vec<NumberingAudit>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| audit::sqlite::audit(tx, &tenant)).await
    }

    async fn bench_counter_increment(&self, tenant: &str, series: &str, period: &str) -> Result<i64> {
        let (tenant, series, period) = (tenant.to_owned(), series.to_owned(), period.to_owned());
        self.write(
            |attempts| Error::NumberingContention { attempts },
            move |tx| numbering::sqlite::bare_increment(tx, &tenant, &series, &period),
        )
        .await
    }
}

impl KeyLedger for SqliteStore {
    async fn claim(&self, scope: &Scope, fingerprint: &str) -> Result<Claim> {
        let (scope, fingerprint, policy) = (scope.clone(), fingerprint.to_owned(), self.inner.options.keys);
        self.write_unsynced(
            |attempts| Error::DatabaseBusy { attempts },
            move |tx| idempotency::sqlite::claim(tx, &scope, &fingerprint, policy, now()),
        )
        .await
    }

    async fn apply<C: Command>(&self, command: &Arc<C>, held: Option<&Held>) -> Result<C::Output> {
        let (command, held) = (Arc::clone(command), held.cloned());
        self.write(C::exhausted, move |tx| {
            if let Some(held) = &held
                && !idempotency::sqlite::confirm(tx, held)?
            {
                return Err(Error::IdempotencyLeaseLost);
            }
            let value = command.apply_sqlite(tx)?;
            if let Some(held) = &held {
                let response = idempotency::to_json(&value)?;
                if !idempotency::sqlite::finish(tx, held, KeyStatus::Completed, &response, now())? {
                    return Err(Error::IdempotencyLeaseLost);
                }
                fault::pause_blocking("before-commit");
            }
            Ok(value)
        })
        .await
    }

    async fn record_failure(&self, held: &Held, error: &str) -> Result<()> {
        let (held, error) = (held.clone(), error.to_owned());
        self.write(
            |attempts| Error::DatabaseBusy { attempts },
            move |tx| idempotency::sqlite::finish(tx, &held, KeyStatus::Failed, &error, now()).map(drop),
        )
        .await
    }

    async fn release(&self, held: &Held) -> Result<()> {
        let held = held.clone();
        self.write(|attempts| Error::DatabaseBusy { attempts }, move |tx| idempotency::sqlite::release(tx, &held)).await
    }
}

/// Binds the parameters of a query built at run time. Times are written as rusqlite writes a
/// `DateTime<Utc>` (`%F %T%.f%:z`), so they compare correctly with stored ones.
pub(crate) fn bind_all(params: Vec<Param>) -> rusqlite::ParamsFromIter<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value;
    let values = params
        .into_iter()
        .map(|param| match param {
            Param::Text(text) => Value::Text(text),
            Param::Int(int) => Value::Integer(int),
            Param::Time(time) => Value::Text(time.format("%F %T%.f%:z").to_string()),
        })
        .collect();
    rusqlite::params_from_iter(values)
}

/// Reads a decimal stored as text (SQLite has no exact numeric type).
pub(crate) fn decimal_at(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<rust_decimal::Decimal> {
    let text: String = row.get(index)?;
    text.parse().map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e)))
}

/// Reads a currency code.
pub(crate) fn currency_at(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<ledgerdesk_types::Currency> {
    let text: String = row.get(index)?;
    text.parse().map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e)))
}
