//! Credit notes on SQLite. Twin of `postgres.rs`; the judgement is in `mod.rs`. The caller's transaction
//! is a `BEGIN IMMEDIATE` one: no other writer moves the corrected invoice between its reading and the
//! update of what is credited of it.

use std::collections::BTreeMap;

use ledgerdesk_types::{IssuedInvoice, Reply};
use rusqlite::{OptionalExtension, Transaction};

use super::{ByRate, CreditCommand, CreditInvoice, Credits, Original, OriginalLine, Taken, plan, split_taken};
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
                    by_rate: BTreeMap::new(),
                })
            },
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::InvoiceNotFound(number.to_owned()))?;
    let (taken, by_rate) = credited_amounts(tx, original.id)?;
    original.by_rate = by_rate;
    original.lines = crate::invoices::sqlite::lines_of(tx, original.id)?
        .into_iter()
        .map(|line| {
            let (credited_net, credited_tax) = taken.get(&line.line_no).copied().unwrap_or_default();
            OriginalLine { line, credited_net, credited_tax }
        })
        .collect();
    Ok(original)
}

/// What the credit notes of invoice `id` took back: per line of it, and per rate for credits by amount.
fn credited_amounts(tx: &Transaction<'_>, id: i64) -> Result<(Taken, ByRate)> {
    let mut statement = tx
        .prepare_cached(
            "SELECT l.credits_line, l.tax_rate, l.net_amount, l.tax_amount
               FROM invoices n JOIN invoice_lines l ON l.invoice_id = n.id
              WHERE n.credit_of = ?1",
        )
        .db()?;
    let rows = statement
        .query_map([id], |r| Ok((r.get::<_, Option<u32>>(0)?, decimal_at(r, 1)?, decimal_at(r, 2)?, decimal_at(r, 3)?)))
        .db()?;
    Ok(split_taken(rows.collect::<rusqlite::Result<Vec<_>>>().db()?))
}
