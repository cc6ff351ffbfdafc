//! Applies the SQLite migrations under `BEGIN IMMEDIATE`: a second process opening the same fresh file
//! waits, then finds them applied.

use std::path::PathBuf;

use chrono::Utc;
use rusqlite::{Connection, TransactionBehavior};

use super::{Applied, Migration, pending};
use crate::db::sqlite::SqliteResultExt;
use crate::db::{SqliteStore, StoreOptions};
use crate::error::{Error, Result};

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
        let store = SqliteStore::unopened(path, options);
        options.retry.run(Error::busy, || store.with_conn(run)).await?;
        Ok(store)
    }
}

/// The SQLite migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "numbering", sql: include_str!("../../../../migrations/sqlite/0001_numbering.sql") },
    Migration {
        version: 2,
        name: "licenses_idempotency",
        sql: include_str!("../../../../migrations/sqlite/0002_licenses_idempotency.sql"),
    },
];

/// Brings the database up to date.
pub fn run(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             checksum   TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )
    .db()?;
    let applied = tx
        .prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .db()?
        .query_map([], |row| Ok(Applied { version: row.get(0)?, checksum: row.get(1)? }))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    for migration in pending(MIGRATIONS, &applied)? {
        tx.execute_batch(migration.sql).db()?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            (migration.version, migration.name, migration.checksum(), Utc::now()),
        )
        .db()?;
    }
    tx.commit().db()
}
