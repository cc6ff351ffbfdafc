//! Plumbing, and nothing else: connections and pooling, pragmas, the SQLite writer queue, transactions
//! with bounded retries, the mapping of driver errors onto [`crate::Error`], and the options a store is
//! opened with. This module imports no domain module; every domain's twins import it.
//!
//! - [`sqlite`]: [`SqliteStore`], one file, every write under `BEGIN IMMEDIATE`.
//! - [`postgres`]: [`PgStore`], a pool of READ COMMITTED connections with a `lock_timeout`; whether they
//!   use TLS when the URL does not say is `pg_transport`'s.
//! - [`any`]: [`AnyStore`], either of them, and the macro forwarding domain traits to it.
//! - [`options`]: [`StoreOptions`], [`DatabaseUrl`] and the default book's path.
//! - [`retry`]: [`RetryPolicy`], whole-transaction retries with full-jitter backoff.

pub mod any;
pub mod options;
mod pg_transport;
pub mod postgres;
pub mod retry;
pub(crate) mod shared;
pub mod sqlite;

pub use any::AnyStore;
pub(crate) use any::forward_to_any_store;
pub use options::{APP_IDENTIFIER, DatabaseUrl, KeyPolicy, Opening, StoreOptions, default_sqlite_path, redact};
pub use postgres::PgStore;
pub use retry::RetryPolicy;
pub use sqlite::SqliteStore;

use std::future::Future;

use chrono::{DateTime, SubsecRound, Utc};
use ledgerdesk_types::{Identity, Purged};

use crate::error::Result;

/// Which database a store speaks to.
pub trait Backend {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Whom the store acts as (see `identity`).
    fn identity(&self) -> &Identity;

    /// Whether this process can only read the book (a SQLite file it may not write).
    fn read_only(&self) -> bool {
        false
    }
}

/// Rules the schema's triggers hold, by the prefix of the message they raise, and the code each is
/// reported under.
const DATABASE_RULES: [(&str, &str); 5] = [
    ("actor_not_signed_in: ", "actor_not_signed_in"),
    ("permission_denied: ", "permission_denied"),
    ("four_eyes_violation: ", "four_eyes_violation"),
    ("export_transition_invalid: ", "export_state_invalid"),
    ("credit_note_invalid: ", "credit_note_invalid"),
];

/// The [`Error::DatabaseRule`] a trigger's message names, if it names one.
pub(crate) fn database_rule(message: &str) -> Option<crate::error::Error> {
    DATABASE_RULES.iter().find_map(|(prefix, code)| {
        message.strip_prefix(prefix).map(|detail| crate::error::Error::DatabaseRule { code, detail: detail.to_owned() })
    })
}

/// The owner of a book opened without signing in, named after the OS account running this process.
pub(crate) fn owner_identity() -> Identity {
    Identity::owner(std::env::var("USER").ok().filter(|name| !name.is_empty()).unwrap_or_else(|| "owner".to_owned()))
}

/// A parameter of a query built at run time (a list with optional filters); each twin binds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

/// The time recorded on a write, truncated to the microsecond that both databases keep, so what is read
/// back equals what was returned.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Runs `purge_batch(batch)` (one transaction each) until a batch comes back short of `batch` rows, so a
/// large deletion never holds locks long.
pub(crate) async fn in_batches<F, Fut>(batch: u32, mut purge_batch: F) -> Result<Purged>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<u64>>,
{
    let batch = batch.max(1);
    let mut purged = Purged { removed: 0, batches: 0 };
    loop {
        let removed = purge_batch(batch).await?;
        purged.removed += removed;
        purged.batches += 1;
        if removed < u64::from(batch) {
            return Ok(purged);
        }
    }
}
