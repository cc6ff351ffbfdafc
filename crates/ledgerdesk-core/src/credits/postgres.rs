//! Credit notes on Postgres. Twin of `sqlite.rs`; the judgement is in `mod.rs`. The corrected invoice's
//! row is locked (`FOR UPDATE`) before anything is judged, then the credit note is issued (series row,
//! then counter row, as every issue), so concurrent credits of one invoice are judged one after the
//! other; the table's `CHECK`s back the judgement.

use chrono::NaiveDate;
use ledgerdesk_types::{Currency, IssuedInvoice, Reply};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::{ByRate, CreditCommand, CreditInvoice, Credits, Original, OriginalLine, Taken, plan, split_taken};
use crate::catalog::postgres::tenant_id;
use crate::db::PgStore;
use crate::db::postgres::PgResultExt;
use crate::error::{Error, Result};
use crate::idempotency;

impl Credits for PgStore {
    async fn credit_invoice(&self, request: CreditInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>> {
        idempotency::execute(self, CreditCommand::new(request)?, key).await
    }
}

/// Issues the credit note `request` asks for and moves what is credited of its invoice.
pub(crate) async fn credit(conn: &mut PgConnection, request: &CreditInvoice) -> Result<IssuedInvoice> {
    let original = load_original(&mut *conn, &request.tenant, &request.invoice).await?;
    let plan = plan(&original, request)?;
    let issued = crate::numbering::postgres::issue(&mut *conn, &plan.draft).await?;
    let (lines, credited): (Vec<i32>, Vec<Decimal>) =
        plan.credited_lines.iter().map(|(line, quantity)| (*line as i32, *quantity)).unzip();
    sqlx::query(
        "WITH invoice AS (
             UPDATE invoices SET credited_total = $2, credit_status = $3 WHERE id = $1
         )
         UPDATE invoice_lines l SET credited_quantity = c.quantity
           FROM UNNEST($4::int4[], $5::numeric[]) AS c (line_no, quantity)
          WHERE l.invoice_id = $1 AND l.line_no = c.line_no",
    )
    .bind(original.id)
    .bind(plan.credited_total)
    .bind(plan.status.as_str())
    .bind(lines)
    .bind(credited)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(issued)
}

type OriginalRow = (i64, String, NaiveDate, String, Option<String>, bool, Decimal, Decimal);

fn currency(code: &str) -> Result<Currency> {
    code.parse().map_err(|_| Error::Storage { backend: "postgres", detail: format!("unknown currency {code:?}") })
}

async fn load_original(conn: &mut PgConnection, tenant: &str, number: &str) -> Result<Original> {
    let tenant_id = tenant_id(&mut *conn, tenant).await?;
    let row: Option<OriginalRow> = sqlx::query_as(
        "SELECT i.id, i.number, i.issue_date, i.currency, c.code, i.credit_of IS NOT NULL, i.total, i.credited_total
           FROM invoices i LEFT JOIN customers c ON c.id = i.customer_id
          WHERE i.tenant_id = $1 AND i.number = $2
            FOR UPDATE OF i",
    )
    .bind(tenant_id)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    let (id, number, issue_date, code, customer, is_credit_note, total, credited_total) =
        row.ok_or_else(|| Error::InvoiceNotFound(number.to_owned()))?;
    let currency = currency(&code)?;
    let (taken, by_rate) = credited_amounts(&mut *conn, id).await?;
    let lines = crate::invoices::postgres::lines_of(&mut *conn, id, currency)
        .await?
        .into_iter()
        .map(|line| {
            let (credited_net, credited_tax) = taken.get(&line.line_no).copied().unwrap_or_default();
            OriginalLine { line, credited_net, credited_tax }
        })
        .collect();
    Ok(Original { id, number, issue_date, currency, customer, is_credit_note, total, credited_total, lines, by_rate })
}

/// What the credit notes of invoice `id` took back: per line of it, and per rate for credits by amount.
async fn credited_amounts(conn: &mut PgConnection, id: i64) -> Result<(Taken, ByRate)> {
    let rows: Vec<(Option<i32>, Decimal, Decimal, Decimal)> = sqlx::query_as(
        "SELECT l.credits_line, l.tax_rate, sum(l.net_amount), sum(l.tax_amount)
           FROM invoices n JOIN invoice_lines l ON l.invoice_id = n.id
          WHERE n.credit_of = $1
          GROUP BY l.credits_line, l.tax_rate",
    )
    .bind(id)
    .fetch_all(conn)
    .await
    .db()?;
    Ok(split_taken(rows.into_iter().map(|(line, rate, net, tax)| (line.map(|n| n as u32), rate, net, tax)).collect()))
}
