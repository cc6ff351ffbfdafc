//! Reading invoices on Postgres. Twin of `sqlite.rs`.

use chrono::NaiveDate;
use ledgerdesk_types::{
    CreditNoteRef, Currency, InvoiceLine, InvoiceListQuery, InvoiceSummary, IssuedInvoice, PaymentStatus, round_money,
};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Row};

use super::{Invoices, found, invoice_from, list_sql, tenant_and_filters_sql, validate_list_query};
use crate::catalog::postgres::tenant_id;
use crate::db::PgStore;
use crate::db::postgres::PgResultExt;
use crate::error::{Error, Result};

impl Invoices for PgStore {
    async fn get_invoice(&self, tenant: &str, number: &str) -> Result<IssuedInvoice> {
        crate::validate::validate_number(number)?;
        get(self.pool(), tenant, number).await
    }

    async fn list_invoices(&self, tenant: &str, query: &InvoiceListQuery) -> Result<Vec<InvoiceSummary>> {
        validate_list_query(tenant, query)?;
        list(self.pool(), tenant, query).await
    }
}

/// One invoice by tenant and number.
const GET_SQL: &str = concat!(
    "SELECT i.id, i.number, s.code, i.period, i.seq, c.code, i.issue_date, i.currency,
            i.net_total, i.tax_total, i.total, i.created_by, i.created_at, i.paid_total,
            i.credited_total, i.credit_status, o.number, o.issue_date, i.credit_reason",
    invoice_from!(),
    "LEFT JOIN invoices o ON o.id = i.credit_of
     WHERE i.tenant_id = $1 AND i.number = $2"
);

/// NUMERIC keeps the scale it was given, but the driver decodes a zero without it: show amounts with
/// their currency's minor units again (a no-op for every stored, already rounded, amount).
fn money(amount: Decimal, currency: Currency) -> Decimal {
    round_money(amount, currency)
}

fn currency(code: &str) -> Result<Currency> {
    code.parse().map_err(|e: ledgerdesk_types::money::UnknownCurrency| Error::Storage {
        backend: "postgres",
        detail: e.to_string(),
    })
}

type SummaryRow = (i64, String, String, String, i64, Option<String>, NaiveDate, String, Decimal, Decimal, String);

async fn list(pool: &PgPool, tenant: &str, query: &InvoiceListQuery) -> Result<Vec<InvoiceSummary>> {
    let mut conn = pool.acquire().await.db()?;
    let row = sqlx::query_as(sqlx::AssertSqlSafe(tenant_and_filters_sql(|n| format!("${n}"))))
        .bind(tenant)
        .bind(&query.series)
        .bind(&query.customer)
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    let tenant_id = found(tenant, query, row)?;
    let (sql, params) = list_sql(tenant_id, query, |n| format!("${n}"));
    let statement = sqlx::query_as::<_, SummaryRow>(sqlx::AssertSqlSafe(sql));
    let rows = crate::db::postgres::bind_all(statement, params).fetch_all(&mut *conn).await.db()?;
    rows.into_iter()
        .map(|(id, number, series, period, seq, customer, issue_date, code, total, paid_total, status)| {
            let currency = currency(&code)?;
            Ok(InvoiceSummary {
                id,
                number,
                series,
                period,
                seq,
                customer,
                issue_date,
                currency,
                total: money(total, currency),
                payment_status: PaymentStatus::of(total, paid_total),
                credit_status: super::credit_status(&status, "postgres")?,
            })
        })
        .collect()
}

/// One line read with [`LINE_COLUMNS`](super::LINE_COLUMNS).
type LineRow = (i32, String, Decimal, Decimal, Decimal, Decimal, Decimal, Option<i32>, Decimal);

/// The lines of invoice `id`, in their order, amounts shown with `currency`'s minor units.
pub(crate) async fn lines_of(conn: &mut PgConnection, id: i64, currency: Currency) -> Result<Vec<InvoiceLine>> {
    let sql = format!("SELECT {} FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no", super::LINE_COLUMNS);
    let rows: Vec<LineRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(conn).await.db()?;
    Ok(rows
        .into_iter()
        .map(|(line_no, description, quantity, price, rate, net, tax, credits_line, credited)| InvoiceLine {
            line_no: line_no as u32,
            description,
            quantity: quantity.normalize(),
            unit_price: price.normalize(),
            tax_rate: rate.normalize(),
            net_amount: money(net, currency),
            tax_amount: money(tax, currency),
            credits_line: credits_line.map(|n| n as u32),
            credited_quantity: credited.normalize(),
        })
        .collect())
}

pub(crate) async fn get(pool: &PgPool, tenant: &str, number: &str) -> Result<IssuedInvoice> {
    let mut conn = pool.acquire().await.db()?;
    let tenant_id = tenant_id(&mut conn, tenant).await?;
    let row = sqlx::query(GET_SQL).bind(tenant_id).bind(number).fetch_optional(&mut *conn).await.db()?;
    let r = row.ok_or_else(|| Error::InvoiceNotFound(number.to_owned()))?;
    let (id, code): (i64, String) = (r.try_get(0).db()?, r.try_get(7).db()?);
    let currency = currency(&code)?;
    let (total, paid_total): (Decimal, Decimal) = (r.try_get(10).db()?, r.try_get(13).db()?);
    let status: String = r.try_get(15).db()?;
    let credit_of = (r.try_get(16).db()?, r.try_get(17).db()?, r.try_get(18).db()?);
    let notes: Vec<(String, NaiveDate, Decimal)> =
        sqlx::query_as(sqlx::AssertSqlSafe(super::CREDIT_NOTES_SQL.replace("{p}", "$1")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .db()?;
    Ok(IssuedInvoice {
        id,
        number: r.try_get(1).db()?,
        tenant: tenant.to_owned(),
        series: r.try_get(2).db()?,
        period: r.try_get(3).db()?,
        seq: r.try_get(4).db()?,
        customer: r.try_get(5).db()?,
        issue_date: r.try_get(6).db()?,
        currency,
        net_total: money(r.try_get(8).db()?, currency),
        tax_total: money(r.try_get(9).db()?, currency),
        total: money(total, currency),
        created_by: r.try_get(11).db()?,
        created_at: r.try_get(12).db()?,
        lines: lines_of(&mut conn, id, currency).await?,
        paid_total: money(paid_total, currency),
        payment_status: PaymentStatus::of(total, paid_total),
        payments: crate::payments::postgres::of_invoice(&mut conn, id).await?,
        credited_total: money(r.try_get(14).db()?, currency),
        credit_status: super::credit_status(&status, "postgres")?,
        credit_of: super::credit_of(credit_of),
        credit_notes: notes
            .into_iter()
            .map(|(number, issue_date, total)| CreditNoteRef { number, issue_date, total: money(total, currency) })
            .collect(),
    })
}
