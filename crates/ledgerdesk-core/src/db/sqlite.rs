//! The SQLite store: one file, WAL, `synchronous=FULL`, foreign keys on, every write under
//! `BEGIN IMMEDIATE` so that two writers never both read a counter before either writes it.
//!
//! A connection never creates its file: a book is created on purpose ([`create_book_file`]), and a
//! missing one is `book_not_found`. A book this process cannot write is opened read-only: reads work,
//! writes fail at once with `book_read_only`, and the file's bytes stay as they are.
//!
//! rusqlite is blocking: every call runs on tokio's blocking pool, never on the async workers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ledgerdesk_types::Identity;
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
        if failure.code == ErrorCode::ConstraintViolation
            && let Some(rule) = super::database_rule(message)
        {
            return rule;
        }
        match failure.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return Error::Transient { backend: "sqlite", detail: e.to_string() };
            }
            ErrorCode::ConstraintViolation if message.starts_with("invoice_immutable") => {
                return Error::InvoiceImmutable;
            }
            ErrorCode::ConstraintViolation if message.starts_with("record_immutable") => {
                return Error::RecordImmutable(message.trim_start_matches("record_immutable: ").to_owned());
            }
            ErrorCode::ReadOnly => return Error::BookReadOnly("this book".to_owned()),
            ErrorCode::NotADatabase => return Error::NotABook(e.to_string()),
            ErrorCode::DatabaseCorrupt => return Error::BookDamaged(e.to_string()),
            ErrorCode::DiskFull => return Error::DiskFull { backend: "sqlite", detail: e.to_string() },
            ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                return Error::DatabaseUnavailable { backend: "sqlite", detail: e.to_string() };
            }
            _ => {}
        }
    }
    Error::Storage { backend: "sqlite", detail: e.to_string() }
}

/// `query_row` and `execute` through the connection's statement cache: the hot paths (an issue, its
/// audit entry, its outbox event, its key) run the same few statements over and over, and preparing
/// them anew each time was a large part of an issue's cost.
pub(crate) trait Cached {
    /// [`Connection::query_row`], with the statement prepared once per connection.
    fn cached_row<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;

    /// [`Connection::execute`], with the statement prepared once per connection.
    fn cached_execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl Cached for Connection {
    fn cached_row<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    fn cached_execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}

/// Statements each connection keeps prepared (rusqlite's default is 16, fewer than one issue runs).
const STATEMENT_CACHE: usize = 128;

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
    /// Whom this handle acts as: the owner until [`SqliteStore::sign_in`] gives a handle acting as an
    /// account (see `identity`). Clones share the file and the pool, each keeping its own identity.
    identity: Arc<Identity>,
}

struct Inner {
    path: PathBuf,
    access: Access,
    options: StoreOptions,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
    /// Writers of this process queue here, first come first served, before `BEGIN IMMEDIATE`.
    /// Fairness, not safety: SQLite's busy handler sleeps and retries in no order, which let p99 latency
    /// under 32 writers climb past a second. Other processes are excluded by the database lock alone.
    writers: tokio::sync::Mutex<()>,
    shared: super::shared::Shared,
}

/// Opening a fresh file races with other processes doing the same: `PRAGMA journal_mode=WAL` can fail
/// with SQLITE_BUSY without consulting the busy handler, so opening retries for this long.
const OPEN_PATIENCE: Duration = Duration::from_secs(30);

/// How this process reaches the book's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Reads and writes.
    ReadWrite,
    /// Reads only: the file (or its folder, for the WAL's shared memory) cannot be written here.
    ReadOnly,
    /// Reads only, with SQLite told the file cannot change (`immutable=1`): a WAL book in a folder where
    /// not even the shared-memory file can be created. Taken only after a plain read-only open failed.
    Immutable,
}

/// Creates an empty book file at `path` (and its folder), readable and writable by its owner only
/// (0600). Returns `false` when a file is there already, which is left as it is.
pub(crate) fn create_book_file(path: &Path) -> Result<bool> {
    let cannot = |e: std::io::Error| Error::DatabaseUnavailable {
        backend: "sqlite",
        detail: format!("cannot create {}: {e}", path.display()),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(cannot)?;
    }
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    match file.open(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(cannot(e)),
    }
}

/// `path` as a SQLite URI with `immutable=1`.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.display().to_string().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", c as u32)),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// How this process can reach the existing book at `path`: read-write if it can write the file and
/// use its write-ahead log, else read-only, else immutable. Never creates the file.
pub(crate) fn probe_access(path: &Path, options: &StoreOptions) -> Result<Access> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(Error::NotABook(format!("{} is not a file", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::BookNotFound(path.display().to_string()));
        }
        Err(e) => {
            return Err(Error::DatabaseUnavailable { backend: "sqlite", detail: format!("{}: {e}", path.display()) });
        }
    }
    for access in [Access::ReadWrite, Access::ReadOnly, Access::Immutable] {
        let readable = open_connection(path, options, access).and_then(|conn| {
            if access == Access::ReadWrite && conn.is_readonly(rusqlite::MAIN_DB).db()? {
                return Err(Error::BookReadOnly(path.display().to_string()));
            }
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).db()
        });
        match readable {
            Ok(_) => return Ok(access),
            Err(Error::NotABook(detail)) => return Err(Error::NotABook(detail)),
            Err(e) if access == Access::Immutable => return Err(e),
            Err(_) => {}
        }
    }
    Err(Error::DatabaseUnavailable { backend: "sqlite", detail: format!("{} cannot be read", path.display()) })
}

