//! Staged exports on SQLite. Twin of `postgres.rs`; the decisions are in `steps.rs` and `workflow.rs`.
//!
//! Every change runs under `BEGIN IMMEDIATE`, which orders it against every other writer; a file is
//! written inside that transaction (its commit records it), and the audit entry is the last write.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use ledgerdesk_types::{
    EditExport, Export, ExportDiff, ExportQuery, ExportStep, JournalRow, PrepareExport, Reply, Snapshot,
};
use rusqlite::{OptionalExtension, Row, Transaction};
use serde_json::json;

use super::diff::{EditRecord, diff};
use super::journal::{InvoiceFacts, parse_row, period_range, row_data};
use super::queries::{
    RECORD_SELECT, RawRecord, Value, gaps_of, insert_params, insert_sql, invoices_sql, lines_sql, list_sql,
    update_params, update_sql,
};
use super::setup::sqlite::{destination_by_id, destination_by_name, settings};
use super::steps::{self, Changes, Gaps, Loaded};
use super::workflow::{self, ApprovalRecord, Facts, Record};
use super::{Edit, ExportError, Exports, Prepare, Step};
use crate::catalog::sqlite::tenant_id;
use crate::db::sqlite::{SqliteResultExt, bind_all, decimal_at, placeholder};
use crate::db::{SqliteStore, now};
use crate::error::Result;
use crate::idempotency;
use crate::trail::Entry;
use crate::trail::sqlite::append;

impl Exports for SqliteStore {
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
        let (tenant, viewer) = (tenant.to_owned(), viewer.to_owned());
        self.read(move |tx| view(tx, &tenant, export, &viewer, now())).await
    }

    async fn list_exports(&self, tenant: &str, query: &ExportQuery) -> Result<Vec<Export>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            let settings = settings(tx, tenant_id, &tenant)?;
            let (sql, params) = list_sql(tenant_id, &query, placeholder);
            let raws: Vec<RawRecord> = tx
                .prepare(&sql)
                .db()?
                .query_map(bind_all(params), raw_record)
                .db()?
                .collect::<rusqlite::Result<_>>()
                .db()?;
            let mut destinations = BTreeMap::new();
            raws.into_iter()
                .map(|raw| {
                    let id = raw.destination_id;
                    if let std::collections::btree_map::Entry::Vacant(slot) = destinations.entry(id) {
                        slot.insert(destination_by_id(tx, &tenant, id)?);
                    }
                    Ok(workflow::listed(raw.into_record(destinations[&id].clone())?, &settings))
                })
                .collect()
        })
        .await
    }

    async fn export_rows(&self, tenant: &str, export: i64, snapshot: Snapshot) -> Result<Vec<JournalRow>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| {
            let record = record(tx, &tenant, export)?;
            rows(tx, record.id, snapshot)
        })
        .await
    }

    async fn diff_export(&self, tenant: &str, export: i64, from: Snapshot, to: Snapshot) -> Result<ExportDiff> {
        let tenant = tenant.to_owned();
        self.read(move |tx| {
            let record = record(tx, &tenant, export)?;
            let (older, newer) = (rows(tx, record.id, from)?, rows(tx, record.id, to)?);
            Ok(diff(record.id, (from, &older), (to, &newer), &edits(tx, record.id)?))
        })
        .await
    }
}

fn raw_record(r: &Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok(RawRecord {
        id: r.get(0)?,
        tenant_id: r.get(1)?,
        tenant: r.get(2)?,
        destination_id: r.get(3)?,
        period: r.get(4)?,
        series_id: r.get(5)?,
        series: r.get(6)?,
        state: r.get(7)?,
        version: r.get(8)?,
        review_round: r.get(9)?,
        revision_of: r.get(10)?,
        prepared_by: r.get(11)?,
        prepared_at: r.get(12)?,
        posted: (r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?),
        rollback_requested_by: r.get(17)?,
        rollback_reason: r.get(18)?,
        reversal: (r.get(19)?, r.get(20)?, r.get(21)?, r.get(22)?),
        error: r.get(23)?,
        row_count: r.get(24)?,
        currency: r.get(25)?,
        net: decimal_at(r, 26)?,
        tax: decimal_at(r, 27)?,
        gross: decimal_at(r, 28)?,
        snapshot_hash: r.get(29)?,
        quality: r.get(30)?,
        updated_by: r.get(31)?,
        updated_at: r.get(32)?,
    })
}

