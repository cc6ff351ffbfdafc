//! Applies the Postgres migrations in one transaction under a transaction-scoped advisory lock, so that
//! desktops starting together apply each migration once.

use sqlx::PgPool;

use super::{Applied, Migration, pending};
use crate::db::postgres::PgResultExt;
use crate::db::{PgStore, StoreOptions};
use crate::error::{Error, Result};

impl PgStore {
    /// Connects to `url` and migrates the database.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self> {
        let store = PgStore::connect_unmigrated(url, options).await?;
        store.retried(Error::busy, || run(store.pool())).await?;
        Ok(store)
    }
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
