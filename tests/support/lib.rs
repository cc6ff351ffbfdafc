//! Test support for the conformance suite: a fresh real database per test (a SQLite file in a temporary
//! directory, or a Postgres database created for the test and dropped after it), plus the few raw
//! database actions a contract test needs from outside the store (holding a lock, breaking a write,
//! tampering with a migration record); [`http`] is real HTTP on 127.0.0.1 for the webhook tests.
//!
//! Postgres: `DATABASE_URL` when set, else `postgres://postgres@127.0.0.1:5432/postgres`. If no server
//! answers, the test fails and says how to start one; it never skips.

pub mod http;
mod own_server;

pub use own_server::{OwnServer, SUPERUSER_PASSWORD, certificate_authority};

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Opening, StoreOptions};
use ledgerdesk_types::{NewUser, Role, UserChange};
use sqlx::{Connection, PgConnection};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A SQLite file.
    Sqlite,
    /// A Postgres database.
    Postgres,
}

/// A fresh database, removed when dropped.
pub struct TestDb {
    /// Which backend.
    pub kind: Kind,
    /// Its URL, as `--db` takes it.
    pub url: String,
    cleanup: Cleanup,
    /// Postgres logins made for this test's people (cluster-wide), dropped after the database.
    logins: std::sync::Mutex<Vec<String>>,
}

