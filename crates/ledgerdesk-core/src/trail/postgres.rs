//! The audit trail on Postgres. Twin of `sqlite.rs`; the chain's rules are in `mod.rs`.
//!
//! An append is one statement in the caller's transaction: an UPDATE moves the tenant's head one step on
//! (computing the new hash in SQL from the old one, exactly as [`super::link`] does) and so locks it
//! until commit; the entry is inserted from what it returns. Concurrent appends wait on the head row in
//! turn: the chain never forks.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{AuditEntry, AuditQuery, ChainVerdict};
use sqlx::PgConnection;

use super::{AuditTrail, Entry, Stored, VERIFY_BATCH, Verifier, body, list_sql, verify_batch_sql};
use crate::catalog::postgres::tenant_id;
use crate::db::PgStore;
use crate::db::postgres::{PgResultExt, bind_all, placeholder};
use crate::error::{Error, Result};

type StoredRow = (i64, DateTime<Utc>, String, String, String, String, String, String);

fn stored((seq, at, actor, action, subject, body, prev_hash, hash): StoredRow) -> Stored {
    Stored { seq, at, actor, action, subject, body, prev_hash, hash }
}

impl AuditTrail for PgStore {
    async fn list_audit(&self, tenant: &str, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let mut conn = self.pool().acquire().await.db()?;
        let (sql, params) = list_sql(tenant_id(&mut conn, tenant).await?, query, placeholder);
        let rows: Vec<StoredRow> =
            bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), params).fetch_all(&mut *conn).await.db()?;
        Ok(rows.into_iter().map(|row| stored(row).into_entry()).collect())
    }

    async fn verify_audit(&self, tenant: &str) -> Result<ChainVerdict> {
        let mut tx = self.pool().begin().await.db()?;
        // One snapshot for the head and every entry, so appends meanwhile do not look like insertions.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await.db()?;
        let tenant_id = tenant_id(&mut tx, tenant).await?;
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1")
                .bind(tenant_id)
                .fetch_optional(&mut *tx)
                .await
                .db()?
                .ok_or_else(|| Error::Storage { backend: "postgres", detail: "the tenant has no audit head".into() })?;
        let mut verifier = Verifier::new(tenant, head_seq, head_hash);
        walk(&mut tx, tenant_id, |entry| verifier.check(entry)).await?;
        tx.commit().await.db()?;
        Ok(verifier.finish())
    }

    async fn scan_audit(&self, tenant: &str) -> Result<u64> {
        let mut tx = self.pool().begin().await.db()?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await.db()?;
        let tenant_id = tenant_id(&mut tx, tenant).await?;
        let mut read = 0;
        walk(&mut tx, tenant_id, |_| {
            read += 1;
            true
        })
        .await?;
        tx.commit().await.db()?;
        Ok(read)
    }
}

/// Reads the tenant's entries in seq order, a batch at a time, until `visit` says stop.
async fn walk(conn: &mut PgConnection, tenant_id: i64, mut visit: impl FnMut(&Stored) -> bool) -> Result<()> {
    let sql = verify_batch_sql(placeholder);
    let mut after = 0;
    loop {
        let batch: Vec<StoredRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(tenant_id)
            .bind(after)
            .bind(VERIFY_BATCH)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let full = batch.len() as i64 == VERIFY_BATCH;
        let mut last = None;
        for entry in batch.into_iter().map(stored) {
            if !visit(&entry) {
                return Ok(());
            }
            last = Some(entry.seq);
        }
        match last {
            Some(seq) if full => after = seq,
            _ => return Ok(()),
        }
    }
}

/// The append statement's two CTEs, `audit_head` and `audit_entry`, from SQL expressions for the tenant
/// id, at, actor, action, subject and body, in that order; also used inside larger statements (an invoice
/// issue, whose subject and body are computed in SQL).
pub(crate) fn append_ctes([tenant, at, actor, action, subject, body]: [&str; 6]) -> String {
    format!(
        "audit_head AS (
             UPDATE audit_heads SET prev_hash = hash, seq = seq + 1,
                    hash = encode(sha256(convert_to(hash || E'\\n' || (seq + 1)::text || E'\\n' || {body}, 'UTF8')), 'hex')
              WHERE tenant_id = {tenant}
             RETURNING tenant_id, seq, hash, prev_hash
         ), audit_entry AS (
             INSERT INTO audit_trail (tenant_id, seq, at, actor, action, subject, body, prev_hash, hash)
             SELECT tenant_id, seq, {at}, {actor}, {action}, {subject}, {body}, prev_hash, hash FROM audit_head
             RETURNING seq
         )"
    )
}

/// Appends `entry` to `tenant`'s chain inside the caller's transaction; returns its seq. Call it last,
/// just before commit: it holds the tenant's head row until then.
pub(crate) async fn append(
    conn: &mut PgConnection,
    tenant_id: i64,
    tenant: &str,
    entry: &Entry,
    at: DateTime<Utc>,
) -> Result<i64> {
    let body = body(tenant, at, entry)?;
    let sql = format!("WITH {} SELECT seq FROM audit_entry", append_ctes(["$1", "$2", "$3", "$4", "$5", "$6"]));
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(tenant_id)
        .bind(at)
        .bind(&entry.actor)
        .bind(entry.action)
        .bind(&entry.subject)
        .bind(body)
        .fetch_optional(conn)
        .await
        .db()?
        .ok_or_else(|| Error::Storage { backend: "postgres", detail: "the tenant has no audit head".into() })
}
