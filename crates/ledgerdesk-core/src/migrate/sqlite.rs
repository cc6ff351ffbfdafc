//! Applies the SQLite migrations under `BEGIN IMMEDIATE`: a second process opening the same fresh file
//! waits, then finds them applied.

use std::path::PathBuf;

use chrono::Utc;
use rusqlite::{Connection, TransactionBehavior};

use super::{Applied, Migration, pending};
use crate::db::sqlite::{SqliteResultExt, create_book_file, probe_access};
use crate::db::{Opening, SqliteStore, StoreOptions};
use crate::error::{Error, Result};

impl SqliteStore {
    /// Opens the existing book at `path` and brings its schema up to date; a missing file is
    /// `book_not_found`, and nothing is created.
    pub async fn open(path: impl Into<PathBuf>, options: StoreOptions) -> Result<Self> {
        SqliteStore::open_as(path, options, Opening::Existing).await
    }

    /// Opens, or creates, the book at `path` as `opening` says. A created file is mode 0600.
    pub async fn open_as(path: impl Into<PathBuf>, options: StoreOptions, opening: Opening) -> Result<Self> {
        options.validate()?;
        let path = path.into();
        let probed_path = path.clone();
        let (created, access) = tokio::task::spawn_blocking(move || {
            let created = opening != Opening::Existing && create_book_file(&probed_path)?;
            Ok::<_, Error>((created, probe_access(&probed_path, &options)?))
        })
        .await
        .map_err(|e| Error::Storage { backend: "sqlite", detail: format!("worker failed: {e}") })??;
        let store = SqliteStore::unopened(path, access, options);
        let place = store.path().display().to_string();
        // Reading the schema takes no lock a writer holds: opening a book to read never waits behind one.
        let schema = options.retry.run(Error::busy, || store.with_conn(read_schema)).await?;
        match (&schema, opening) {
            (Schema::Empty, Opening::Existing) => {
                return Err(Error::BookNotFound(format!("{place} (an empty file, not yet a book)")));
            }
            (Schema::Ledgerdesk(_), Opening::New) if !created => return Err(Error::BookAlreadyExists(place)),
            (Schema::Foreign, _) => {
                return Err(Error::NotABook(format!("{place} is a SQLite database of another program")));
            }
            _ => {}
        }
        let applied = match schema {
            Schema::Ledgerdesk(applied) => applied,
            Schema::Empty | Schema::Foreign => Vec::new(),
        };
        if !pending(MIGRATIONS, &applied)?.is_empty() {
            if store.is_read_only() {
                return Err(Error::BookReadOnly(format!("{place} (its schema needs an upgrade)")));
            }
            options.retry.run(Error::busy, || store.with_conn(run)).await?;
        }
        Ok(store)
    }
}

/// What a file holds.
enum Schema {
    /// No table at all: a new, empty file.
    Empty,
    /// A Ledgerdesk book, with the migrations applied to it.
    Ledgerdesk(Vec<Applied>),
    /// Tables, but no migration record: another program's database.
    Foreign,
}

/// Reads what the file holds, in a read transaction.
fn read_schema(conn: &mut Connection) -> Result<Schema> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred).db()?;
    let tables: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).db()?;
    let recorded: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", [], |r| {
            r.get(0)
        })
        .db()?;
    if tables == 0 {
        return Ok(Schema::Empty);
    }
    if recorded == 0 {
        return Ok(Schema::Foreign);
    }
    Ok(Schema::Ledgerdesk(applied(&tx)?))
}

fn applied(tx: &rusqlite::Transaction<'_>) -> Result<Vec<Applied>> {
    tx.prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .db()?
        .query_map([], |row| Ok(Applied { version: row.get(0)?, checksum: row.get(1)? }))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()
}

/// The SQLite migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "numbering", sql: include_str!("../../../../migrations/sqlite/0001_numbering.sql") },
    Migration {
        version: 2,
        name: "licenses_idempotency",
        sql: include_str!("../../../../migrations/sqlite/0002_licenses_idempotency.sql"),
    },
    Migration {
        version: 3,
        name: "books_and_series",
        sql: include_str!("../../../../migrations/sqlite/0003_books_and_series.sql"),
    },
    Migration {
        version: 4,
        name: "webhooks_payments",
        sql: include_str!("../../../../migrations/sqlite/0004_webhooks_payments.sql"),
    },
    Migration {
        version: 5,
        name: "exports_audit",
        sql: include_str!("../../../../migrations/sqlite/0005_exports_audit.sql"),
    },
    Migration {
        version: 6,
        name: "credit_notes",
        sql: include_str!("../../../../migrations/sqlite/0006_credit_notes.sql"),
    },
    Migration {
        version: 7,
        name: "invoice_documents",
        sql: include_str!("../../../../migrations/sqlite/0007_invoice_documents.sql"),
    },
    Migration {
        version: 8,
        name: "batch_audit",
        sql: include_str!("../../../../migrations/sqlite/0008_batch_audit.sql"),
    },
    Migration { version: 9, name: "identity", sql: include_str!("../../../../migrations/sqlite/0009_identity.sql") },
    Migration {
        version: 10,
        name: "trigger_costs",
        sql: include_str!("../../../../migrations/sqlite/0010_trigger_costs.sql"),
    },
    Migration {
        version: 11,
        name: "audit_run_one_head_move",
        sql: include_str!("../../../../migrations/sqlite/0011_audit_run_one_head_move.sql"),
    },
];

/// Brings the database up to date under `BEGIN IMMEDIATE`: a second process opening the same fresh
/// file waits, then finds the migrations applied.
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
    let applied = applied(&tx)?;
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