/// A person of a test book: an offline account, or a Postgres login, and the password they sign in with.
#[derive(Debug, Clone)]
pub struct Person {
    /// Their sign-in name, unique to the test (Postgres logins are shared by every database).
    pub name: String,
    /// Their password.
    pub password: String,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// The server the Postgres tests use.
pub fn postgres_admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `admin_url` with its database name replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    let mut url = format!("{}/{}", &base[..host_end], name);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// An empty database of `kind`; nothing is created in it yet (not even the schema).
    pub async fn fresh(kind: Kind) -> TestDb {
        match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite:{}", dir.path().join("books.sqlite3").display());
                TestDb { kind, url, cleanup: Cleanup::Sqlite(dir), logins: Default::default() }
            }
            Kind::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!(
                    "ledgerdesk_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    chrono::Utc::now().timestamp_micros()
                );
                let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!(
                        "Postgres is not reachable at {admin_url} ({e}). Start it with \
                         `pg_ctlcluster --skip-systemctl-redirect 15 main start`, or set DATABASE_URL."
                    )
                });
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("CREATE DATABASE");
                let url = with_database(&admin_url, &name);
                TestDb { kind, url, cleanup: Cleanup::Postgres { admin_url, name }, logins: Default::default() }
            }
        }
    }

    /// Opens the store with default options.
    pub async fn open(&self) -> AnyStore {
        self.open_with(StoreOptions::default()).await
    }

    /// Opens the store with `options`, creating the book on first use (as `ledgerdesk migrate` does).
    pub async fn open_with(&self, options: StoreOptions) -> AnyStore {
        AnyStore::open_as(&self.url, options, Opening::CreateIfMissing)
            .await
            .unwrap_or_else(|e| panic!("opening {}: {e}", self.url))
    }

    /// A new person with `roles`, added by the owner: named `t<pid>_<n>_<stem>`, so tests running at once
    /// on one Postgres never share a login.
    pub async fn person(&self, stem: &str, roles: &[Role]) -> Person {
        let name = format!("t{}_{}_{stem}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let person = Person { password: format!("{name} takes a long password"), name };
        if self.kind == Kind::Postgres {
            self.logins.lock().expect("the logins").push(person.name.clone());
        }
        let user = NewUser { name: person.name.clone(), password: person.password.clone(), roles: roles.to_vec() };
        self.open().await.add_user(user).await.expect("a new person");
        person
    }

    /// The URL signing in as `person`: on Postgres their login and password; a SQLite book's URL is the
    /// file's, whoever signs in.
    pub fn url_as(&self, person: &Person) -> String {
        match self.kind {
            Kind::Sqlite => self.url.clone(),
            Kind::Postgres => {
                let rest = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
                let host = rest.split_once('@').map_or(rest, |(_, host)| host);
                format!("postgres://{}:{}@{host}", person.name, person.password.replace(' ', "%20"))
            }
        }
    }

    /// The book, signed in as `person`.
    pub async fn open_as(&self, person: &Person) -> AnyStore {
        match self.open().await {
            AnyStore::Sqlite(book) => {
                AnyStore::Sqlite(book.sign_in(&person.name, &person.password).await.expect("signed in"))
            }
            AnyStore::Postgres(_) => AnyStore::open(&self.url_as(person), StoreOptions::default())
                .await
                .unwrap_or_else(|e| panic!("signing in as {}: {e}", person.name)),
        }
    }

    /// Lets `person` see `tenant` (Postgres); offline every account sees every tenant.
    pub async fn let_see(&self, person: &Person, tenant: &str) {
        if self.kind == Kind::Postgres {
            let change = UserChange { name: person.name.clone(), roles: Vec::new(), tenants: vec![tenant.to_owned()] };
            self.open().await.grant_user(change).await.expect("tenant access");
        }
    }

    /// Raw SQL on Postgres as `person` would run it in `psql` with their own password; the server's error
    /// text if it refuses.
    pub async fn execute_as(&self, person: &Person, sql: &str) -> Result<(), String> {
        assert_eq!(self.kind, Kind::Postgres, "a SQLite book has no logins");
        let mut conn = PgConnection::connect(&self.url_as(person)).await.map_err(|e| e.to_string())?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.map(drop).map_err(|e| e.to_string())
    }

    /// A count as `person` reads it on Postgres (row-level security applied).
    pub async fn count_as(&self, person: &Person, sql: &str) -> Result<i64, String> {
        let mut conn = PgConnection::connect(&self.url_as(person)).await.map_err(|e| e.to_string())?;
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut conn).await.map_err(|e| e.to_string())
    }

    /// Runs raw SQL from outside the store, on a connection of its own; returns the database's error text.
    pub async fn execute(&self, sql: &str) -> Result<(), String> {
        match self.kind {
            Kind::Sqlite => {
                let conn = rusqlite::Connection::open(self.sqlite_path()).map_err(|e| e.to_string())?;
                conn.busy_timeout(Duration::from_secs(5)).map_err(|e| e.to_string())?;
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            Kind::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.map_err(|e| e.to_string())?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut conn)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// Runs `sql` the way someone behind the app's back would: with the `sqlite3` shell on the file, or
    /// with `psql` as the superuser (trust auth) with every trigger switched off for the session
    /// (`session_replication_role = replica`). Panics with what the shell said if it fails.
    pub fn shell(&self, sql: &str) {
        let output = match self.kind {
            Kind::Sqlite => std::process::Command::new("sqlite3").arg(self.sqlite_path()).arg(sql).output(),
            Kind::Postgres => std::process::Command::new("psql")
                .args([self.url.as_str(), "-v", "ON_ERROR_STOP=1", "-q", "-c"])
                .arg(format!("SET session_replication_role = replica; {sql}"))
                .output(),
        }
        .unwrap_or_else(|e| panic!("cannot run the database shell (install sqlite3 and postgresql-client): {e}"));
        assert!(output.status.success(), "{sql}: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// Installs a trigger that refuses any invoice line described `EXPLODE`: a real database failure
    /// late in an issue's transaction, after its number is taken.
    pub async fn refuse_exploding_lines(&self) {
        let trigger = match self.kind {
            Kind::Sqlite => {
                "CREATE TRIGGER explode BEFORE INSERT ON invoice_lines WHEN NEW.description = 'EXPLODE'
                 BEGIN SELECT RAISE(ABORT, 'line refused by test trigger'); END;"
            }
            Kind::Postgres => {
                "CREATE FUNCTION explode() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'line refused by test trigger'; END; $$;
                 CREATE TRIGGER explode BEFORE INSERT ON invoice_lines FOR EACH ROW
                 WHEN (NEW.description = 'EXPLODE') EXECUTE FUNCTION explode();"
            }
        };
        self.execute(trigger).await.expect("install the failing trigger");
    }

    /// The one integer `sql` selects, read from outside the store.
    pub async fn count(&self, sql: &str) -> i64 {
        match self.kind {
            Kind::Sqlite => {
                let conn = rusqlite::Connection::open(self.sqlite_path()).expect("open sqlite");
                conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Kind::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.expect("connect");
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// Takes the lock an issue in `series` needs, from another connection, until the holder is released:
    /// SQLite: `BEGIN IMMEDIATE`; Postgres: the series row `FOR UPDATE`.
    pub async fn hold_write_lock(&self, tenant: &str, series: &str) -> LockHolder {
        match self.kind {
            Kind::Sqlite => {
                let conn = rusqlite::Connection::open(self.sqlite_path()).expect("open sqlite");
                conn.execute_batch("BEGIN IMMEDIATE").expect("BEGIN IMMEDIATE");
                LockHolder::Sqlite(conn)
            }
            Kind::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.expect("connect");
                sqlx::raw_sql("BEGIN").execute(&mut conn).await.expect("BEGIN");
                sqlx::query(
                    "SELECT s.id FROM invoice_series s JOIN tenants t ON t.id = s.tenant_id
                      WHERE t.code = $1 AND s.code = $2 FOR UPDATE",
                )
                .bind(tenant)
                .bind(series)
                .fetch_one(&mut conn)
                .await
                .expect("lock the series row");
                LockHolder::Postgres(conn)
            }
        }
    }

    fn sqlite_path(&self) -> PathBuf {
        PathBuf::from(self.url.trim_start_matches("sqlite:"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let login_admin_url = admin_url.clone();
            let (admin_url, database) = (admin_url.clone(), name.clone());
            // Drop runs outside async; use a runtime of our own on a plain thread.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")))
                        .execute(&mut admin)
                        .await
                        .ok()
                })
            })
            .join();
            if !matches!(dropped, Ok(Some(_))) {
                eprintln!("warning: could not drop test database {name}");
            }
            let logins = std::mem::take(&mut *self.logins.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
            if !logins.is_empty() {
                let admin_url = login_admin_url;
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                    runtime.block_on(async {
                        let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                        for login in logins {
                            let drop_login = format!("DROP ROLE IF EXISTS \"{login}\"");
                            if sqlx::raw_sql(sqlx::AssertSqlSafe(drop_login)).execute(&mut admin).await.is_err() {
                                eprintln!("warning: could not drop test login {login}");
                            }
                        }
                        Some(())
                    })
                })
                .join();
            }
        }
    }
}

/// Where a book of `kind` would be, but is not: a SQLite path in an empty temporary folder, or a Postgres
/// database that was never created. Keep the value alive while the URL is in use.
pub struct NoBook {
    /// The URL of the book that does not exist.
    pub url: String,
    /// The folder the SQLite path would be in.
    pub dir: tempfile::TempDir,
}

impl NoBook {
    /// A place with no book of `kind`.
    pub fn of(kind: Kind) -> NoBook {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = match kind {
            Kind::Sqlite => format!("sqlite:{}", dir.path().join("typo").join("bookz.sqlite3").display()),
            Kind::Postgres => with_database(
                &postgres_admin_url(),
                &format!("ledgerdesk_never_created_{}", COUNTER.fetch_add(1, Ordering::Relaxed)),
            ),
        };
        NoBook { url, dir }
    }
}

/// A lock held from outside the store.
pub enum LockHolder {
    /// A SQLite connection inside `BEGIN IMMEDIATE`.
    Sqlite(rusqlite::Connection),
    /// A Postgres connection holding a row lock.
    Postgres(PgConnection),
}

impl LockHolder {
    /// Rolls back, releasing the lock.
    pub async fn release(self) {
        match self {
            LockHolder::Sqlite(conn) => conn.execute_batch("ROLLBACK").expect("ROLLBACK"),
            LockHolder::Postgres(mut conn) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut conn).await.expect("ROLLBACK");
            }
        }
    }
}

/// The `ledgerdesk` binary built next to this test (`LEDGERDESK_BIN` overrides).
pub fn cli_binary() -> PathBuf {
    if let Ok(path) = std::env::var("LEDGERDESK_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
    let binary = dir.join(format!("ledgerdesk{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p ledgerdesk-cli` (cargo test --workspace does)",
        binary.display()
    );
    binary
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_in_a_url() {
        use super::with_database;
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
