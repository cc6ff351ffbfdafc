//! Offline accounts on SQLite: the book keeps its people, their Argon2id hashes, their roles and every
//! sign-in attempt. Twin of `postgres.rs`, where the people are the server's logins.
//!
//! A sign-in is one `BEGIN IMMEDIATE` transaction: counting the recent failures, checking the password
//! and recording the attempt happen under the writer lock, so two processes guessing at one name count
//! together and neither slips past the limit.

use chrono::{DateTime, SecondsFormat, Utc};
use ledgerdesk_types::{Identity, NewUser, Role, UserChange, UserRecord};
use rusqlite::{OptionalExtension, Transaction};

use super::{
    Action, Authorize as _, MAX_FAILED_SIGN_INS, MAX_PASSWORD_BYTES, Users, ordered, password, sign_in_window,
    validate_new_user, validate_user_name,
};
use crate::db::sqlite::SqliteResultExt;
use crate::db::{Backend, SqliteStore, now};
use crate::error::{Error, IdentityError, Result};

/// A time as `sign_in_attempts.at` keeps it: fixed width, so it compares as text.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// What a sign-in attempt came to; recorded whatever it was.
enum Attempt {
    SignedIn(Vec<Role>),
    WrongPassword,
    Paused(DateTime<Utc>),
}

impl SqliteStore {
    /// Whether the book keeps accounts; a book without any is its owner's alone, as before.
    pub async fn has_accounts(&self) -> Result<bool> {
        self.read(|tx| tx.query_row("SELECT EXISTS (SELECT 1 FROM accounts)", [], |row| row.get(0)).db()).await
    }

    /// A handle on the same book acting as account `name`, if `password` is its password.
    ///
    /// Refused with `sign_in_failed` for a wrong name or password (which of the two is not said; an
    /// unknown name is checked against a decoy hash, so the time taken does not tell either), and with
    /// `sign_in_locked` once [`MAX_FAILED_SIGN_INS`] failures fall within the window since the last
    /// success, until the window has passed since the last of them. Every attempt is recorded.
    pub async fn sign_in(&self, name: &str, password: &str) -> Result<SqliteStore> {
        // A name no account can have, or a password longer than any account's, fails at once: nothing
        // from outside is hashed or recorded at any size.
        if validate_user_name(name).is_err() || password.len() > MAX_PASSWORD_BYTES {
            return Err(IdentityError::SignInFailed.into());
        }
        let (name, password) = (name.to_owned(), password.to_owned());
        let account = name.clone();
        let attempt = self.write(Error::busy, move |tx| attempt_sign_in(tx, &account, &password, now())).await?;
        match attempt {
            Attempt::SignedIn(roles) => Ok(self.acting_as(Identity { name, owner: false, roles })),
            Attempt::WrongPassword => Err(IdentityError::SignInFailed.into()),
            Attempt::Paused(until) => Err(IdentityError::SignInLocked { name, until }.into()),
        }
    }
}

