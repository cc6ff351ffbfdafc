//! The Postgres store: a `PgPool`, READ COMMITTED transactions, row locks taken as late as possible and
//! always in the order series → counter, and a `lock_timeout` so a wait ends in a retry, not a hang.

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ledgerdesk_types::Identity;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, PgPool};

use super::options::{KeyPolicy, StoreOptions};
use super::retry::RetryPolicy;
use super::{Backend, Param};
use crate::error::{Error, Result};

/// SQLSTATEs after which the whole transaction is worth another try: serialization failure, deadlock
/// detected, lock not available (our `lock_timeout`).
const TRANSIENT_STATES: [&str; 3] = ["40001", "40P01", "55P03"];

/// What a user is told of an sqlx error: for a server error its message and SQLSTATE, without the
/// server's own source position that sqlx's `Display` appends (`… at line 768`).
fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => format!("{} (SQLSTATE {code})", db.message()),
            None => db.message().to_owned(),
        },
        other => other.to_string(),
    }
}

/// SQLSTATE `disk_full`: the server could not extend a file.
const DISK_FULL: &str = "53100";

/// Maps an sqlx error onto the core error.
pub(crate) fn map_err(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code();
            if code.as_deref().is_some_and(|c| TRANSIENT_STATES.contains(&c)) {
                Error::Transient { backend: "postgres", detail: e.to_string() }
            } else if code.as_deref().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")) {
                // The server ended the session (terminated, shutting down, starting) or the connection
                // failed: nothing of the transaction was kept, and the pool opens a new one next time.
                Error::DatabaseUnavailable { backend: "postgres", detail: describe(&e) }
            } else if code.as_deref() == Some("42501") {
                // insufficient_privilege: a grant the login lacks, or a row-level policy it fails.
                crate::error::IdentityError::PermissionDenied(db.message().to_owned()).into()
            } else if code.as_deref() == Some(DISK_FULL) {
                Error::DiskFull { backend: "postgres", detail: describe(&e) }
            } else if db.message().starts_with("invoice_immutable") {
                Error::InvoiceImmutable
            } else if let Some(detail) = db.message().strip_prefix("record_immutable: ") {
                Error::RecordImmutable(detail.to_owned())
            } else if let Some(rule) = super::database_rule(db.message()) {
                rule
            } else {
                Error::Storage { backend: "postgres", detail: describe(&e) }
            }
        }
        // No connection within the connect timeout: the server is down or unreachable (a restart, a
        // network cut), or every connection stayed busy that long. Either way the user is told so at
        // once, rather than the wait being retried into a misleading `numbering_contention`.
        sqlx::Error::PoolTimedOut => Error::DatabaseUnavailable {
            backend: "postgres",
            detail: "no connection to Postgres within the connect timeout: the server is down or unreachable, \
                     or every connection is busy"
                .into(),
        },
        sqlx::Error::Tls(tls) => Error::TlsVerificationFailed(tls.to_string()),
        sqlx::Error::Io(io) if is_tls(io) => Error::TlsVerificationFailed(io.to_string()),
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            Error::DatabaseUnavailable { backend: "postgres", detail: e.to_string() }
        }
        _ => Error::Storage { backend: "postgres", detail: e.to_string() },
    }
}

/// Whether an I/O error is rustls refusing the handshake (the server's certificate unverified, or no
/// TLS offered where the URL asks for it): sqlx reports those as I/O.
fn is_tls(io: &std::io::Error) -> bool {
    io.get_ref().is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

/// `?`-friendly conversion of sqlx results.
pub(crate) trait PgResultExt<T> {
    /// Maps the error with [`map_err`].
    fn db(self) -> Result<T>;
}

impl<T> PgResultExt<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(map_err)
    }
}

/// The connected store: one Postgres shared by every desktop.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    retry: RetryPolicy,
    keys: KeyPolicy,
    shared: Arc<super::shared::Shared>,
    /// The login, asked of the server once the schema is up to date (`identity::postgres`).
    identity: Arc<Identity>,
}

