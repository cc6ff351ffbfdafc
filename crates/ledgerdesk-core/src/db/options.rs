//! What a store is opened with: where the data lives and how patient the store is.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::retry::RetryPolicy;
use crate::error::{Error, Result};

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

/// How long idempotency keys are held and kept (see `crate::idempotency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPolicy {
    /// How long a claim holds its key before another request may take it over (its holder is presumed
    /// dead).
    pub lease: Duration,
    /// How long a finished key is kept and replayed; afterwards it may be purged and means nothing.
    pub ttl: Duration,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        KeyPolicy { lease: Duration::from_secs(5 * 60), ttl: Duration::from_secs(24 * 60 * 60) }
    }
}

impl KeyPolicy {
    /// When a claim made `now` stops holding its key.
    pub(crate) fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        later_by(now, self.lease)
    }

    /// When a key claimed `now` may be purged.
    pub(crate) fn expiry(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        later_by(now, self.ttl)
    }
}

/// `now + duration`, at most the end of year 9999: a lease or TTL of "forever" must neither panic nor
/// leave the four-digit years that SQLite's text timestamps compare correctly in.
pub(crate) fn later_by(now: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    // 9999-12-31T23:59:59Z
    let last = DateTime::<Utc>::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    chrono::Duration::from_std(duration).ok().and_then(|d| now.checked_add_signed(d)).map_or(last, |t| t.min(last))
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
