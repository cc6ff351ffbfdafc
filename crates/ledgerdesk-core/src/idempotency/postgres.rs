//! Idempotency keys on Postgres. Twin of `sqlite.rs`; the judgement is in `mod.rs`.
//!
//! READ COMMITTED: a second claim of a fresh key waits on the primary key until the first claim commits,
//! then finds its row; `SELECT … FOR UPDATE` reads the newest committed version and holds it while the
//! claim decides, so two requests can never both take over one abandoned key.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{IdempotencyQuery, IdempotencyRecord, KeyStatus, Purged};
use sqlx::{PgConnection, PgPool};

use super::{
    Claim, Command, Existing, Held, KeyLedger, Keys, RECORD_COLUMNS, Scope, Step, decide, list_sql, status, to_json,
};
use crate::db::postgres::{PgResultExt, bind_all};
use crate::db::{KeyPolicy, PgStore, in_batches, now};
use crate::error::{Error, Result};
use crate::fault;
use crate::identity::{Action, Authorize as _};

impl Keys for PgStore {
    async fn list_idempotency_records(&self, tenant: &str, query: &IdempotencyQuery) -> Result<Vec<IdempotencyRecord>> {
        list(self.pool(), tenant, query, now()).await
    }

    async fn get_idempotency_record(
        &self,
        tenant: &str,
        user: &str,
        command: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>> {
        get(self.pool(), &Scope::lookup(tenant, user, command, key)).await
    }

    async fn purge_idempotency_records(&self, batch: u32) -> Result<Purged> {
        // Clerks hold DELETE on keys to free their own (the server limits them to those); purging every
        // expired key is an administrator's, held here.
        self.authorize(Action::KeepHousekeeping, None)?;
        // Clerks hold DELETE on keys to free their own (the server limits them to those); purging every
        // expired key is an administrator's, so it is checked here too.
        crate::identity::authorize(
            crate::db::Backend::identity(self),
            crate::identity::Action::KeepHousekeeping,
            None,
        )?;
        in_batches(batch, |batch| self.retried(Error::busy, move || purge_batch(self.pool(), now(), batch))).await
    }
}

impl KeyLedger for PgStore {
    async fn claim(&self, scope: &Scope, fingerprint: &str) -> Result<Claim> {
        self.retried(Error::busy, || claim(self.pool(), scope, fingerprint, self.key_policy(), now())).await
    }

    async fn apply<C: Command>(&self, command: &Arc<C>, held: Option<&Held>) -> Result<C::Output> {
        self.retried(C::exhausted, || async {
            if held.is_none() && command.postgres_autocommit() {
                let mut conn = self.pool().acquire().await.db()?;
                return command.apply_postgres(&mut conn).await;
            }
            let mut tx = self.pool().begin().await.db()?;
            if let Some(held) = held
                && !confirm(&mut tx, held).await?
            {
                return Err(Error::IdempotencyLeaseLost);
            }
            let value = command.apply_postgres(&mut tx).await?;
            if let Some(held) = held {
                if !finish(&mut tx, held, KeyStatus::Completed, &to_json(&value)?, now()).await? {
                    return Err(Error::IdempotencyLeaseLost);
                }
                fault::pause("before-commit").await;
            }
            tx.commit().await.db()?;
            Ok(value)
        })
        .await
    }

    async fn record_failure(&self, held: &Held, error: &str) -> Result<()> {
        let mut conn = self.pool().acquire().await.db()?;
        finish(&mut conn, held, KeyStatus::Failed, error, now()).await.map(drop)
    }

