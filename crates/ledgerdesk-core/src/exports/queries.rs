//! The SQL both twins share, written once with each dialect's placeholder, and the shapes they read
//! rows into.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{Destination, ExportQuery, ExportState, NumberingAudit, PostedFile, Quality};
use rust_decimal::Decimal;

use super::workflow::{Record, Summary};
use crate::db::Param;
use crate::error::{Error, Result};

/// An export row's columns, in the order [`RawRecord`] is read in; `FROM` included (`e` is the export).
pub(crate) const RECORD_SELECT: &str =
    "SELECT e.id, e.tenant_id, t.code, e.destination_id, e.period, e.series_id, s.code,
        e.state, e.version, e.review_round, e.revision_of, e.prepared_by, e.prepared_at,
        e.posted_file, e.posted_size, e.posted_sha256, e.posted_at, e.rollback_requested_by, e.rollback_reason,
        e.reversal_file, e.reversal_size, e.reversal_sha256, e.rolled_back_at, e.error,
        e.row_count, e.currency, e.net_total, e.tax_total, e.gross_total, e.snapshot_hash, e.quality,
        e.updated_by, e.updated_at
   FROM exports e JOIN tenants t ON t.id = e.tenant_id LEFT JOIN invoice_series s ON s.id = e.series_id";

/// A destination's columns, in the order both twins read them.
pub(crate) const DESTINATION_COLUMNS: &str =
    "id, name, format, folder, advisor_number, client_number, created_by, created_at";

/// Everything an UPDATE of an export writes: `{1}` id, `{2}` the version it must still have, then the
/// mutable columns from `{3}` on (see [`update_params`]).
pub(crate) fn update_sql(p: fn(usize) -> String) -> String {
    let columns = [
        "state",
        "version",
        "review_round",
        "posted_file",
        "posted_size",
        "posted_sha256",
        "posted_at",
        "rollback_requested_by",
        "rollback_reason",
        "reversal_file",
        "reversal_size",
        "reversal_sha256",
        "rolled_back_at",
        "error",
        "row_count",
        "currency",
        "net_total",
        "tax_total",
        "gross_total",
        "snapshot_hash",
        "quality",
        "updated_by",
        "updated_at",
    ];
    let set: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} = {}", p(i + 3))).collect();
    format!("UPDATE exports SET {} WHERE id = {} AND version = {}", set.join(", "), p(1), p(2))
}

/// A value written by [`update_sql`] or an insert; each twin binds it with its types.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Money(Decimal),
    Time(Option<DateTime<Utc>>),
}

fn file_values(file: &Option<PostedFile>) -> [Value; 4] {
    [
        Value::Text(file.as_ref().map(|f| f.path.clone())),
        Value::Int(file.as_ref().map(|f| f.size as i64)),
        Value::Text(file.as_ref().map(|f| f.sha256.clone())),
        Value::Time(file.as_ref().map(|f| f.at)),
    ]
}

/// The values of [`update_sql`] from `{3}` on.
pub(crate) fn update_params(record: &Record) -> Result<Vec<Value>> {
    let summary = &record.summary;
    let mut values = vec![
        Value::Text(Some(record.state.as_str().to_owned())),
        Value::Int(Some(record.version)),
        Value::Int(Some(record.review_round)),
    ];
    values.extend(file_values(&record.posted));
    values.push(Value::Text(record.rollback_requested_by.clone()));
    values.push(Value::Text(record.rollback_reason.clone()));
    values.extend(file_values(&record.reversal));
    values.extend([
        Value::Text(record.error.clone()),
        Value::Int(Some(i64::from(summary.rows))),
        Value::Text(summary.currency.map(|c| c.code().to_owned())),
        Value::Money(summary.net),
        Value::Money(summary.tax),
        Value::Money(summary.gross),
        Value::Text(Some(summary.snapshot_hash.clone())),
        Value::Text(Some(quality_json(&summary.quality)?)),
        Value::Text(Some(record.updated_by.clone())),
        Value::Time(Some(record.updated_at)),
    ]);
    Ok(values)
}

/// The insert of a new export: the immutable columns, then the same mutable ones as [`update_sql`].
pub(crate) fn insert_sql(p: fn(usize) -> String) -> String {
    let placeholders: Vec<String> = (1..=30).map(p).collect();
    format!(
        "INSERT INTO exports (tenant_id, destination_id, period, series_id, revision_of, prepared_by, prepared_at,
                              state, version, review_round, posted_file, posted_size, posted_sha256, posted_at,
                              rollback_requested_by, rollback_reason, reversal_file, reversal_size, reversal_sha256,
                              rolled_back_at, error, row_count, currency, net_total, tax_total, gross_total,
                              snapshot_hash, quality, updated_by, updated_at)
         VALUES ({}) RETURNING id",
        placeholders.join(", ")
    )
}

/// The values of [`insert_sql`].
pub(crate) fn insert_params(record: &Record) -> Result<Vec<Value>> {
    let mut values = vec![
        Value::Int(Some(record.tenant_id)),
        Value::Int(Some(record.destination.id)),
        Value::Text(Some(record.period.clone())),
        Value::Int(record.series_id),
        Value::Int(record.revision_of),
        Value::Text(Some(record.prepared_by.clone())),
        Value::Time(Some(record.prepared_at)),
    ];
    values.extend(update_params(record)?);
    Ok(values)
}