fn open_connection(path: &Path, options: &StoreOptions, access: Access) -> Result<Connection> {
    let unavailable = |e: rusqlite::Error| match map_err(e) {
        Error::NotABook(detail) => Error::NotABook(detail),
        other => Error::DatabaseUnavailable { backend: "sqlite", detail: other.to_string() },
    };
    let no_mutex = OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match access {
        Access::ReadWrite => Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | no_mutex),
        Access::ReadOnly => Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | no_mutex),
        Access::Immutable => Connection::open_with_flags(
            immutable_uri(path),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | no_mutex,
        ),
    }
    .map_err(unavailable)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.busy_timeout(options.lock_timeout).map_err(unavailable)?;
    if access != Access::ReadWrite {
        return Ok(conn);
    }
    let deadline = Instant::now() + OPEN_PATIENCE;
    loop {
        let configured = ensure_wal(&conn)
            .and_then(|_| conn.pragma_update(None, "synchronous", "FULL"))
            .and_then(|_| conn.pragma_update(None, "foreign_keys", "ON"))
            // A savepoint's undo copies (each batch item's, see `numbering::batch`) in memory: on a temp
            // file they spill past 64 KiB, and a spilled sub-journal is never truncated, so every item of a
            // 500-invoice batch wrote its ~18 pages anew into a growing file (`bench batch`, 5,000 invoices, A/B:
            // 5,305 invoices/s with a temp file, 8,562 in memory; grouped issuing at 32 gains too).
            .and_then(|_| conn.pragma_update(None, "temp_store", "MEMORY"));
        match configured.db() {
            Ok(()) => return Ok(conn),
            Err(e) if e.is_transient() && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(rand::rng().random_range(5..50)));
            }
            Err(Error::Transient { detail, .. } | Error::Storage { detail, .. }) => {
                return Err(Error::DatabaseUnavailable { backend: "sqlite", detail });
            }
            Err(Error::BookReadOnly(_)) => return Err(Error::BookReadOnly(path.display().to_string())),
            Err(e) => return Err(e),
        }
    }
}

/// Puts the book in WAL mode. Only a new, empty file or a Ledgerdesk book is switched: another
/// program's database is left exactly as it is (opening then refuses it as `not_a_book`).
fn ensure_wal(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    let ours: bool = conn.query_row(
        "SELECT count(*) = 0 OR count(*) FILTER (WHERE name = 'schema_migrations') > 0 FROM sqlite_master",
        [],
        |row| row.get(0),
    )?;
    if ours {
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    }
    Ok(())
}

impl Inner {
    fn take(&self) -> Result<Connection> {
        let pooled = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => open_connection(&self.path, &self.options, self.access),
        }
    }

    fn give_back(&self, conn: Connection) {
        self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(conn);
    }
}

impl SqliteStore {
    /// A store over the existing file at `path`, reached as `access` says ([`probe_access`]).
    /// `crate::migrate` opens it: the schema is checked, and brought up to date, before any other use.
    pub(crate) fn unopened(path: PathBuf, access: Access, options: StoreOptions) -> Self {
        SqliteStore {
            inner: Arc::new(Inner {
                path,
                access,
                options,
                idle: Mutex::new(Vec::new()),
                permits: Semaphore::new(options.max_connections.max(1) as usize),
                writers: tokio::sync::Mutex::new(()),
                shared: super::shared::Shared::default(),
            }),
            identity: Arc::new(super::owner_identity()),
        }
    }

    /// This handle, acting as `identity` (the file and the pool shared).
    pub(crate) fn acting_as(&self, identity: Identity) -> Self {
        SqliteStore { inner: Arc::clone(&self.inner), identity: Arc::new(identity) }
    }

    /// The store's `T`, one per store, shared by its clones (see [`super::shared`]).
    pub(crate) fn shared<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        self.inner.shared.get()
    }

    /// The options it was opened with.
    pub(crate) fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Whether this process can only read the book.
    pub fn is_read_only(&self) -> bool {
        self.inner.access != Access::ReadWrite
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
        if matches!(kind, Kind::Write { .. }) && self.is_read_only() {
            return Err(Error::BookReadOnly(self.inner.path.display().to_string()));
        }
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
    fn identity(&self) -> &Identity {
        &self.identity
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn read_only(&self) -> bool {
        self.is_read_only()
    }
}

/// Parameter `n` of a query built at run time, as Sqlite spells it (`?n`).
pub(crate) fn placeholder(n: usize) -> String {
    format!("?{n}")
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
