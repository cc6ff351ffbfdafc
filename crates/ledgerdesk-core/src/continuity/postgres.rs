//! Reads the audit's facts on Postgres, in one REPEATABLE READ snapshot. Twin of `sqlite.rs`.

use ledgerdesk_types::NumberingAudit;
use sqlx::{PgConnection, PgPool};

use super::{Continuity, Facts, judge};
use crate::catalog::postgres::tenant_id;
use crate::db::PgStore;
use crate::db::postgres::PgResultExt;
use crate::error::Result;

impl Continuity for PgStore {
    async fn audit_numbering(&self, tenant: &str) -> Result<Vec<NumberingAudit>> {
        audit(self.pool(), tenant).await
    }
}

async fn triples(conn: &mut PgConnection, sql: &'static str, tenant_id: i64) -> Result<Vec<(String, String, i64)>> {
    sqlx::query_as(sql).bind(tenant_id).fetch_all(conn).await.db()
}

async fn audit(pool: &PgPool, tenant: &str) -> Result<Vec<NumberingAudit>> {
    let mut tx = pool.begin().await.db()?;
    // One snapshot for all four reads, so an issue committing meanwhile cannot look like a gap.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await.db()?;
    let audit = audit_in(&mut tx, tenant).await?;
    tx.commit().await.db()?;
    Ok(audit)
}

/// The audit read inside the caller's transaction (an export's quality check, which holds the export's
/// row lock meanwhile).
pub(crate) async fn audit_in(tx: &mut PgConnection, tenant: &str) -> Result<Vec<NumberingAudit>> {
    let id = tenant_id(&mut *tx, tenant).await?;
    let facts = Facts {
        counters: triples(
            &mut *tx,
            "SELECT s.code, q.period, q.next_value FROM invoice_sequences q
               JOIN invoice_series s ON s.id = q.series_id WHERE q.tenant_id = $1",
            id,
        )
        .await?,
        issued: triples(
            &mut *tx,
            "SELECT s.code, i.period, i.seq FROM invoices i
               JOIN invoice_series s ON s.id = i.series_id WHERE i.tenant_id = $1",
            id,
        )
        .await?,
        voided: triples(
            &mut *tx,
            "SELECT s.code, v.period, v.seq FROM voided_numbers v
               JOIN invoice_series s ON s.id = v.series_id WHERE v.tenant_id = $1",
            id,
        )
        .await?,
        open_reservations: sqlx::query_as(
            "SELECT s.code, r.period, r.first_seq, r.last_seq FROM number_reservations r
               JOIN invoice_series s ON s.id = r.series_id
              WHERE r.tenant_id = $1 AND r.released_at IS NULL",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .db()?,
    };
    Ok(judge(tenant, facts))
}