/// The export list: tenant `{1}`, newest first, with the state filter.
pub(crate) fn list_sql(tenant_id: i64, query: &ExportQuery, p: fn(usize) -> String) -> (String, Vec<Param>) {
    let mut sql = format!("{RECORD_SELECT} WHERE e.tenant_id = {}", p(1));
    let mut params = vec![Param::Int(tenant_id)];
    if let Some(state) = query.state {
        params.push(Param::Text(state.as_str().to_owned()));
        sql.push_str(&format!(" AND e.state = {}", p(params.len())));
    }
    params.push(Param::Int(i64::from(query.limit.unwrap_or(100).clamp(1, 500))));
    sql.push_str(&format!(" ORDER BY e.id DESC LIMIT {}", p(params.len())));
    (sql, params)
}

/// The invoices of tenant `{1}` issued from `{2}` to `{3}` (and in series `{4}` when `series`).
pub(crate) fn invoices_sql(p: fn(usize) -> String, series: bool) -> String {
    let filter = if series { format!(" AND i.series_id = {}", p(4)) } else { String::new() };
    format!(
        "SELECT i.id, i.number, s.code, i.period, i.issue_date, i.currency, i.net_total, i.tax_total, i.total,
                c.code, c.name, c.tax_id
           FROM invoices i JOIN invoice_series s ON s.id = i.series_id LEFT JOIN customers c ON c.id = i.customer_id
          WHERE i.tenant_id = {} AND i.issue_date BETWEEN {} AND {}{filter}
          ORDER BY i.id",
        p(1),
        p(2),
        p(3)
    )
}

/// Their lines: (invoice id, tax rate, net, tax), same parameters.
pub(crate) fn lines_sql(p: fn(usize) -> String, series: bool) -> String {
    let filter = if series { format!(" AND i.series_id = {}", p(4)) } else { String::new() };
    format!(
        "SELECT l.invoice_id, l.tax_rate, l.net_amount, l.tax_amount
           FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
          WHERE i.tenant_id = {} AND i.issue_date BETWEEN {} AND {}{filter}",
        p(1),
        p(2),
        p(3)
    )
}

/// The missing positions of the numbering periods an export's invoices belong to.
pub(crate) fn gaps_of(
    audit: Vec<NumberingAudit>,
    periods: &BTreeSet<(String, String)>,
) -> Vec<(String, String, Vec<i64>)> {
    audit
        .into_iter()
        .filter(|a| !a.gaps.is_empty() && periods.contains(&(a.series.clone(), a.period.clone())))
        .map(|a| (a.series, a.period, a.gaps))
        .collect()
}

/// A stored quality check as JSON.
pub(crate) fn quality_json(quality: &Quality) -> Result<String> {
    serde_json::to_string(quality)
        .map_err(|e| Error::Storage { backend: "core", detail: format!("cannot encode a quality check: {e}") })
}

/// An export row as read, before its types are checked.
pub(crate) struct RawRecord {
    pub id: i64,
    pub tenant_id: i64,
    pub tenant: String,
    pub destination_id: i64,
    pub period: String,
    pub series_id: Option<i64>,
    pub series: Option<String>,
    pub state: String,
    pub version: i64,
    pub review_round: i64,
    pub revision_of: Option<i64>,
    pub prepared_by: String,
    pub prepared_at: DateTime<Utc>,
    pub posted: RawFile,
    pub rollback_requested_by: Option<String>,
    pub rollback_reason: Option<String>,
    pub reversal: RawFile,
    pub error: Option<String>,
    pub row_count: i64,
    pub currency: Option<String>,
    pub net: Decimal,
    pub tax: Decimal,
    pub gross: Decimal,
    pub snapshot_hash: String,
    pub quality: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A file's four columns: path, size, sha256, time.
pub(crate) type RawFile = (Option<String>, Option<i64>, Option<String>, Option<DateTime<Utc>>);

fn file((path, size, sha256, at): RawFile) -> Option<PostedFile> {
    Some(PostedFile { path: path?, size: size?.unsigned_abs(), sha256: sha256?, at: at? })
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::Storage { backend: "core", detail: format!("a stored export has an unreadable {what}: {detail}") }
}

impl RawRecord {
    /// The record, with its destination.
    pub(crate) fn into_record(self, destination: Destination) -> Result<Record> {
        let state: ExportState = self.state.parse().map_err(|e| corrupt("state", e))?;
        let currency = self.currency.map(|c| c.parse()).transpose().map_err(|e| corrupt("currency", e))?;
        let quality: Quality = serde_json::from_str(&self.quality).map_err(|e| corrupt("quality", e))?;
        Ok(Record {
            id: self.id,
            tenant_id: self.tenant_id,
            tenant: self.tenant,
            destination,
            period: self.period,
            series_id: self.series_id,
            series: self.series,
            state,
            version: self.version,
            review_round: self.review_round,
            revision_of: self.revision_of,
            prepared_by: self.prepared_by,
            prepared_at: self.prepared_at,
            posted: file(self.posted),
            reversal: file(self.reversal),
            rollback_requested_by: self.rollback_requested_by,
            rollback_reason: self.rollback_reason,
            error: self.error,
            summary: Summary {
                rows: u32::try_from(self.row_count).unwrap_or(0),
                currency,
                net: self.net,
                tax: self.tax,
                gross: self.gross,
                snapshot_hash: self.snapshot_hash,
                quality,
            },
            updated_by: self.updated_by,
            updated_at: self.updated_at,
        })
    }
}

/// A destination as read.
pub(crate) type RawDestination = (i64, String, String, String, Option<i64>, Option<i64>, String, DateTime<Utc>);

/// A destination, its types checked.
pub(crate) fn destination(tenant: &str, raw: RawDestination) -> Result<Destination> {
    let (id, name, format, folder, advisor, client, created_by, created_at) = raw;
    let number = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok());
    Ok(Destination {
        id,
        tenant: tenant.to_owned(),
        name,
        format: format.parse().map_err(|e| corrupt("format", e))?,
        folder,
        advisor_number: number(advisor),
        client_number: number(client),
        created_by,
        created_at,
    })
}