fn attempt_sign_in(tx: &Transaction<'_>, name: &str, password: &str, now: DateTime<Utc>) -> Result<Attempt> {
    let since = stamp(now - sign_in_window());
    let (failures, last_failure): (i64, Option<String>) = tx
        .query_row(
            "SELECT count(*), max(at) FROM sign_in_attempts
              WHERE name = ?1 AND outcome <> 'signed_in' AND at > ?2
                AND at > COALESCE((SELECT max(at) FROM sign_in_attempts WHERE name = ?1 AND outcome = 'signed_in'), '')",
            rusqlite::params![name, since],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .db()?;
    let attempt = if failures >= MAX_FAILED_SIGN_INS {
        let last = last_failure.and_then(|at| DateTime::parse_from_rfc3339(&at).ok()).map_or(now, |at| at.to_utc());
        Attempt::Paused(last + sign_in_window())
    } else {
        let stored: Option<String> = tx
            .query_row("SELECT password_hash FROM accounts WHERE name = ?1", [name], |row| row.get(0))
            .optional()
            .db()?;
        let matches = password::verify(password, stored.as_deref().unwrap_or(password::decoy()));
        if matches && stored.is_some() { Attempt::SignedIn(roles_of(tx, name)?) } else { Attempt::WrongPassword }
    };
    let outcome = match attempt {
        Attempt::SignedIn(_) => "signed_in",
        Attempt::WrongPassword => "wrong_password",
        Attempt::Paused(_) => "paused",
    };
    tx.execute(
        "INSERT INTO sign_in_attempts (name, at, outcome) VALUES (?1, ?2, ?3)",
        rusqlite::params![name, stamp(now), outcome],
    )
    .db()?;
    Ok(attempt)
}

fn roles_of(tx: &Transaction<'_>, name: &str) -> Result<Vec<Role>> {
    let mut statement = tx.prepare("SELECT role FROM account_roles WHERE name = ?1").db()?;
    let roles = statement.query_map([name], |row| row.get::<_, String>(0)).db()?;
    let mut parsed = Vec::new();
    for role in roles {
        parsed.push(role.db()?.parse().map_err(|detail| Error::Storage { backend: "sqlite", detail })?);
    }
    Ok(ordered(parsed))
}

fn record(tx: &Transaction<'_>, name: &str) -> Result<UserRecord> {
    let created_at: Option<DateTime<Utc>> =
        tx.query_row("SELECT created_at FROM accounts WHERE name = ?1", [name], |row| row.get(0)).optional().db()?;
    let created_at = created_at.ok_or_else(|| IdentityError::UserNotFound(name.to_owned()))?;
    Ok(UserRecord {
        name: name.to_owned(),
        roles: roles_of(tx, name)?,
        tenants: Vec::new(),
        created_at: Some(created_at),
    })
}

/// Grants (`grant`) or revokes `change.roles`; tenants are not kept offline.
fn set_roles(tx: &Transaction<'_>, change: &UserChange, grant: bool) -> Result<UserRecord> {
    record(tx, &change.name)?;
    for role in &change.roles {
        let sql = if grant {
            "INSERT OR IGNORE INTO account_roles (name, role) VALUES (?1, ?2)"
        } else {
            "DELETE FROM account_roles WHERE name = ?1 AND role = ?2"
        };
        tx.execute(sql, rusqlite::params![change.name, role.as_str()]).db()?;
    }
    record(tx, &change.name)
}

fn offline_tenants(change: &UserChange) -> Result<()> {
    if change.tenants.is_empty() {
        return Ok(());
    }
    Err(IdentityError::Unsupported(
        "an offline book keeps no tenant access: every account sees every tenant (tenant access is kept on Postgres)",
    )
    .into())
}

impl Users for SqliteStore {
    async fn add_user(&self, user: NewUser) -> Result<UserRecord> {
        self.authorize(Action::KeepUsers, None)?;
        validate_new_user(&user)?;
        // Hashing takes a while on purpose: done before the writer lock is taken.
        let hash = password::hash(&user.password)?;
        let author = self.identity().name.clone();
        self.write(Error::busy, move |tx| {
            let exists: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM accounts WHERE name = ?1)", [&user.name], |row| row.get(0))
                .db()?;
            if exists {
                return Err(IdentityError::UserExists(user.name.clone()).into());
            }
            tx.execute(
                "INSERT INTO accounts (name, password_hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![user.name, hash, now(), author],
            )
            .db()?;
            let change = UserChange { name: user.name.clone(), roles: user.roles.clone(), tenants: Vec::new() };
            set_roles(tx, &change, true)
        })
        .await
    }

    async fn grant_user(&self, change: UserChange) -> Result<UserRecord> {
        self.authorize(Action::KeepUsers, None)?;
        validate_user_name(&change.name)?;
        offline_tenants(&change)?;
        self.write(Error::busy, move |tx| set_roles(tx, &change, true)).await
    }

    async fn revoke_user(&self, change: UserChange) -> Result<UserRecord> {
        self.authorize(Action::KeepUsers, None)?;
        validate_user_name(&change.name)?;
        offline_tenants(&change)?;
        self.write(Error::busy, move |tx| set_roles(tx, &change, false)).await
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        self.authorize(Action::KeepUsers, None)?;
        self.read(|tx| {
            let mut statement = tx.prepare("SELECT name FROM accounts ORDER BY name").db()?;
            let names: Vec<String> = statement.query_map([], |row| row.get(0)).db()?.collect::<Result<_, _>>().db()?;
            names.iter().map(|name| record(tx, name)).collect()
        })
        .await
    }
}
