//! Schema migrations: `migrations/<backend>/NNNN_name.sql`, embedded in the binary, applied in order when
//! a database is opened, each recorded in `schema_migrations` with its SHA-256.
//!
//! Opening a database whose recorded checksum differs from the embedded file is refused: someone edited
//! a migration after it ran, and the schema can no longer be trusted. Re-running is a no-op.
//!
//! Opening a store lives here too ([`AnyStore::open`], `SqliteStore::open`, `PgStore::connect`): a
//! store is usable only once its schema has been checked, so `db` hands out unopened stores and this
//! module opens them. That keeps `db` free of any import from above it.

pub mod postgres;
pub mod sqlite;

use sha2::{Digest, Sha256};

use crate::db::{AnyStore, DatabaseUrl, Opening, PgStore, SqliteStore, StoreOptions};
use crate::error::{Error, Result};

impl AnyStore {
    /// Opens (and migrates) the existing book at `url`; a missing one is `book_not_found`, and nothing
    /// is created.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Self> {
        AnyStore::open_as(url, options, Opening::Existing).await
    }

    /// Opens the book at `url`, or creates it, as `opening` says.
    pub async fn open_as(url: &str, options: StoreOptions, opening: Opening) -> Result<Self> {
        match DatabaseUrl::parse(url)? {
            DatabaseUrl::Sqlite(path) => Ok(AnyStore::Sqlite(SqliteStore::open_as(path, options, opening).await?)),
            DatabaseUrl::Postgres(url) => Ok(AnyStore::Postgres(PgStore::connect_as(&url, options, opening).await?)),
        }
    }
}

/// One embedded migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number, from 1, without holes.
    pub version: i64,
    /// Its name, from the file name.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

impl Migration {
    /// Lower-case hex SHA-256 of the SQL text.
    pub fn checksum(&self) -> String {
        Sha256::digest(self.sql.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A row of `schema_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Version number.
    pub version: i64,
    /// Recorded checksum.
    pub checksum: String,
}

/// The migrations of `embedded` that still have to run, after checking that every applied one matches.
pub fn pending<'a>(embedded: &'a [Migration], applied: &[Applied]) -> Result<Vec<&'a Migration>> {
    let known = embedded.last().map_or(0, |m| m.version);
    if let Some(newest) = applied.iter().map(|a| a.version).max().filter(|v| *v > known) {
        return Err(Error::SchemaTooNew { found: newest, known });
    }
    let mut todo = Vec::new();
    for migration in embedded {
        match applied.iter().find(|a| a.version == migration.version) {
            Some(row) if row.checksum != migration.checksum() => {
                return Err(Error::MigrationChecksumMismatch {
                    version: migration.version,
                    name: migration.name.to_owned(),
                });
            }
            Some(_) => {}
            None => todo.push(migration),
        }
    }
    Ok(todo)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: [Migration; 2] = [
        Migration { version: 1, name: "one", sql: "CREATE TABLE a (x INT);" },
        Migration { version: 2, name: "two", sql: "CREATE TABLE b (x INT);" },
    ];

    #[test]
    fn pending_skips_applied_and_refuses_edits_and_newer_schemas() {
        let one = Applied { version: 1, checksum: SET[0].checksum() };
        assert_eq!(pending(&SET, &[]).unwrap().len(), 2);
        assert_eq!(pending(&SET, std::slice::from_ref(&one)).unwrap()[0].version, 2);
        let edited = Applied { version: 1, checksum: "0".repeat(64) };
        assert!(matches!(pending(&SET, &[edited]), Err(Error::MigrationChecksumMismatch { version: 1, .. })));
        let future = Applied { version: 3, checksum: String::new() };
        assert!(matches!(pending(&SET, &[one, future]), Err(Error::SchemaTooNew { found: 3, known: 2 })));
    }

    #[test]
    fn both_backends_carry_the_same_migration_list() {
        let names = |set: &[Migration]| set.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
        assert_eq!(names(sqlite::MIGRATIONS), names(postgres::MIGRATIONS));
        for (i, m) in sqlite::MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "versions must run 1, 2, 3… without holes");
        }
    }
}
