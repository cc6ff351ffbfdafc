//! The audit trail on SQLite. Twin of `postgres.rs`; the chain's rules are in `mod.rs`.
//!
//! An append runs inside the caller's `BEGIN IMMEDIATE` transaction: the writer lock already orders
//! every writer, so reading the head and moving it on cannot interleave with another append.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{AuditEntry, AuditQuery, ChainVerdict};
use rusqlite::{OptionalExtension, Row, Transaction};

use super::{AuditTrail, Entry, Stored, VERIFY_BATCH, Verifier, body, link, list_sql, verify_batch_sql};
use crate::catalog::sqlite::tenant_id;
use crate::db::SqliteStore;
use crate::db::sqlite::{Cached, SqliteResultExt, bind_all, placeholder};
use crate::error::{Error, Result};

impl AuditTrail for SqliteStore {
    async fn list_audit(&self, tenant: &str, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| {
            let (sql, params) = list_sql(tenant_id(tx, &tenant)?, &query, placeholder);
            let mut statement = tx.prepare(&sql).db()?;
            let rows = statement.query_map(bind_all(params), stored).db()?;
            rows.map(|row| row.db().map(Stored::into_entry)).collect()
        })
        .await
    }

    async fn verify_audit(&self, tenant: &str) -> Result<ChainVerdict> {
        let tenant = tenant.to_owned();
        // One read transaction: the head and every entry come from the same snapshot.
        self.read(move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            let (head_seq, head_hash) = head(tx, tenant_id)?;
            let mut verifier = Verifier::new(&tenant, head_seq, head_hash);
            walk(tx, tenant_id, |entry| verifier.check(entry))?;
            Ok(verifier.finish())
        })
        .await
    }

    async fn scan_audit(&self, tenant: &str) -> Result<u64> {
        let tenant = tenant.to_owned();
        self.read(move |tx| {
            let mut read = 0;
            walk(tx, tenant_id(tx, &tenant)?, |_| {
                read += 1;
                true
            })?;
            Ok(read)
        })
        .await
    }
}

/// Reads the tenant's entries in seq order, a batch at a time, until `visit` says stop.
fn walk(tx: &Transaction<'_>, tenant_id: i64, mut visit: impl FnMut(&Stored) -> bool) -> Result<()> {
    let mut statement = tx.prepare(&verify_batch_sql(placeholder)).db()?;
    let mut after = 0;
    loop {
        let batch = statement
            .query_map((tenant_id, after, VERIFY_BATCH), stored)
            .db()?
            .collect::<rusqlite::Result<Vec<Stored>>>()
            .db()?;
        for entry in &batch {
            if !visit(entry) {
                return Ok(());
            }
        }
        match batch.last() {
            Some(last) if batch.len() as i64 == VERIFY_BATCH => after = last.seq,
            _ => return Ok(()),
        }
    }
}

fn stored(r: &Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        body: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

fn head(tx: &Transaction<'_>, tenant_id: i64) -> Result<(i64, String)> {
    tx.cached_row("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?1", [tenant_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?
        .ok_or_else(|| Error::Storage { backend: "sqlite", detail: "the tenant has no audit head".into() })
}

/// Appends `entry` to `tenant`'s chain inside the caller's write transaction; returns its seq. Call it
/// last, just before commit.
pub(crate) fn append(
    tx: &Transaction<'_>,
    tenant_id: i64,
    tenant: &str,
    entry: &Entry,
    at: DateTime<Utc>,
) -> Result<i64> {
    let (last, prev_hash) = head(tx, tenant_id)?;
    let seq = last + 1;
    let body = body(tenant, at, entry)?;
    let hash = link(&prev_hash, seq, &body);
    tx.cached_execute(
        "INSERT INTO audit_trail (tenant_id, seq, at, actor, action, subject, body, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![tenant_id, seq, at, entry.actor, entry.action, entry.subject, body, prev_hash, hash],
    )
    .db()?;
    tx.cached_execute(
        "UPDATE audit_heads SET seq = ?2, hash = ?3, prev_hash = hash WHERE tenant_id = ?1",
        (tenant_id, seq, &hash),
    )
    .db()?;
    Ok(seq)
}