fn values(values: Vec<Value>) -> rusqlite::ParamsFromIter<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value as Sql;
    let text = |t: Option<String>| t.map_or(Sql::Null, Sql::Text);
    rusqlite::params_from_iter(
        values
            .into_iter()
            .map(|value| match value {
                Value::Text(t) => text(t),
                Value::Int(i) => i.map_or(Sql::Null, Sql::Integer),
                Value::Money(m) => Sql::Text(m.to_string()),
                Value::Time(t) => text(t.map(|t| t.format("%F %T%.f%:z").to_string())),
            })
            .collect(),
    )
}

fn record(tx: &Transaction<'_>, tenant: &str, id: i64) -> Result<Record> {
    let sql = format!("{RECORD_SELECT} WHERE e.id = ?1 AND t.code = ?2");
    let raw = tx.query_row(&sql, (id, tenant), raw_record).optional().db()?.ok_or(ExportError::NotFound(id))?;
    let destination = destination_by_id(tx, tenant, raw.destination_id)?;
    raw.into_record(destination)
}

fn facts(tx: &Transaction<'_>, tenant: &str, id: i64) -> Result<Facts> {
    let record = record(tx, tenant, id)?;
    let editors: BTreeSet<String> = tx
        .prepare("SELECT DISTINCT actor FROM export_edits WHERE export_id = ?1")
        .db()?
        .query_map([id], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let approvals = tx
        .prepare(
            "SELECT kind, round, level, approver, snapshot_hash, acknowledged, approved_at, lapses_at
               FROM export_approvals WHERE export_id = ?1 ORDER BY id",
        )
        .db()?
        .query_map([id], |r| {
            Ok(ApprovalRecord {
                kind: r.get(0)?,
                round: r.get(1)?,
                level: r.get(2)?,
                approver: r.get(3)?,
                snapshot_hash: r.get(4)?,
                acknowledged: r.get(5)?,
                approved_at: r.get(6)?,
                lapses_at: r.get(7)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let settings = settings(tx, record.tenant_id, tenant)?;
    Ok(Facts { record, editors, approvals, settings })
}

fn view(tx: &Transaction<'_>, tenant: &str, id: i64, viewer: &str, at: DateTime<Utc>) -> Result<Export> {
    Ok(workflow::to_export(&facts(tx, tenant, id)?, viewer, at))
}

fn rows(tx: &Transaction<'_>, export: i64, snapshot: Snapshot) -> Result<Vec<JournalRow>> {
    let mut statement =
        tx.prepare("SELECT data FROM export_rows WHERE export_id = ?1 AND snapshot = ?2 ORDER BY position").db()?;
    let data = statement.query_map((export, snapshot.as_str()), |r| r.get::<_, String>(0)).db()?;
    data.map(|d| parse_row(&d.db()?)).collect()
}

fn edits(tx: &Transaction<'_>, export: i64) -> Result<Vec<EditRecord>> {
    let mut statement = tx
        .prepare("SELECT row_id, field, old_value, new_value, reason, actor, at FROM export_edits WHERE export_id = ?1 ORDER BY id")
        .db()?;
    statement
        .query_map([export], |r| {
            Ok(EditRecord {
                row_id: r.get(0)?,
                field: r.get(1)?,
                old_value: r.get(2)?,
                new_value: r.get(3)?,
                reason: r.get(4)?,
                actor: r.get(5)?,
                at: r.get(6)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()
}

/// The invoices of a period (and series), with their lines, and the gaps of their numbering periods.
fn period_facts(
    tx: &Transaction<'_>,
    tenant: &str,
    tenant_id: i64,
    period: &str,
    series_id: Option<i64>,
) -> Result<(Vec<InvoiceFacts>, Gaps)> {
    let (from, to) = period_range(period)?;
    let mut params: Vec<rusqlite::types::Value> =
        vec![tenant_id.into(), from.to_string().into(), to.to_string().into()];
    params.extend(series_id.map(rusqlite::types::Value::from));
    let mut invoices: Vec<(i64, InvoiceFacts)> = tx
        .prepare(&invoices_sql(placeholder, series_id.is_some()))
        .db()?
        .query_map(rusqlite::params_from_iter(params.clone()), |r| {
            Ok((
                r.get(0)?,
                InvoiceFacts {
                    number: r.get(1)?,
                    series: r.get(2)?,
                    period: r.get(3)?,
                    date: r.get::<_, NaiveDate>(4)?,
                    currency: crate::db::sqlite::currency_at(r, 5)?,
                    net_total: decimal_at(r, 6)?,
                    tax_total: decimal_at(r, 7)?,
                    total: decimal_at(r, 8)?,
                    customer: r.get(9)?,
                    customer_name: r.get(10)?,
                    customer_tax_id: r.get(11)?,
                    lines: Vec::new(),
                },
            ))
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let index: BTreeMap<i64, usize> = invoices.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    let mut statement = tx.prepare(&lines_sql(placeholder, series_id.is_some())).db()?;
    let lines = statement
        .query_map(rusqlite::params_from_iter(params), |r| {
            Ok((r.get::<_, i64>(0)?, decimal_at(r, 1)?, decimal_at(r, 2)?, decimal_at(r, 3)?))
        })
        .db()?;
    for line in lines {
        let (invoice, rate, net, tax) = line.db()?;
        if let Some(&i) = index.get(&invoice) {
            invoices[i].1.lines.push((rate, net, tax));
        }
    }
    let invoices: Vec<InvoiceFacts> = invoices.into_iter().map(|(_, facts)| facts).collect();
    let gaps = gaps_of(crate::continuity::sqlite::audit(tx, tenant)?, &steps::numbering_periods(&invoices));
    Ok((invoices, gaps))
}

fn loaded(tx: &Transaction<'_>, tenant: &str, id: i64) -> Result<Loaded> {
    let facts = facts(tx, tenant, id)?;
    let record = &facts.record;
    let (invoices, gaps) = period_facts(tx, tenant, record.tenant_id, &record.period, record.series_id)?;
    Ok(Loaded { rows: rows(tx, id, Snapshot::Approved)?, edits: edits(tx, id)?, invoices, gaps, facts })
}

fn insert_rows(tx: &Transaction<'_>, export: i64, snapshot: Snapshot, rows: &[(String, i64, String)]) -> Result<()> {
    let mut statement = tx
        .prepare("INSERT INTO export_rows (export_id, snapshot, row_id, position, data) VALUES (?1, ?2, ?3, ?4, ?5)")
        .db()?;
    for (row_id, position, data) in rows {
        statement.execute((export, snapshot.as_str(), row_id, position, data)).db()?;
    }
    Ok(())
}

/// Prepares an export (or, with `revision_of`, the revision of a rejected one).
pub(crate) fn prepare(
    tx: &Transaction<'_>,
    request: &PrepareExport,
    actor: &str,
    revision_of: Option<i64>,
    at: DateTime<Utc>,
) -> Result<Export> {
    let tenant = request.tenant.as_str();
    let tenant_id = tenant_id(tx, tenant)?;
    let destination = destination_by_name(tx, tenant, tenant_id, &request.destination)?
        .ok_or_else(|| ExportError::DestinationNotFound(request.destination.clone()))?;
    let series = match &request.series {
        Some(code) => Some((crate::catalog::sqlite::series_id(tx, tenant, tenant_id, code)?, code.clone())),
        None => None,
    };
    let settings = settings(tx, tenant_id, tenant)?;
    let (invoices, gaps) = period_facts(tx, tenant, tenant_id, &request.period, series.as_ref().map(|s| s.0))?;
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
    record.id = tx.query_row(&insert_sql(placeholder), values(insert_params(&record)?), |r| r.get(0)).db()?;
    let rows: Vec<(String, i64, String)> = new
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| Ok((r.row_id.clone(), i as i64, row_data(r)?)))
        .collect::<Result<_>>()?;
    insert_rows(tx, record.id, Snapshot::Prepared, &rows)?;
    insert_rows(tx, record.id, Snapshot::Approved, &rows)?;
    append(tx, tenant_id, tenant, &steps::prepared_entry(&record, actor), at)?;
    view(tx, tenant, record.id, actor, at)
}

pub(crate) fn edit(tx: &Transaction<'_>, edit: &Edit, at: DateTime<Utc>) -> Result<Export> {
    let request = &edit.request;
    let loaded = loaded(tx, &request.tenant, request.export)?;
    let changes = steps::edited(&loaded, request, &edit.actor, at)?;
    write(tx, &changes, at)?;
    view(tx, &request.tenant, request.export, &edit.actor, at)
}

pub(crate) fn step(tx: &Transaction<'_>, step: &Step, at: DateTime<Utc>) -> Result<Export> {
    let request = &step.request;
    let loaded = loaded(tx, &request.tenant, request.export)?;
    let mut changes = steps::stepped(&loaded, request, &step.actor, at)?;
    if changes.revise {
        return revise(tx, &loaded.facts.record, step, at);
    }
    if let Some(job) = changes.file.take() {
        let (job, written) = job.carry_out();
        changes.file_written(&job, written)?;
    }
    write(tx, &changes, at)?;
    view(tx, &request.tenant, request.export, &step.actor, at)
}

/// A rejected export prepared again from the invoices, as a new export revising it.
fn revise(tx: &Transaction<'_>, rejected: &Record, step: &Step, at: DateTime<Utc>) -> Result<Export> {
    let revised: Option<i64> =
        tx.query_row("SELECT id FROM exports WHERE revision_of = ?1", [rejected.id], |r| r.get(0)).optional().db()?;
    if let Some(revision) = revised {
        return Err(ExportError::RevisedAlready { export: rejected.id, revision }.into());
    }
    let request = super::revision_request(rejected);
    let entry = Entry::new(&step.actor, "export.revise", format!("export:{}", rejected.id));
    let export = prepare(tx, &request, &step.actor, Some(rejected.id), at)?;
    append(tx, rejected.tenant_id, &rejected.tenant, &entry.after(&json!({"revision": export.id})), at)?;
    Ok(export)
}

fn write(tx: &Transaction<'_>, changes: &Changes, at: DateTime<Utc>) -> Result<()> {
    let record = &changes.record;
    let mut params = vec![Value::Int(Some(record.id)), Value::Int(Some(changes.old_version))];
    params.extend(update_params(record)?);
    if tx.execute(&update_sql(placeholder), values(params)).db()? != 1 {
        return Err(
            ExportError::VersionConflict { export: record.id, expected: changes.old_version, current: -1 }.into()
        );
    }
    if let Some((row_id, data)) = &changes.row {
        tx.execute(
            "UPDATE export_rows SET data = ?3 WHERE export_id = ?1 AND snapshot = 'approved' AND row_id = ?2",
            (record.id, row_id, data),
        )
        .db()?;
    }
    if let Some(edit) = &changes.edit {
        tx.execute(
            "INSERT INTO export_edits (export_id, row_id, field, old_value, new_value, reason, actor, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                record.id,
                edit.row_id,
                edit.field,
                edit.old_value,
                edit.new_value,
                edit.reason,
                edit.actor,
                edit.at
            ],
        )
        .db()?;
    }
    if let Some(a) = &changes.approval {
        tx.execute(
            "INSERT INTO export_approvals (export_id, kind, round, level, approver, snapshot_hash, acknowledged,
                                           approved_at, lapses_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rusqlite::params![
                record.id,
                a.kind,
                a.round,
                a.level,
                a.approver,
                a.snapshot_hash,
                a.acknowledged,
                a.approved_at,
                a.lapses_at
            ],
        )
        .db()?;
    }
    insert_rows(tx, record.id, Snapshot::Posted, &changes.posted_rows)?;
    append(tx, record.tenant_id, &record.tenant, &changes.audit, at)?;
    Ok(())
}
