//! Reading invoices on SQLite. Twin of `postgres.rs`.

use ledgerdesk_types::{InvoiceLine, InvoiceListQuery, InvoiceSummary, IssuedInvoice, PaymentStatus, round_money};
use rusqlite::{OptionalExtension, Transaction};

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
            i.net_total, i.tax_total, i.total, i.created_by, i.created_at, i.paid_total",
    invoice_from!(),
    "WHERE i.tenant_id = ?1 AND i.number = ?2"
);

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
        Ok(InvoiceSummary { credit_status: crate::credits::credit_status(&status, "sqlite")?, ..summary })
    })
    .collect()
}

fn get(tx: &Transaction<'_>, tenant: &str, number: &str) -> Result<IssuedInvoice> {
    let tenant_id = tenant_id(tx, tenant)?;
    let mut invoice = tx
        .query_row(GET_SQL, (tenant_id, number), |r| {
            Ok(IssuedInvoice {
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
                credited_total: Default::default(),
                credit_status: Default::default(),
                credit_of: None,
                credit_notes: Vec::new(),
            })
        })
        .optional()
        .db()?
        .ok_or_else(|| Error::InvoiceNotFound(number.to_owned()))?;
    let mut statement = tx
        .prepare_cached(
            "SELECT line_no, description, quantity, unit_price, tax_rate, net_amount, tax_amount
               FROM invoice_lines WHERE invoice_id = ?1 ORDER BY line_no",
        )
        .db()?;
    invoice.lines = statement
        .query_map([invoice.id], |r| {
            Ok(InvoiceLine {
                line_no: r.get(0)?,
                description: r.get(1)?,
                quantity: decimal_at(r, 2)?,
                unit_price: decimal_at(r, 3)?,
                tax_rate: decimal_at(r, 4)?,
                net_amount: decimal_at(r, 5)?,
                tax_amount: decimal_at(r, 6)?,
                credits_line: None,
                credited_quantity: Default::default(),
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    invoice.paid_total = round_money(invoice.paid_total, invoice.currency);
    invoice.payments = crate::payments::sqlite::of_invoice(tx, invoice.id)?;
    crate::credits::sqlite::attach(tx, &mut invoice)?;
    Ok(invoice)
}
