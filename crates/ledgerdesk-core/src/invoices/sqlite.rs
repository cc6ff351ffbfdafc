//! Reading invoices on SQLite. Twin of `postgres.rs`.

use chrono::NaiveDate;
use ledgerdesk_types::{
    CreditNoteRef, InvoiceLine, InvoiceListQuery, InvoiceSummary, IssuedInvoice, PaymentStatus, round_money,
};
use rusqlite::{OptionalExtension, Row, Transaction};

use super::{Invoices, found, invoice_from, list_sql, tenant_and_filters_sql, validate_list_query};
use crate::catalog::sqlite::tenant_id;
use crate::db::SqliteStore;
use crate::db::sqlite::{SqliteResultExt, currency_at, decimal_at};
use crate::error::{Error, Result};

impl Invoices for SqliteStore {
    async fn get_invoice(&self, tenant: &str, number: &str) -> Result<IssuedInvoice> {
        crate::validate::validate_number(number)?;
        let (tenant, number) = (tenant.to_owned(), number.to_owned());
        self.read(move |tx| get(tx, &tenant, &number)).await
    }

    async fn list_invoices(&self, tenant: &str, query: &InvoiceListQuery) -> Result<Vec<InvoiceSummary>> {
        validate_list_query(tenant, query)?;
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| list(tx, &tenant, &query)).await
    }
}

/// One invoice by tenant and number.
const GET_SQL: &str = concat!(
    "SELECT i.id, i.number, s.code, i.period, i.seq, c.code, i.issue_date, i.currency,
            i.net_total, i.tax_total, i.total, i.created_by, i.created_at, i.paid_total,
            i.credited_total, i.credit_status, o.number, o.issue_date, i.credit_reason",
    invoice_from!(),
    "LEFT JOIN invoices o ON o.id = i.credit_of
     WHERE i.tenant_id = ?1 AND i.number = ?2"
);

/// One line read with [`LINE_COLUMNS`](super::LINE_COLUMNS).
pub(crate) fn line_at(r: &Row<'_>) -> rusqlite::Result<InvoiceLine> {
    Ok(InvoiceLine {
        line_no: r.get(0)?,
        description: r.get(1)?,
        quantity: decimal_at(r, 2)?,
        unit_price: decimal_at(r, 3)?,
        tax_rate: decimal_at(r, 4)?,
        net_amount: decimal_at(r, 5)?,
        tax_amount: decimal_at(r, 6)?,
        credits_line: r.get(7)?,
        credited_quantity: decimal_at(r, 8)?,
    })
}

/// The lines of invoice `id`, in their order.
pub(crate) fn lines_of(tx: &Transaction<'_>, id: i64) -> Result<Vec<InvoiceLine>> {
    let sql = format!("SELECT {} FROM invoice_lines WHERE invoice_id = ?1 ORDER BY line_no", super::LINE_COLUMNS);
    let mut statement = tx.prepare_cached(&sql).db()?;
    statement.query_map([id], line_at).db()?.collect::<rusqlite::Result<_>>().db()
}

fn list(tx: &Transaction<'_>, tenant: &str, query: &InvoiceListQuery) -> Result<Vec<InvoiceSummary>> {
    let row = tx
        .query_row(&tenant_and_filters_sql(|n| format!("?{n}")), (tenant, &query.series, &query.customer), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .db()?;
    let tenant_id = found(tenant, query, row)?;
    let (sql, params) = list_sql(tenant_id, query, |n| format!("?{n}"));
    let mut statement = tx.prepare_cached(&sql).db()?;
    let rows = statement
        .query_map(crate::db::sqlite::bind_all(params), |r| {
            Ok(InvoiceSummary {
                id: r.get(0)?,
                number: r.get(1)?,
                series: r.get(2)?,
                period: r.get(3)?,
                seq: r.get(4)?,
                customer: r.get(5)?,
                issue_date: r.get(6)?,
                currency: currency_at(r, 7)?,
                total: decimal_at(r, 8)?,
                payment_status: PaymentStatus::of(decimal_at(r, 8)?, decimal_at(r, 9)?),
                credit_status: Default::default(),
            })
            .and_then(|summary| Ok((summary, r.get::<_, String>(10)?)))
        })
        .db()?;
    rows.map(|row| {
        let (summary, status) = row.db()?;
        Ok(InvoiceSummary { credit_status: super::credit_status(&status, "sqlite")?, ..summary })
    })
    .collect()
}

pub(crate) fn get(tx: &Transaction<'_>, tenant: &str, number: &str) -> Result<IssuedInvoice> {
    let tenant_id = tenant_id(tx, tenant)?;
    let (mut invoice, status, credit_of) = tx
        .query_row(GET_SQL, (tenant_id, number), |r| {
            let invoice = IssuedInvoice {
                id: r.get(0)?,
                number: r.get(1)?,
                tenant: tenant.to_owned(),
                series: r.get(2)?,
                period: r.get(3)?,
                seq: r.get(4)?,
                customer: r.get(5)?,
                issue_date: r.get(6)?,
                currency: currency_at(r, 7)?,
                net_total: decimal_at(r, 8)?,
                tax_total: decimal_at(r, 9)?,
                total: decimal_at(r, 10)?,
                created_by: r.get(11)?,
                created_at: r.get(12)?,
                lines: Vec::new(),
                paid_total: decimal_at(r, 13)?,
                payment_status: PaymentStatus::of(decimal_at(r, 10)?, decimal_at(r, 13)?),
                payments: Vec::new(),
                credited_total: decimal_at(r, 14)?,
                credit_status: Default::default(),
                credit_of: None,
                credit_notes: Vec::new(),
            };
            let credit_of: (Option<String>, Option<NaiveDate>, Option<String>) = (r.get(16)?, r.get(17)?, r.get(18)?);
            Ok((invoice, r.get::<_, String>(15)?, credit_of))
        })
        .optional()
        .db()?
        .ok_or_else(|| Error::InvoiceNotFound(number.to_owned()))?;
    let currency = invoice.currency;
    invoice.lines = lines_of(tx, invoice.id)?;
    invoice.paid_total = round_money(invoice.paid_total, currency);
    invoice.payments = crate::payments::sqlite::of_invoice(tx, invoice.id)?;
    invoice.credited_total = round_money(invoice.credited_total, currency);
    invoice.credit_status = super::credit_status(&status, "sqlite")?;
    invoice.credit_of = super::credit_of(credit_of);
    let mut notes = tx.prepare_cached(&super::CREDIT_NOTES_SQL.replace("{p}", "?1")).db()?;
    invoice.credit_notes = notes
        .query_map([invoice.id], |r| {
            Ok(CreditNoteRef {
                number: r.get(0)?,
                issue_date: r.get(1)?,
                total: round_money(decimal_at(r, 2)?, currency),
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    Ok(invoice)
}
