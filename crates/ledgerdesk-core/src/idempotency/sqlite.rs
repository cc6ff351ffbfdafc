//! Idempotency keys on SQLite. Twin of `postgres.rs`; the judgement is in `mod.rs`.
//!
//! Every function runs inside a transaction opened by `SqliteStore`; writes are `BEGIN IMMEDIATE`, so a
//! claim and the effect that completes it never interleave with another writer's.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{IdempotencyQuery, IdempotencyRecord, KeyStatus, Purged};
use rusqlite::{OptionalExtension, Transaction};

use super::{
    Claim, Command, Existing, Held, KeyLedger, Keys, RECORD_COLUMNS, Scope, Step, decide, list_sql, status, to_json,
};
use crate::db::sqlite::{Cached, SqliteResultExt, bind_all};
use crate::db::{KeyPolicy, SqliteStore, in_batches, now};
use crate::error::{Error, Result};
use crate::fault;
use crate::identity::{Action, Authorize as _};

impl Keys for SqliteStore {
    async fn list_idempotency_records(&self, tenant: &str, query: &IdempotencyQuery) -> Result<Vec<IdempotencyRecord>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| list(tx, &tenant, &query, now())).await
    }

    async fn get_idempotency_record(
        &self,
        tenant: &str,
        user: &str,
        command: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>> {
        let scope = Scope::lookup(tenant, user, command, key);
        self.read(move |tx| get(tx, &scope)).await
    }

    async fn purge_idempotency_records(&self, batch: u32) -> Result<Purged> {
        self.authorize(Action::KeepHousekeeping, None)?;
        in_batches(batch, |batch| self.write(Error::busy, move |tx| purge_batch(tx, now(), batch))).await
    }
}

impl KeyLedger for SqliteStore {
    async fn claim(&self, scope: &Scope, fingerprint: &str) -> Result<Claim> {
        let (scope, fingerprint, policy) = (scope.clone(), fingerprint.to_owned(), self.options().keys);
        self.write_unsynced(Error::busy, move |tx| claim(tx, &scope, &fingerprint, policy, now())).await
    }

    async fn apply<C: Command>(&self, command: &Arc<C>, held: Option<&Held>) -> Result<C::Output> {
        let (command, held) = (Arc::clone(command), held.cloned());
        self.write(C::exhausted, move |tx| {
            if let Some(held) = &held
                && !confirm(tx, held)?
            {
                return Err(Error::IdempotencyLeaseLost);
            }
            let value = command.apply_sqlite(tx)?;
            if let Some(held) = &held {
                if !finish(tx, held, KeyStatus::Completed, &to_json(&value)?, now())? {
                    return Err(Error::IdempotencyLeaseLost);
                }
                fault::pause_blocking("before-commit");
            }
            Ok(value)
        })
        .await
    }

    async fn record_failure(&self, held: &Held, error: &str) -> Result<()> {
        let (held, error) = (held.clone(), error.to_owned());
        self.write(Error::busy, move |tx| finish(tx, &held, KeyStatus::Failed, &error, now()).map(drop)).await
    }

    async fn release(&self, held: &Held) -> Result<()> {
        let held = held.clone();
        self.write(Error::busy, move |tx| release(tx, &held)).await
    }
}

const WHERE_KEY: &str = "tenant = ?1 AND user_id = ?2 AND command = ?3 AND key = ?4";

fn key_params(scope: &Scope) -> [&dyn rusqlite::ToSql; 4] {
    [&scope.tenant, &scope.user, &scope.command, &scope.key]
}

/// Inserts a fresh claim with `fence`; returns whether the key was free.
fn insert_claim(
    tx: &Transaction<'_>,
    scope: &Scope,
    fingerprint: &str,
    fence: i64,
    policy: KeyPolicy,
    now: DateTime<Utc>,
) -> Result<bool> {
    let [tenant, user, command, key] = key_params(scope);
    let inserted = tx
        .cached_execute(
            "INSERT INTO idempotency_keys (tenant, user_id, command, key, fingerprint, status, fence, created_at,
                                           locked_until, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'in_flight', ?6, ?7, ?8, ?9)
             ON CONFLICT DO NOTHING",
            rusqlite::params![
                tenant,
                user,
                command,
                key,
                fingerprint,
                fence,
                now,
                policy.lease_until(now),
                policy.expiry(now)
            ],
        )
        .db()?;
    Ok(inserted == 1)
}

