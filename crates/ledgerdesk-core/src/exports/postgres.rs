//! Staged exports on Postgres. Twin of `sqlite.rs`; the decisions are in `steps.rs` and `workflow.rs`.
//!
//! A change locks its export row first (`FOR UPDATE`, after the idempotency key), so two desktops
//! changing one export take turns and the second sees the first's version; the file of a post is
//! written on the blocking pool while the lock is held, and the audit entry is the last statement.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use ledgerdesk_types::{
    EditExport, Export, ExportDiff, ExportQuery, ExportStep, JournalRow, PrepareExport, Reply, Snapshot,
};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::diff::{EditRecord, diff};
use super::journal::{InvoiceFacts, parse_row, period_range, row_data};
use super::queries::{
    RECORD_SELECT, RawRecord, Value, gaps_of, insert_params, insert_sql, invoices_sql, lines_sql, list_sql,
    update_params, update_sql,
};
use super::setup::postgres::{destination_by_id, destination_by_name, settings};
use super::steps::{self, Changes, Gaps, Loaded};
use super::workflow::{self, ApprovalRecord, Facts, Record};
use super::{Edit, ExportError, Exports, Prepare, Step};
use crate::catalog::postgres::tenant_id;
use crate::db::postgres::{PgResultExt, placeholder};
use crate::db::{PgStore, now};
use crate::error::{Error, Result};
use crate::idempotency;
use crate::trail::Entry;
use crate::trail::postgres::append;

impl Exports for PgStore {
    async fn prepare_export(&self, request: PrepareExport, actor: &str, key: Option<&str>) -> Result<Reply<Export>> {
        idempotency::execute(self, Prepare::new(request, actor)?, key).await
    }

    async fn edit_export(&self, request: EditExport, actor: &str, key: Option<&str>) -> Result<Reply<Export>> {
        idempotency::execute(self, Edit::new(request, actor)?, key).await
    }

    async fn step_export(&self, request: ExportStep, actor: &str, key: Option<&str>) -> Result<Reply<Export>> {
        idempotency::execute(self, Step::new(request, actor)?, key).await
    }

    async fn get_export(&self, tenant: &str, export: i64, viewer: &str) -> Result<Export> {
        let mut conn = self.pool().acquire().await.db()?;
        view(&mut conn, tenant, export, viewer, now()).await
    }

    async fn list_exports(&self, tenant: &str, query: &ExportQuery) -> Result<Vec<Export>> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        let settings = settings(&mut conn, tenant_id, tenant).await?;
        let (sql, params) = list_sql(tenant_id, query, placeholder);
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
        for param in params {
            statement = match param {
                crate::db::Param::Text(t) => statement.bind(t),
                crate::db::Param::Int(i) => statement.bind(i),
                crate::db::Param::Time(t) => statement.bind(t),
            };
        }
        let rows = statement.fetch_all(&mut *conn).await.db()?;
        let mut destinations = BTreeMap::new();
        let mut exports = Vec::with_capacity(rows.len());
        for row in rows {
            let raw = raw_record(&row).db()?;
            let id = raw.destination_id;
            if let std::collections::btree_map::Entry::Vacant(slot) = destinations.entry(id) {
                slot.insert(destination_by_id(&mut conn, tenant, id).await?);
            }
            exports.push(workflow::listed(raw.into_record(destinations[&id].clone())?, &settings));
        }
        Ok(exports)
    }

    async fn export_rows(&self, tenant: &str, export: i64, snapshot: Snapshot) -> Result<Vec<JournalRow>> {
        let mut conn = self.pool().acquire().await.db()?;
        let record = record(&mut conn, tenant, export, false).await?;
        rows(&mut conn, record.id, snapshot).await
    }

    async fn diff_export(&self, tenant: &str, export: i64, from: Snapshot, to: Snapshot) -> Result<ExportDiff> {
        let mut tx = self.pool().begin().await.db()?;
        // Both snapshots and the edits from one moment.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await.db()?;
        let record = record(&mut tx, tenant, export, false).await?;
        let (older, newer) = (rows(&mut tx, record.id, from).await?, rows(&mut tx, record.id, to).await?);
        let edits = edits(&mut tx, record.id).await?;
        tx.commit().await.db()?;
        Ok(diff(record.id, (from, &older), (to, &newer), &edits))
    }
}

