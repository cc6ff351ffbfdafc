//! Reading invoices on Postgres. Twin of `sqlite.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerdesk_types::{
    Currency, InvoiceLine, InvoiceListQuery, InvoiceSummary, IssuedInvoice, PaymentStatus, round_money,
};
use rust_decimal::Decimal;
use sqlx::PgPool;

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
            i.net_total, i.tax_total, i.total, i.created_by, i.created_at, i.paid_total",
    invoice_from!(),
    "WHERE i.tenant_id = $1 AND i.number = $2"
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
                credit_status: crate::credits::credit_status(&status, "postgres")?,
            })
        })
        .collect()
}

type InvoiceRow = (
    i64,
    String,
    String,
    String,
    i64,
    Option<String>,
    NaiveDate,
    String,
    Decimal,
    Decimal,
    Decimal,
    String,
    DateTime<Utc>,
    Decimal,
);

async fn get(pool: &PgPool, tenant: &str, number: &str) -> Result<IssuedInvoice> {
    let mut conn = pool.acquire().await.db()?;
    let tenant_id = tenant_id(&mut conn, tenant).await?;
    let row: Option<InvoiceRow> =
        sqlx::query_as(GET_SQL).bind(tenant_id).bind(number).fetch_optional(&mut *conn).await.db()?;
    let (
        id,
        number,
        series,
        period,
        seq,
        customer,
        issue_date,
        code,
        net_total,
        tax_total,
        total,
        created_by,
        created_at,
        paid_total,
    ) = row.ok_or_else(|| Error::InvoiceNotFound(number.to_owned()))?;
    let lines: Vec<(i32, String, Decimal, Decimal, Decimal, Decimal, Decimal)> = sqlx::query_as(
        "SELECT line_no, description, quantity, unit_price, tax_rate, net_amount, tax_amount
           FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let currency = currency(&code)?;
    let payments = crate::payments::postgres::of_invoice(&mut conn, id).await?;
    let mut invoice = IssuedInvoice {
        id,
        number,
        tenant: tenant.to_owned(),
        series,
        period,
        seq,
        customer,
        issue_date,
        currency,
        net_total: money(net_total, currency),
        tax_total: money(tax_total, currency),
        total: money(total, currency),
        created_by,
        created_at,
        lines: lines
            .into_iter()
            .map(|(line_no, description, quantity, unit_price, tax_rate, net_amount, tax_amount)| InvoiceLine {
                line_no: line_no as u32,
                description,
                quantity: quantity.normalize(),
                unit_price: unit_price.normalize(),
                tax_rate: tax_rate.normalize(),
                net_amount: money(net_amount, currency),
                tax_amount: money(tax_amount, currency),
                credits_line: None,
                credited_quantity: Decimal::ZERO,
            })
            .collect(),
        paid_total: money(paid_total, currency),
        payment_status: PaymentStatus::of(total, paid_total),
        payments,
        credited_total: Decimal::ZERO,
        credit_status: Default::default(),
        credit_of: None,
        credit_notes: Vec::new(),
    };
    crate::credits::postgres::attach(&mut conn, &mut invoice).await?;
    Ok(invoice)
}