pub(crate) fn claim(
    tx: &Transaction<'_>,
    scope: &Scope,
    fingerprint: &str,
    policy: KeyPolicy,
    now: DateTime<Utc>,
) -> Result<Claim> {
    if insert_claim(tx, scope, fingerprint, 1, policy, now)? {
        return Ok(Claim::Held { fence: 1 });
    }
    let existing = tx
        .cached_row(
            &format!(
                "SELECT fingerprint, status, fence, locked_until, expires_at, response
                   FROM idempotency_keys WHERE {WHERE_KEY}"
            ),
            key_params(scope),
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .db()?;
    let (fingerprint_was, status_text, fence, locked_until, expires_at, response) = existing;
    let existing = Existing {
        fingerprint: fingerprint_was,
        status: status(&status_text)?,
        fence,
        locked_until,
        expires_at,
        response,
    };
    let [tenant, user, command, key] = key_params(scope);
    match decide(&existing, fingerprint, &scope.command, now)? {
        Step::Replay => {
            tx.cached_execute(
                &format!("UPDATE idempotency_keys SET replays = replays + 1, last_replayed_at = ?5 WHERE {WHERE_KEY}"),
                rusqlite::params![tenant, user, command, key, now],
            )
            .db()?;
            Ok(Claim::Finished { status: existing.status, response: existing.response.unwrap_or_default() })
        }
        Step::TakeOver => {
            tx.cached_execute(
                &format!("UPDATE idempotency_keys SET fence = fence + 1, locked_until = ?5 WHERE {WHERE_KEY}"),
                rusqlite::params![tenant, user, command, key, policy.lease_until(now)],
            )
            .db()?;
            Ok(Claim::Held { fence: existing.fence + 1 })
        }
        Step::Renew => {
            // The fence keeps counting, so a holder of the expired claim can never match the new one.
            tx.cached_execute(&format!("DELETE FROM idempotency_keys WHERE {WHERE_KEY}"), key_params(scope)).db()?;
            insert_claim(tx, scope, fingerprint, existing.fence + 1, policy, now)?;
            Ok(Claim::Held { fence: existing.fence + 1 })
        }
    }
}

/// Whether `held.fence` is still the key's and it is still in flight: the first statement of the effect's
/// transaction, so a holder whose key was taken over does nothing at all.
fn confirm(tx: &Transaction<'_>, held: &Held) -> Result<bool> {
    let [tenant, user, command, key] = key_params(&held.scope);
    tx.cached_row(
        &format!("SELECT 1 FROM idempotency_keys WHERE {WHERE_KEY} AND fence = ?5 AND status = 'in_flight'"),
        rusqlite::params![tenant, user, command, key, held.fence],
        |_| Ok(()),
    )
    .optional()
    .db()
    .map(|found| found.is_some())
}

/// Marks the key finished with `response`, if `held.fence` is still the key's; returns whether it was.
pub(crate) fn finish(
    tx: &Transaction<'_>,
    held: &Held,
    status: KeyStatus,
    response: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let [tenant, user, command, key] = key_params(&held.scope);
    let updated = tx
        .cached_execute(
            &format!(
                "UPDATE idempotency_keys SET status = ?5, response = ?6, completed_at = ?7, locked_until = NULL
                  WHERE {WHERE_KEY} AND fence = ?8 AND status = 'in_flight'"
            ),
            rusqlite::params![tenant, user, command, key, status.as_str(), response, now, held.fence],
        )
        .db()?;
    Ok(updated == 1)
}

/// Deletes the claim, if `held.fence` is still the key's and it is still in flight.
pub(crate) fn release(tx: &Transaction<'_>, held: &Held) -> Result<()> {
    let [tenant, user, command, key] = key_params(&held.scope);
    tx.cached_execute(
        &format!("DELETE FROM idempotency_keys WHERE {WHERE_KEY} AND fence = ?5 AND status = 'in_flight'"),
        rusqlite::params![tenant, user, command, key, held.fence],
    )
    .db()?;
    Ok(())
}

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<(IdempotencyRecord, String)> {
    Ok((
        IdempotencyRecord {
            tenant: r.get(0)?,
            user: r.get(1)?,
            command: r.get(2)?,
            key: r.get(3)?,
            fingerprint: r.get(4)?,
            status: KeyStatus::InFlight,
            fence: r.get(6)?,
            response: r.get(7)?,
            replays: r.get(8)?,
            created_at: r.get(9)?,
            locked_until: r.get(10)?,
            completed_at: r.get(11)?,
            expires_at: r.get(12)?,
        },
        r.get(5)?,
    ))
}

fn with_status((mut record, status_text): (IdempotencyRecord, String)) -> Result<IdempotencyRecord> {
    record.status = status(&status_text)?;
    Ok(record)
}

fn list(
    tx: &Transaction<'_>,
    tenant: &str,
    query: &IdempotencyQuery,
    now: DateTime<Utc>,
) -> Result<Vec<IdempotencyRecord>> {
    let (sql, params) = list_sql(tenant, query, now, |n| format!("?{n}"));
    let mut statement = tx.prepare(&sql).db()?;
    let rows = statement.query_map(bind_all(params), record).db()?;
    rows.map(|row| with_status(row.db()?)).collect()
}

fn get(tx: &Transaction<'_>, scope: &Scope) -> Result<Option<IdempotencyRecord>> {
    tx.cached_row(
        &format!("SELECT {RECORD_COLUMNS} FROM idempotency_keys WHERE {WHERE_KEY}"),
        key_params(scope),
        record,
    )
    .optional()
    .db()?
    .map(with_status)
    .transpose()
}

/// Deletes up to `batch` expired records whose lease (if any) has run out; returns how many.
fn purge_batch(tx: &Transaction<'_>, now: DateTime<Utc>, batch: u32) -> Result<u64> {
    let deleted = tx
        .cached_execute(
            "DELETE FROM idempotency_keys WHERE rowid IN (
                 SELECT rowid FROM idempotency_keys
                  WHERE expires_at <= ?1 AND (locked_until IS NULL OR locked_until <= ?1) LIMIT ?2)",
            rusqlite::params![now, batch],
        )
        .db()?;
    Ok(deleted as u64)
}