fn raw_record(r: &PgRow) -> std::result::Result<RawRecord, sqlx::Error> {
    Ok(RawRecord {
        id: r.try_get(0)?,
        tenant_id: r.try_get(1)?,
        tenant: r.try_get(2)?,
        destination_id: r.try_get(3)?,
        period: r.try_get(4)?,
        series_id: r.try_get(5)?,
        series: r.try_get(6)?,
        state: r.try_get(7)?,
        version: r.try_get(8)?,
        review_round: r.try_get(9)?,
        revision_of: r.try_get(10)?,
        prepared_by: r.try_get(11)?,
        prepared_at: r.try_get(12)?,
        posted: (r.try_get(13)?, r.try_get(14)?, r.try_get(15)?, r.try_get(16)?),
        rollback_requested_by: r.try_get(17)?,
        rollback_reason: r.try_get(18)?,
        reversal: (r.try_get(19)?, r.try_get(20)?, r.try_get(21)?, r.try_get(22)?),
        error: r.try_get(23)?,
        row_count: r.try_get(24)?,
        currency: r.try_get(25)?,
        net: r.try_get(26)?,
        tax: r.try_get(27)?,
        gross: r.try_get(28)?,
        snapshot_hash: r.try_get(29)?,
        quality: r.try_get(30)?,
        updated_by: r.try_get(31)?,
        updated_at: r.try_get(32)?,
    })
}

/// Binds `values` to `sql` in order.
fn with_values(
    sql: String,
    values: Vec<Value>,
) -> sqlx::query::Query<'static, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for value in values {
        query = match value {
            Value::Text(t) => query.bind(t),
            Value::Int(i) => query.bind(i),
            Value::Money(m) => query.bind(m),
            Value::Time(t) => query.bind(t),
        };
    }
    query
}

async fn record(conn: &mut PgConnection, tenant: &str, id: i64, lock: bool) -> Result<Record> {
    let sql = format!("{RECORD_SELECT} WHERE e.id = $1 AND t.code = $2{}", if lock { " FOR UPDATE OF e" } else { "" });
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(tenant)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(ExportError::NotFound(id))?;
    let raw = raw_record(&row).db()?;
    let destination = destination_by_id(conn, tenant, raw.destination_id).await?;
    raw.into_record(destination)
}

type ApprovalRow = (String, i64, i32, String, String, bool, DateTime<Utc>, DateTime<Utc>);