impl PgStore {
    /// Connects to `url`; `crate::migrate` checks (and brings up to date) the schema before any other
    /// use.
    ///
    /// Connecting, and later waiting for a pooled connection, gives up after `options.connect_timeout`
    /// (`database_unavailable`), and the server cancels any statement running past
    /// `options.statement_timeout`: a server that accepts connections and never answers cannot hang a
    /// desktop. A database that does not exist is `book_not_found`.
    pub(crate) async fn connect_unmigrated(url: &str, options: StoreOptions) -> Result<Self> {
        let millis = |d: Duration| d.as_millis().max(1).to_string();
        let (lock_ms, statement_ms) = (millis(options.lock_timeout), millis(options.statement_timeout));
        // A desktop that hangs inside a transaction (never our code: no transaction waits on anything
        // but the database) loses it, and its row locks, once an idempotency lease would have run out.
        let idle_ms = millis(options.keys.lease.max(Duration::from_secs(1)));
        let shown = super::redact(url);
        let mut connect =
            PgConnectOptions::from_str(url).map_err(|_| Error::InvalidDatabaseUrl(shown.clone()))?.options([
                ("lock_timeout", lock_ms.as_str()),
                ("statement_timeout", statement_ms.as_str()),
                ("idle_in_transaction_session_timeout", idle_ms.as_str()),
            ]);
        let unavailable = |e: sqlx::Error| match &e {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => Error::BookNotFound(shown.clone()),
            sqlx::Error::Tls(tls) => Error::TlsVerificationFailed(tls.to_string()),
            sqlx::Error::Io(io) if is_tls(io) => Error::TlsVerificationFailed(io.to_string()),
            // invalid_password, invalid_authorization_specification: the server says no more than that.
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("28P01" | "28000")) => {
                crate::error::IdentityError::SignInFailed.into()
            }
            _ => Error::DatabaseUnavailable { backend: "postgres", detail: describe(&e) },
        };
        let silent = || Error::DatabaseUnavailable {
            backend: "postgres",
            detail: format!("{shown} did not answer within {} s", options.connect_timeout.as_secs()),
        };
        // One direct attempt first: the pool would keep retrying a refused connection until its acquire
        // timeout, and a user testing a wrong URL should hear so at once. It also settles whether the
        // pool's connections use TLS (see `pg_transport`): the first mode the server accepts.
        let modes = super::pg_transport::ssl_modes(url, &connect);
        for (attempt, mode) in modes.iter().enumerate() {
            connect = connect.ssl_mode(*mode);
            let probe = tokio::time::timeout(options.connect_timeout, async {
                PgConnection::connect_with(&connect).await?.close().await
            });
            match probe.await.map_err(|_| silent())? {
                Ok(()) => break,
                // invalid_authorization_specification: pg_hba.conf has no line for this connection,
                // which may admit it over TLS; the next mode asks for that.
                Err(sqlx::Error::Database(db))
                    if db.code().as_deref() == Some("28000") && attempt + 1 < modes.len() => {}
                Err(e) => return Err(unavailable(e)),
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.connect_timeout)
            .connect_with(connect)
            .await
            .map_err(unavailable)?;
        let identity = Arc::new(super::owner_identity());
        Ok(PgStore { pool, retry: options.retry, keys: options.keys, shared: Arc::default(), identity })
    }

    /// How this store's connections travel, in words: encrypted or not, and whether the server's
    /// certificate was verified (`sslmode=verify-ca` or `verify-full`: the connection would not exist
    /// otherwise). What Settings' *Test connection* reports.
    pub async fn transport(&self) -> Result<String> {
        use sqlx::postgres::PgSslMode;
        let encrypted: Option<bool> = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(match (encrypted.unwrap_or(false), self.pool.connect_options().get_ssl_mode()) {
            (false, PgSslMode::Disable) => "not encrypted (sslmode=disable, the default to a server on this machine; \
                                            for TLS add sslmode=verify-full&sslrootcert=CA.pem to the URL)"
                .to_owned(),
            (false, _) => "not encrypted (add sslmode=verify-full&sslrootcert=CA.pem to the URL)".to_owned(),
            (true, PgSslMode::VerifyFull) => "TLS, server certificate verified, host name checked".to_owned(),
            (true, PgSslMode::VerifyCa) => "TLS, server certificate verified (host name not checked)".to_owned(),
            (true, _) => "TLS, server certificate NOT verified (sslmode=require or prefer)".to_owned(),
        })
    }

    /// The pool, for callers that need raw access (benchmarks, tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The store's `T`, one per store, shared by its clones (see [`super::shared`]).
    pub(crate) fn shared<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        self.shared.get()
    }

    /// This store, acting as `identity` (what the server said of its login).
    pub(crate) fn acting_as(mut self, identity: Identity) -> Self {
        self.identity = Arc::new(identity);
        self
    }

    /// Lease and lifetime of idempotency keys.
    pub(crate) fn key_policy(&self) -> KeyPolicy {
        self.keys
    }

    /// Runs `attempt` (one whole transaction) until it succeeds, fails for good, or has met a lock error
    /// as often as the retry policy allows; then returns `exhausted(attempts)`.
    pub(crate) async fn retried<T, F, Fut>(&self, exhausted: fn(u32) -> Error, attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.retry.run(exhausted, attempt).await
    }
}

impl Backend for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn identity(&self) -> &Identity {
        &self.identity
    }
}

/// Parameter `n` of a query built at run time, as Postgres spells it (`$n`).
pub(crate) fn placeholder(n: usize) -> String {
    format!("${n}")
}

/// Binds the parameters of a query built at run time.
pub(crate) fn bind_all<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    params: Vec<Param>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    for param in params {
        query = match param {
            Param::Text(text) => query.bind(text),
            Param::Int(int) => query.bind(int),
            Param::Time(time) => query.bind(time),
        };
    }
    query
}