    async fn release(&self, held: &Held) -> Result<()> {
        let mut conn = self.pool().acquire().await.db()?;
        release(&mut conn, held).await
    }
}

const WHERE_KEY: &str = "tenant = $1 AND user_id = $2 AND command = $3 AND key = $4";

/// A query with the key's four scope columns bound as `$1`–`$4`.
macro_rules! keyed {
    ($kind:ident, $sql:expr, $scope:expr) => {
        sqlx::$kind(sqlx::AssertSqlSafe($sql))
            .bind(&$scope.tenant)
            .bind(&$scope.user)
            .bind(&$scope.command)
            .bind(&$scope.key)
    };
}

/// Inserts a fresh claim with `fence`; returns whether the key was free.
async fn insert_claim(
    conn: &mut PgConnection,
    scope: &Scope,
    fingerprint: &str,
    fence: i64,
    policy: KeyPolicy,
    now: DateTime<Utc>,
) -> Result<bool> {
    let inserted = keyed!(
        query,
        "INSERT INTO idempotency_keys (tenant, user_id, command, key, fingerprint, status, fence, created_at,
                                       locked_until, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'in_flight', $6, $7, $8, $9)
         ON CONFLICT DO NOTHING"
            .to_owned(),
        scope
    )
    .bind(fingerprint)
    .bind(fence)
    .bind(now)
    .bind(policy.lease_until(now))
    .bind(policy.expiry(now))
    .execute(conn)
    .await
    .db()?;
    Ok(inserted.rows_affected() == 1)
}

async fn claim(
    pool: &PgPool,
    scope: &Scope,
    fingerprint: &str,
    policy: KeyPolicy,
    now: DateTime<Utc>,
) -> Result<Claim> {
    // The claim does not wait for its WAL flush: a crash may lose it, which costs only a retry, and the
    // effect's own (synchronous) commit comes later in the WAL, so flushing it flushes the claim too.
    // Both statements go in one round trip.
    let mut tx = pool.begin_with("BEGIN; SET LOCAL synchronous_commit TO OFF").await.db()?;
    let claim = claim_in(&mut tx, scope, fingerprint, policy, now).await?;
    tx.commit().await.db()?;
    Ok(claim)
}

/// Step 1 inside the caller's transaction (a batch claims all its keys first, in its own): the key row
/// inserted or judged, and locked until that transaction ends.
pub(crate) async fn claim_in(
    tx: &mut PgConnection,
    scope: &Scope,
    fingerprint: &str,
    policy: KeyPolicy,
    now: DateTime<Utc>,
) -> Result<Claim> {
    let inserted = insert_claim(&mut *tx, scope, fingerprint, 1, policy, now).await?;
    if inserted {
        return Ok(Claim::Held { fence: 1 });
    }
    type Row = (String, String, i64, Option<DateTime<Utc>>, DateTime<Utc>, Option<String>);
    let (fingerprint_was, status_text, fence, locked_until, expires_at, response): Row = keyed!(
        query_as,
        format!(
            "SELECT fingerprint, status, fence, locked_until, expires_at, response
               FROM idempotency_keys WHERE {WHERE_KEY} FOR UPDATE"
        ),
        scope
    )
    .fetch_one(&mut *tx)
    .await
    .db()?;
    let existing = Existing {
        fingerprint: fingerprint_was,
        status: status(&status_text)?,
        fence,
        locked_until,
        expires_at,
        response,
    };
    let claim = match decide(&existing, fingerprint, &scope.command, now)? {
        Step::Replay => {
            keyed!(
                query,
                format!("UPDATE idempotency_keys SET replays = replays + 1, last_replayed_at = $5 WHERE {WHERE_KEY}"),
                scope
            )
            .bind(now)
            .execute(&mut *tx)
            .await
            .db()?;
            Claim::Finished { status: existing.status, response: existing.response.unwrap_or_default() }
        }
        Step::TakeOver => {
            keyed!(
                query,
                format!("UPDATE idempotency_keys SET fence = fence + 1, locked_until = $5 WHERE {WHERE_KEY}"),
                scope
            )
            .bind(policy.lease_until(now))
            .execute(&mut *tx)
            .await
            .db()?;
            Claim::Held { fence: existing.fence + 1 }
        }
        Step::Renew => {
            // The fence keeps counting, so a holder of the expired claim can never match the new one.
            keyed!(query, format!("DELETE FROM idempotency_keys WHERE {WHERE_KEY}"), scope)
                .execute(&mut *tx)
                .await
                .db()?;
            insert_claim(&mut *tx, scope, fingerprint, existing.fence + 1, policy, now).await?;
            Claim::Held { fence: existing.fence + 1 }
        }
    };
    Ok(claim)
}