async fn facts(conn: &mut PgConnection, tenant: &str, id: i64, lock: bool) -> Result<Facts> {
    let record = record(&mut *conn, tenant, id, lock).await?;
    let editors: Vec<String> = sqlx::query_scalar("SELECT DISTINCT actor FROM export_edits WHERE export_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .db()?;
    let approvals: Vec<ApprovalRow> = sqlx::query_as(
        "SELECT kind, round, level, approver, snapshot_hash, acknowledged, approved_at, lapses_at
           FROM export_approvals WHERE export_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let approvals = approvals
        .into_iter()
        .map(|(kind, round, level, approver, snapshot_hash, acknowledged, approved_at, lapses_at)| ApprovalRecord {
            kind,
            round,
            level: u8::try_from(level).unwrap_or(0),
            approver,
            snapshot_hash,
            acknowledged,
            approved_at,
            lapses_at,
        })
        .collect();
    let settings = settings(conn, record.tenant_id, tenant).await?;
    Ok(Facts { record, editors: editors.into_iter().collect::<BTreeSet<_>>(), approvals, settings })
}

async fn view(conn: &mut PgConnection, tenant: &str, id: i64, viewer: &str, at: DateTime<Utc>) -> Result<Export> {
    Ok(workflow::to_export(&facts(conn, tenant, id, false).await?, viewer, at))
}

async fn rows(conn: &mut PgConnection, export: i64, snapshot: Snapshot) -> Result<Vec<JournalRow>> {
    let data: Vec<String> =
        sqlx::query_scalar("SELECT data FROM export_rows WHERE export_id = $1 AND snapshot = $2 ORDER BY position")
            .bind(export)
            .bind(snapshot.as_str())
            .fetch_all(conn)
            .await
            .db()?;
    data.iter().map(|d| parse_row(d)).collect()
}

type EditRow = (String, String, String, String, String, String, DateTime<Utc>);

async fn edits(conn: &mut PgConnection, export: i64) -> Result<Vec<EditRecord>> {
    let rows: Vec<EditRow> = sqlx::query_as(
        "SELECT row_id, field, old_value, new_value, reason, actor, at FROM export_edits WHERE export_id = $1 ORDER BY id",
    )
    .bind(export)
    .fetch_all(conn)
    .await
    .db()?;
    Ok(rows
        .into_iter()
        .map(|(row_id, field, old_value, new_value, reason, actor, at)| EditRecord {
            row_id,
            field,
            old_value,
            new_value,
            reason,
            actor,
            at,
        })
        .collect())
}

type InvoiceRow = (
    i64,
    String,
    String,
    String,
    NaiveDate,
    String,
    Decimal,
    Decimal,
    Decimal,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The invoices of a period (and series), with their lines, and the gaps of their numbering periods.
async fn period_facts(
    conn: &mut PgConnection,
    tenant: &str,
    tenant_id: i64,
    period: &str,
    series_id: Option<i64>,
) -> Result<(Vec<InvoiceFacts>, Gaps)> {
    let (from, to) = period_range(period)?;
    let mut invoices_query =
        sqlx::query_as::<_, InvoiceRow>(sqlx::AssertSqlSafe(invoices_sql(placeholder, series_id.is_some())))
            .bind(tenant_id)
            .bind(from)
            .bind(to);
    let mut lines_query = sqlx::query_as::<_, (i64, Decimal, Decimal, Decimal)>(sqlx::AssertSqlSafe(lines_sql(
        placeholder,
        series_id.is_some(),
    )))
    .bind(tenant_id)
    .bind(from)
    .bind(to);
    if let Some(series) = series_id {
        invoices_query = invoices_query.bind(series);
        lines_query = lines_query.bind(series);
    }
    let rows = invoices_query.fetch_all(&mut *conn).await.db()?;
    let mut index = BTreeMap::new();
    let mut invoices = Vec::with_capacity(rows.len());
    for (id, number, series, period, date, currency, net_total, tax_total, total, customer, name, tax_id) in rows {
        index.insert(id, invoices.len());
        invoices.push(InvoiceFacts {
            number,
            series,
            period,
            date,
            currency: currency.parse().map_err(|e| Error::Storage { backend: "postgres", detail: format!("{e}") })?,
            net_total,
            tax_total,
            total,
            customer,
            customer_name: name,
            customer_tax_id: tax_id,
            lines: Vec::new(),
        });
    }
    for (invoice, rate, net, tax) in lines_query.fetch_all(&mut *conn).await.db()? {
        if let Some(&i) = index.get(&invoice) {
            invoices[i].lines.push((rate, net, tax));
        }
    }
    let audit = crate::continuity::postgres::audit_in(conn, tenant).await?;
    let gaps = gaps_of(audit, &steps::numbering_periods(&invoices));
    Ok((invoices, gaps))
}

async fn loaded(conn: &mut PgConnection, tenant: &str, id: i64) -> Result<Loaded> {
    let facts = facts(&mut *conn, tenant, id, true).await?;
    let record = &facts.record;
    let (invoices, gaps) = period_facts(&mut *conn, tenant, record.tenant_id, &record.period, record.series_id).await?;
    let rows = rows(&mut *conn, id, Snapshot::Approved).await?;
    let edits = edits(conn, id).await?;
    Ok(Loaded { facts, rows, edits, invoices, gaps })
}

/// Inserts rows of one snapshot in one statement.
async fn insert_rows(
    conn: &mut PgConnection,
    export: i64,
    snapshot: Snapshot,
    rows: &[(String, i64, String)],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&(String, i64, String)) -> String| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO export_rows (export_id, snapshot, row_id, position, data)
         SELECT $1, $2, r.row_id, r.position, r.data
           FROM UNNEST($3::text[], $4::int4[], $5::text[]) AS r (row_id, position, data)",
    )
    .bind(export)
    .bind(snapshot.as_str())
    .bind(column(|r| r.0.clone()))
    .bind(rows.iter().map(|r| r.1 as i32).collect::<Vec<_>>())
    .bind(column(|r| r.2.clone()))
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

/// Prepares an export (or, with `revision_of`, the revision of a rejected one).
pub(crate) async fn prepare(
    conn: &mut PgConnection,
    request: &PrepareExport,
    actor: &str,
    revision_of: Option<i64>,
    at: DateTime<Utc>,
) -> Result<Export> {
    let tenant = request.tenant.as_str();
    let tenant_id = tenant_id(&mut *conn, tenant).await?;
    let destination = destination_by_name(&mut *conn, tenant, tenant_id, &request.destination)
        .await?
        .ok_or_else(|| ExportError::DestinationNotFound(request.destination.clone()))?;
    let series = match &request.series {
        Some(code) => {
            Some((crate::catalog::postgres::series_id(&mut *conn, tenant, tenant_id, code).await?, code.clone()))
        }
        None => None,
    };
    let settings = settings(&mut *conn, tenant_id, tenant).await?;
    let (invoices, gaps) =
        period_facts(&mut *conn, tenant, tenant_id, &request.period, series.as_ref().map(|s| s.0)).await?;
    let new = steps::prepared(
        (tenant_id, tenant),
        destination,
        &request.period,
        series,
        &settings,
        &invoices,
        &gaps,
        revision_of,
        actor,
        at,
    )?;
    let mut record = new.record;
    let inserted = with_values(insert_sql(placeholder), insert_params(&record)?).fetch_one(&mut *conn).await.db()?;
    record.id = inserted.try_get(0).db()?;
    let rows: Vec<(String, i64, String)> = new
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| Ok((r.row_id.clone(), i as i64, row_data(r)?)))
        .collect::<Result<_>>()?;
    insert_rows(&mut *conn, record.id, Snapshot::Prepared, &rows).await?;
    insert_rows(&mut *conn, record.id, Snapshot::Approved, &rows).await?;
    append(&mut *conn, tenant_id, tenant, &steps::prepared_entry(&record, actor), at).await?;
    view(conn, tenant, record.id, actor, at).await
}

pub(crate) async fn edit(conn: &mut PgConnection, edit: &Edit, at: DateTime<Utc>) -> Result<Export> {
    let request = &edit.request;
    let loaded = loaded(&mut *conn, &request.tenant, request.export).await?;
    let changes = steps::edited(&loaded, request, &edit.actor, at)?;
    write(&mut *conn, &changes, at).await?;
    view(conn, &request.tenant, request.export, &edit.actor, at).await
}

pub(crate) async fn step(conn: &mut PgConnection, step: &Step, at: DateTime<Utc>) -> Result<Export> {
    let request = &step.request;
    let loaded = loaded(&mut *conn, &request.tenant, request.export).await?;
    let mut changes = steps::stepped(&loaded, request, &step.actor, at)?;
    if changes.revise {
        return revise(conn, &loaded.facts.record, step, at).await;
    }
    if let Some(job) = changes.file.take() {
        let (job, written) = tokio::task::spawn_blocking(move || job.carry_out())
            .await
            .map_err(|e| Error::Storage { backend: "postgres", detail: format!("the file writer stopped: {e}") })?;
        changes.file_written(&job, written)?;
    }
    write(&mut *conn, &changes, at).await?;
    view(conn, &request.tenant, request.export, &step.actor, at).await
}

/// A rejected export prepared again from the invoices, as a new export revising it.
async fn revise(conn: &mut PgConnection, rejected: &Record, step: &Step, at: DateTime<Utc>) -> Result<Export> {
    let revised: Option<i64> = sqlx::query_scalar("SELECT id FROM exports WHERE revision_of = $1")
        .bind(rejected.id)
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    if let Some(revision) = revised {
        return Err(ExportError::RevisedAlready { export: rejected.id, revision }.into());
    }
    let request = super::revision_request(rejected);
    let entry = Entry::new(&step.actor, "export.revise", format!("export:{}", rejected.id));
    let export = prepare(&mut *conn, &request, &step.actor, Some(rejected.id), at).await?;
    append(conn, rejected.tenant_id, &rejected.tenant, &entry.after(&json!({"revision": export.id})), at).await?;
    Ok(export)
}

async fn write(conn: &mut PgConnection, changes: &Changes, at: DateTime<Utc>) -> Result<()> {
    let record = &changes.record;
    let mut params = vec![Value::Int(Some(record.id)), Value::Int(Some(changes.old_version))];
    params.extend(update_params(record)?);
    if with_values(update_sql(placeholder), params).execute(&mut *conn).await.db()?.rows_affected() != 1 {
        return Err(
            ExportError::VersionConflict { export: record.id, expected: changes.old_version, current: -1 }.into()
        );
    }
    if let Some((row_id, data)) = &changes.row {
        sqlx::query("UPDATE export_rows SET data = $3 WHERE export_id = $1 AND snapshot = 'approved' AND row_id = $2")
            .bind(record.id)
            .bind(row_id)
            .bind(data)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    if let Some(edit) = &changes.edit {
        sqlx::query(
            "INSERT INTO export_edits (export_id, row_id, field, old_value, new_value, reason, actor, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(record.id)
        .bind(&edit.row_id)
        .bind(&edit.field)
        .bind(&edit.old_value)
        .bind(&edit.new_value)
        .bind(&edit.reason)
        .bind(&edit.actor)
        .bind(edit.at)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    if let Some(a) = &changes.approval {
        sqlx::query(
            "INSERT INTO export_approvals (export_id, kind, round, level, approver, snapshot_hash, acknowledged,
                                           approved_at, lapses_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(record.id)
        .bind(&a.kind)
        .bind(a.round)
        .bind(i32::from(a.level))
        .bind(&a.approver)
        .bind(&a.snapshot_hash)
        .bind(a.acknowledged)
        .bind(a.approved_at)
        .bind(a.lapses_at)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    insert_rows(&mut *conn, record.id, Snapshot::Posted, &changes.posted_rows).await?;
    append(conn, record.tenant_id, &record.tenant, &changes.audit, at).await?;
    Ok(())
}
