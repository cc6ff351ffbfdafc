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
    /// The Postgres login the URL signs in as (its user, else `PGUSER`, else the OS account, as the
    /// server's own clients reckon it); `None` for a SQLite file or a URL that cannot be read.
    pub fn login(&self) -> Option<String> {
        match self {
            DatabaseUrl::Sqlite(_) => None,
            DatabaseUrl::Postgres(url) => {
                use std::str::FromStr as _;
                sqlx::postgres::PgConnectOptions::from_str(url).ok().map(|options| options.get_username().to_owned())
            }
        }
    }

    /// Parses `sqlite:PATH` or `postgres://…`.
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"));
        match path {
            Some(p) if !p.is_empty() => Ok(DatabaseUrl::Sqlite(PathBuf::from(p))),
            _ => Err(Error::InvalidDatabaseUrl(redact(url))),
        }
    }
}

/// `url` fit to print: a Postgres password (in the user part, or a `password=` parameter) becomes
/// `***`, and the whole is cut to 200 characters.
pub fn redact(url: &str) -> String {
    let mut text = url.to_owned();
    if let Some(scheme_end) = text.find("://") {
        let authority_end = text[scheme_end + 3..].find(['/', '?']).map_or(text.len(), |i| scheme_end + 3 + i);
        if let Some(at) = text[..authority_end].rfind('@')
            && let Some(colon) = text[scheme_end + 3..at].find(':')
        {
            text.replace_range(scheme_end + 3 + colon + 1..at, "***");
        }
    }
    if let Some(query) = text.find('?') {
        let (base, params) = text.split_at(query + 1);
        let params: Vec<String> = params
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
                _ => param.to_owned(),
            })
            .collect();
        text = format!("{base}{}", params.join("&"));
    }
    ledgerdesk_types::text::shorten(&text, 200).into_owned()
}

/// What opening does when there is no book where a URL points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// Open the book that is there; a missing one is `book_not_found`, and nothing is created.
    Existing,
    /// Open the book that is there, or create it (`ledgerdesk migrate`).
    CreateIfMissing,
    /// Create a new book; one that exists already is `book_already_exists` (`ledgerdesk init`, the
    /// desktop's New book).
    New,
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
    /// How long connecting to Postgres (or waiting for a pooled connection) may take before the
    /// database counts as unavailable.
    pub connect_timeout: Duration,
    /// Longest a Postgres statement may run before the server cancels it.
    pub statement_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            lock_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            max_connections: 16,
            keys: KeyPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(60),
        }
    }
}

impl StoreOptions {
    /// Refuses settings outside what both databases can honour alike (a Postgres timeout is a 32-bit
    /// count of milliseconds, and the lease becomes Postgres' idle-in-transaction timeout).
    pub fn validate(&self) -> Result<()> {
        let within = |field: &'static str, value: Duration, min: Duration, max: Duration, range: (&str, &str)| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(Error::invalid(field, format!("must be from {}", range.0), format!("{} olmalıdır", range.1)))
            }
        };
        let (second, minute, hour, day) = (1, 60, 3_600, 86_400);
        let secs = Duration::from_secs;
        within(
            "lock_timeout",
            self.lock_timeout,
            Duration::from_millis(1),
            secs(10 * minute),
            ("1 ms to 10 minutes", "1 ms ile 10 dakika arasında"),
        )?;
        within(
            "key_lease",
            self.keys.lease,
            secs(second),
            secs(day),
            ("1 second to 24 hours", "1 saniye ile 24 saat arasında"),
        )?;
        within(
            "key_ttl",
            self.keys.ttl,
            Duration::from_millis(1),
            secs(3_660 * day),
            ("1 ms to ten years", "1 ms ile on yıl arasında"),
        )?;
        within(
            "connect_timeout",
            self.connect_timeout,
            secs(second),
            secs(10 * minute),
            ("1 second to 10 minutes", "1 saniye ile 10 dakika arasında"),
        )?;
        within(
            "statement_timeout",
            self.statement_timeout,
            secs(second),
            secs(24 * hour),
            ("1 second to 24 hours", "1 saniye ile 24 saat arasında"),
        )?;
        if !(1..=1_000).contains(&self.max_connections) {
            return Err(Error::invalid("max_connections", "must be from 1 to 1,000", "1 ile 1.000 arasında olmalıdır"));
        }
        Ok(())
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
        let Err(Error::InvalidDatabaseUrl(shown)) = DatabaseUrl::parse("mysql://bob:s3cret@h/db") else { panic!() };
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://bob:s3cret@h:5432/db"), "postgres://bob:***@h:5432/db");
        assert_eq!(
            redact("postgres://bob@h/db?password=s3cret&sslmode=require"),
            "postgres://bob@h/db?password=***&sslmode=require"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact("postgres://bob:p@ss:w@rd@h/db"), "postgres://bob:***@h/db");
        assert_eq!(redact("sqlite:/tmp/a b.sqlite3"), "sqlite:/tmp/a b.sqlite3");
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        assert!(StoreOptions::default().validate().is_ok());
        let mut options = StoreOptions::default();
        options.keys.lease = Duration::ZERO;
        assert!(options.validate().is_err());
        options.keys.lease = Duration::from_secs(400 * 24 * 3_600);
        assert!(options.validate().is_err());
        let options = StoreOptions { statement_timeout: Duration::from_secs(30 * 86_400), ..StoreOptions::default() };
        assert!(options.validate().is_err());
    }
}
