//! The SQLite store: one file, WAL, `synchronous=FULL`, foreign keys on, every write under
//! `BEGIN IMMEDIATE` so that two writers never both read a counter before either writes it.
//!
//! rusqlite is blocking: every call runs on tokio's blocking pool, never on the async workers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::Semaphore;

use super::options::StoreOptions;
use super::{Backend, Param};
use crate::error::{Error, Result};

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
    /// A store over the file at `path` that has opened no connection yet. `crate::migrate` opens it
    /// (the schema is checked, and brought up to date, before any other use).
    pub(crate) fn unopened(path: PathBuf, options: StoreOptions) -> Self {
        SqliteStore {
            inner: Arc::new(Inner {
                path,
                options,
                idle: Mutex::new(Vec::new()),
                permits: Semaphore::new(options.max_connections.max(1) as usize),
                writers: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The options it was opened with.
    pub(crate) fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a pooled connection on the blocking pool.
    pub(crate) async fn with_conn<T, F>(&self, f: F) -> Result<T>
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
        self.transaction(Kind::Read, Error::busy, f).await
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

impl Backend for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
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
