//! Credit notes on SQLite. Twin of `postgres.rs`; the judgement is in `mod.rs`. The caller's transaction
//! is a `BEGIN IMMEDIATE` one: no other writer moves the corrected invoice between its reading and the
//! update of what is credited of it.

use std::collections::BTreeMap;

use ledgerdesk_types::{CreditNoteRef, CreditOf, IssuedInvoice, Reply, round_money};
use rusqlite::{OptionalExtension, Transaction};
use rust_decimal::Decimal;

use super::{CreditCommand, CreditInvoice, Credits, Original, OriginalLine, credit_status, plan};
use crate::catalog::sqlite::tenant_id;
use crate::db::SqliteStore;
use crate::db::sqlite::{SqliteResultExt, currency_at, decimal_at};
use crate::error::{Error, Result};
use crate::idempotency;

impl Credits for SqliteStore {
    async fn credit_invoice(&self, request: CreditInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>> {
        idempotency::execute(self, CreditCommand::new(request)?, key).await
    }
}

/// Issues the credit note `request` asks for and moves what is credited of its invoice.
pub(crate) fn credit(tx: &Transaction<'_>, request: &CreditInvoice) -> Result<IssuedInvoice> {
    let original = load_original(tx, &request.tenant, &request.invoice)?;
    let plan = plan(&original, request)?;
    let issued = crate::numbering::sqlite::issue(tx, &plan.draft)?;
    tx.execute(
        "UPDATE invoices SET credited_total = ?2, credit_status = ?3 WHERE id = ?1",
        (original.id, plan.credited_total.to_string(), plan.status.as_str()),
    )
    .db()?;
    let mut moved = tx
        .prepare_cached("UPDATE invoice_lines SET credited_quantity = ?3 WHERE invoice_id = ?1 AND line_no = ?2")
        .db()?;
    for (line_no, credited) in &plan.credited_lines {
        moved.execute((original.id, line_no, credited.to_string())).db()?;
    }
    Ok(issued)
}

fn load_original(tx: &Transaction<'_>, tenant: &str, number: &str) -> Result<Original> {
    let tenant_id = tenant_id(tx, tenant)?;
    let mut original = tx
        .query_row(
            "SELECT i.id, i.number, i.issue_date, i.currency, c.code, i.credit_of IS NOT NULL, i.total, i.credited_total
               FROM invoices i LEFT JOIN customers c ON c.id = i.customer_id
              WHERE i.tenant_id = ?1 AND i.number = ?2",
            (tenant_id, number),
            |r| {
                Ok(Original {
                    id: r.get(0)?,
                    number: r.get(1)?,
                    issue_date: r.get(2)?,
                    currency: currency_at(r, 3)?,
                    customer: r.get(4)?,
                    is_credit_note: r.get(5)?,
                    total: decimal_at(r, 6)?,
                    credited_total: decimal_at(r, 7)?,
                    lines: Vec::new(),
                })
            },
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::InvoiceNotFound(number.to_owned()))?;
    let taken = credited_amounts(tx, original.id)?;
    let mut statement = tx
        .prepare_cached(
            "SELECT line_no, description, quantity, unit_price, tax_rate, net_amount, tax_amount, credited_quantity
               FROM invoice_lines WHERE invoice_id = ?1 ORDER BY line_no",
        )
        .db()?;
    original.lines = statement
        .query_map([original.id], |r| {
            let line_no: u32 = r.get(0)?;
            let (credited_net, credited_tax) = taken.get(&line_no).copied().unwrap_or_default();
            Ok(OriginalLine {
                line: ledgerdesk_types::InvoiceLine {
                    line_no,
                    description: r.get(1)?,
                    quantity: decimal_at(r, 2)?,
                    unit_price: decimal_at(r, 3)?,
                    tax_rate: decimal_at(r, 4)?,
                    net_amount: decimal_at(r, 5)?,
                    tax_amount: decimal_at(r, 6)?,
                    credits_line: None,
                    credited_quantity: decimal_at(r, 7)?,
                },
                credited_net,
                credited_tax,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    Ok(original)
}

/// Net and tax (positive) the credit notes of invoice `id` took back, per line of it.
fn credited_amounts(tx: &Transaction<'_>, id: i64) -> Result<BTreeMap<u32, (Decimal, Decimal)>> {
    let mut statement = tx
        .prepare_cached(
            "SELECT l.credits_line, l.net_amount, l.tax_amount
               FROM invoices n JOIN invoice_lines l ON l.invoice_id = n.id
              WHERE n.credit_of = ?1 AND l.credits_line IS NOT NULL",
        )
        .db()?;
    let mut taken: BTreeMap<u32, (Decimal, Decimal)> = BTreeMap::new();
    let rows = statement.query_map([id], |r| Ok((r.get::<_, u32>(0)?, decimal_at(r, 1)?, decimal_at(r, 2)?))).db()?;
    for row in rows {
        let (line, net, tax) = row.db()?;
        let entry = taken.entry(line).or_default();
        *entry = (entry.0 - net, entry.1 - tax);
    }
    Ok(taken)
}

/// Fills in what the credit side knows of `invoice`: what is credited of it and its credit notes, or,
/// for a credit note, the invoice it corrects.
pub(crate) fn attach(tx: &Transaction<'_>, invoice: &mut IssuedInvoice) -> Result<()> {
    let (credited, status, of_number, of_date, reason): (String, String, Option<String>, Option<_>, Option<String>) =
        tx.query_row(
            "SELECT i.credited_total, i.credit_status, o.number, o.issue_date, i.credit_reason
               FROM invoices i LEFT JOIN invoices o ON o.id = i.credit_of WHERE i.id = ?1",
            [invoice.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .db()?;
    invoice.credited_total = round_money(parse(&credited)?, invoice.currency);
    invoice.credit_status = credit_status(&status, "sqlite")?;
    invoice.credit_of = match (of_number, of_date) {
        (Some(number), Some(issue_date)) => Some(CreditOf { number, issue_date, reason: reason.unwrap_or_default() }),
        _ => None,
    };
    let mut lines = tx
        .prepare_cached("SELECT line_no, credits_line, credited_quantity FROM invoice_lines WHERE invoice_id = ?1")
        .db()?;
    let rows = lines.query_map([invoice.id], |r| Ok((r.get::<_, u32>(0)?, r.get(1)?, decimal_at(r, 2)?))).db()?;
    for row in rows {
        let (line_no, credits_line, credited_quantity) = row.db()?;
        if let Some(line) = invoice.lines.iter_mut().find(|l| l.line_no == line_no) {
            line.credits_line = credits_line;
            line.credited_quantity = credited_quantity;
        }
    }
    let mut notes =
        tx.prepare_cached("SELECT number, issue_date, total FROM invoices WHERE credit_of = ?1 ORDER BY id").db()?;
    let currency = invoice.currency;
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
    Ok(())
}

fn parse(text: &str) -> Result<Decimal> {
    text.parse()
        .map_err(|e| Error::Storage { backend: "sqlite", detail: format!("an unreadable amount {text:?}: {e}") })
}