/// Whether `held.fence` is still the key's and it is still in flight, locking the key row until commit:
/// the first statement of the effect's transaction, so a holder whose key was taken over does nothing,
/// and no takeover can start while the effect runs.
async fn confirm(conn: &mut PgConnection, held: &Held) -> Result<bool> {
    let found: Option<i32> = keyed!(
        query_scalar,
        format!("SELECT 1 FROM idempotency_keys WHERE {WHERE_KEY} AND fence = $5 AND status = 'in_flight' FOR UPDATE"),
        held.scope
    )
    .bind(held.fence)
    .fetch_optional(conn)
    .await
    .db()?;
    Ok(found.is_some())
}

/// Marks the key finished with `response`, if `held.fence` is still the key's; returns whether it was.
pub(crate) async fn finish(
    conn: &mut PgConnection,
    held: &Held,
    status: KeyStatus,
    response: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let updated = keyed!(
        query,
        format!(
            "UPDATE idempotency_keys SET status = $5, response = $6, completed_at = $7, locked_until = NULL
              WHERE {WHERE_KEY} AND fence = $8 AND status = 'in_flight'"
        ),
        held.scope
    )
    .bind(status.as_str())
    .bind(response)
    .bind(now)
    .bind(held.fence)
    .execute(conn)
    .await
    .db()?;
    Ok(updated.rows_affected() == 1)
}

/// Deletes the claim, if `held.fence` is still the key's and it is still in flight.
pub(crate) async fn release(conn: &mut PgConnection, held: &Held) -> Result<()> {
    keyed!(
        query,
        format!("DELETE FROM idempotency_keys WHERE {WHERE_KEY} AND fence = $5 AND status = 'in_flight'"),
        held.scope
    )
    .bind(held.fence)
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

type RecordRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    i64,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

fn record(row: RecordRow) -> Result<IdempotencyRecord> {
    let (
        tenant,
        user,
        command,
        key,
        fingerprint,
        status_text,
        fence,
        response,
        replays,
        created_at,
        locked_until,
        completed_at,
        expires_at,
    ) = row;
    Ok(IdempotencyRecord {
        tenant,
        user,
        command,
        key,
        fingerprint,
        status: status(&status_text)?,
        fence,
        response,
        replays,
        created_at,
        locked_until,
        completed_at,
        expires_at,
    })
}

async fn list(
    pool: &PgPool,
    tenant: &str,
    query: &IdempotencyQuery,
    now: DateTime<Utc>,
) -> Result<Vec<IdempotencyRecord>> {
    let (sql, params) = list_sql(tenant, query, now, |n| format!("${n}"));
    let rows = bind_all(sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql)), params).fetch_all(pool).await.db()?;
    rows.into_iter().map(record).collect()
}

async fn get(pool: &PgPool, scope: &Scope) -> Result<Option<IdempotencyRecord>> {
    let row: Option<RecordRow> =
        keyed!(query_as, format!("SELECT {RECORD_COLUMNS} FROM idempotency_keys WHERE {WHERE_KEY}"), scope)
            .fetch_optional(pool)
            .await
            .db()?;
    row.map(record).transpose()
}

/// Deletes up to `batch` expired records whose lease (if any) has run out; returns how many.
async fn purge_batch(pool: &PgPool, now: DateTime<Utc>, batch: u32) -> Result<u64> {
    let deleted = sqlx::query(
        "DELETE FROM idempotency_keys WHERE ctid IN (
             SELECT ctid FROM idempotency_keys
              WHERE expires_at <= $1 AND (locked_until IS NULL OR locked_until <= $1) LIMIT $2)",
    )
    .bind(now)
    .bind(i64::from(batch))
    .execute(pool)
    .await
    .db()?;
    Ok(deleted.rows_affected())
}
