//! Applies the Postgres migrations in one transaction under a transaction-scoped advisory lock, so that
//! desktops starting together apply each migration once. The lock is taken only when a migration is
//! pending; opening an up-to-date database only reads.
//!
//! A Postgres book is a database an administrator created (`createdb`): Ledgerdesk never creates one,
//! and an empty database is set up on first open. A missing database is `book_not_found`.

use sqlx::PgPool;

use super::{Applied, Migration, pending};
use crate::db::postgres::PgResultExt;
use crate::db::{Opening, PgStore, StoreOptions, redact};
use crate::error::{Error, Result};

impl PgStore {
    /// Connects to the existing database at `url` and brings its schema up to date.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self> {
        PgStore::connect_as(url, options, Opening::Existing).await
    }

    /// Connects as `opening` says: [`Opening::New`] refuses a database that holds a book already.
    pub async fn connect_as(url: &str, options: StoreOptions, opening: Opening) -> Result<Self> {
        options.validate()?;
        let store = PgStore::connect_unmigrated(url, options).await?;
        let applied = store.retried(Error::busy, || read_applied(store.pool())).await?;
        if opening == Opening::New && applied.is_some() {
            return Err(Error::BookAlreadyExists(redact(url)));
        }
        if !pending(MIGRATIONS, &applied.unwrap_or_default())?.is_empty() {
            store.retried(Error::busy, || run(store.pool())).await?;
        }
        // Asked once the schema is up to date: the group roles exist from migration 9 on.
        store.with_server_identity().await
    }
}

/// The migrations recorded in the database, or `None` when it holds no book yet.
async fn read_applied(pool: &PgPool) -> Result<Option<Vec<Applied>>> {
    let mut conn = pool.acquire().await.db()?;
    let recorded: bool =
        sqlx::query_scalar("SELECT to_regclass('schema_migrations') IS NOT NULL").fetch_one(&mut *conn).await.db()?;
    if !recorded {
        return Ok(None);
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, checksum FROM schema_migrations").fetch_all(&mut *conn).await.db()?;
    Ok(Some(rows.into_iter().map(|(version, checksum)| Applied { version, checksum }).collect()))
}

/// The Postgres migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "numbering",
        sql: include_str!("../../../../migrations/postgres/0001_numbering.sql"),
    },
    Migration {
        version: 2,
        name: "licenses_idempotency",
        sql: include_str!("../../../../migrations/postgres/0002_licenses_idempotency.sql"),
    },
    Migration {
        version: 3,
        name: "books_and_series",
        sql: include_str!("../../../../migrations/postgres/0003_books_and_series.sql"),
    },
    Migration {
        version: 4,
        name: "webhooks_payments",
        sql: include_str!("../../../../migrations/postgres/0004_webhooks_payments.sql"),
    },
    Migration {
        version: 5,
        name: "exports_audit",
        sql: include_str!("../../../../migrations/postgres/0005_exports_audit.sql"),
    },
    Migration {
        version: 6,
        name: "credit_notes",
        sql: include_str!("../../../../migrations/postgres/0006_credit_notes.sql"),
    },
    Migration {
        version: 7,
        name: "invoice_documents",
        sql: include_str!("../../../../migrations/postgres/0007_invoice_documents.sql"),
    },
    Migration {
        version: 8,
        name: "batch_audit",
        sql: include_str!("../../../../migrations/postgres/0008_batch_audit.sql"),
    },
    Migration { version: 9, name: "identity", sql: include_str!("../../../../migrations/postgres/0009_identity.sql") },
    Migration {
        version: 10,
        name: "trigger_costs",
        sql: include_str!("../../../../migrations/postgres/0010_trigger_costs.sql"),
    },
    Migration {
        version: 11,
        name: "audit_run_one_head_move",
        sql: include_str!("../../../../migrations/postgres/0011_audit_run_one_head_move.sql"),
    },
];

/// Key of the advisory lock that serializes migration runs (it spells "LDSK").
const MIGRATION_LOCK: i64 = 0x4C44_534B;

/// Brings the database up to date.
pub async fn run(pool: &PgPool) -> Result<()> {
    let mut tx = pool.begin().await.db()?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await.db()?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             name       TEXT NOT NULL,
             checksum   TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .execute(&mut *tx)
    .await
    .db()?;
    let applied: Vec<Applied> = sqlx::query_as::<_, (i64, String)>("SELECT version, checksum FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await
        .db()?
        .into_iter()
        .map(|(version, checksum)| Applied { version, checksum })
        .collect();
    for migration in pending(MIGRATIONS, &applied)? {
        sqlx::raw_sql(migration.sql).execute(&mut *tx).await.db()?;
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)")
            .bind(migration.version)
            .bind(migration.name)
            .bind(migration.checksum())
            .execute(&mut *tx)
            .await
            .db()?;
    }
    tx.commit().await.db()
}
