//! Reads the audit's facts on SQLite. Twin of `postgres.rs`.

use ledgerdesk_types::NumberingAudit;
use rusqlite::Transaction;

use super::{Continuity, Facts, judge};
use crate::catalog::sqlite::tenant_id;
use crate::db::SqliteStore;
use crate::db::sqlite::SqliteResultExt;
use crate::error::Result;

impl Continuity for SqliteStore {
    async fn audit_numbering(&self, tenant: &str) -> Result<Vec<NumberingAudit>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| audit(tx, &tenant)).await
    }
}

fn triples(tx: &Transaction<'_>, sql: &str, tenant_id: i64) -> Result<Vec<(String, String, i64)>> {
    tx.prepare(sql)
        .db()?
        .query_map([tenant_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()
}

/// The audit read inside the caller's transaction.
pub(crate) fn audit(tx: &Transaction<'_>, tenant: &str) -> Result<Vec<NumberingAudit>> {
    let id = tenant_id(tx, tenant)?;
    let facts = Facts {
        counters: triples(
            tx,
            "SELECT s.code, q.period, q.next_value FROM invoice_sequences q
               JOIN invoice_series s ON s.id = q.series_id WHERE q.tenant_id = ?1",
            id,
        )?,
        issued: triples(
            tx,
            "SELECT s.code, i.period, i.seq FROM invoices i
               JOIN invoice_series s ON s.id = i.series_id WHERE i.tenant_id = ?1",
            id,
        )?,
        voided: triples(
            tx,
            "SELECT s.code, v.period, v.seq FROM voided_numbers v
               JOIN invoice_series s ON s.id = v.series_id WHERE v.tenant_id = ?1",
            id,
        )?,
        open_reservations: tx
            .prepare(
                "SELECT s.code, r.period, r.first_seq, r.last_seq FROM number_reservations r
                   JOIN invoice_series s ON s.id = r.series_id
                  WHERE r.tenant_id = ?1 AND r.released_at IS NULL",
            )
            .db()?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()?,
    };
    Ok(judge(tenant, facts))
}
