//! Payments on Postgres. Twin of `sqlite.rs`; the judgement is in `mod.rs`. The invoice row is locked
//! (`FOR UPDATE`) before the payment is judged, so two payments of one invoice are judged one after the
//! other; the table's `CHECK (paid_total <= total)` backs the judgement.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{Currency, Payment, PaymentStatus};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::{NewPayment, PAYMENT_COLUMNS, PAYMENT_FROM, Payable, Recorded, judge, recorded};
use crate::db::postgres::PgResultExt;
use crate::error::{Error, Result};
use crate::trail::postgres::append;
use crate::webhooks::outbound::OutboundEvent;
use crate::webhooks::outbound::postgres::emit;

type PaymentRow = (i64, Decimal, String, DateTime<Utc>, String, Option<String>, Option<String>, String, DateTime<Utc>);

fn currency(code: &str) -> Result<Currency> {
    code.parse().map_err(|_| Error::Storage { backend: "postgres", detail: format!("unknown currency {code:?}") })
}

fn to_payment(row: PaymentRow) -> Result<Payment> {
    let (id, amount, code, paid_at, reference, source, event_id, recorded_by, recorded_at) = row;
    let currency = currency(&code)?;
    Ok(Payment {
        id,
        amount: ledgerdesk_types::round_money(amount, currency),
        currency,
        paid_at,
        reference,
        source,
        event_id,
        recorded_by,
        recorded_at,
    })
}

/// Records `payment` against its invoice of tenant `tenant_id` (`tenant` is its code), with its
/// `payment.recorded` event. A payment this sender recorded before under the same webhook-id (its event
/// since purged) is returned as it is, and nothing changes.
pub(crate) async fn record(
    conn: &mut PgConnection,
    tenant_id: i64,
    tenant: &str,
    payment: &NewPayment,
    at: DateTime<Utc>,
) -> Result<Recorded> {
    let row: Option<(i64, String, Decimal, Decimal, Decimal)> = sqlx::query_as(
        "SELECT id, currency, total, paid_total, credited_total FROM invoices
          WHERE tenant_id = $1 AND number = $2 FOR UPDATE",
    )
    .bind(tenant_id)
    .bind(&payment.number)
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    let (id, code, total, paid_total, credited_total) =
        row.ok_or_else(|| Error::InvoiceNotFound(payment.number.clone()))?;
    let invoice = Payable { id, currency: currency(&code)?, total, paid_total, credited_total };
    if let (Some(source), Some(webhook_id)) = (payment.source_id, &payment.webhook_id) {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS}{PAYMENT_FROM} WHERE p.tenant_id = $1 AND p.source_id = $2 AND p.webhook_id = $3"
        );
        let earlier: Option<PaymentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant_id)
            .bind(source)
            .bind(webhook_id)
            .fetch_optional(&mut *conn)
            .await
            .db()?;
        if let Some(earlier) = earlier {
            let status = PaymentStatus::of(invoice.total, invoice.paid_total);
            return Ok(Recorded {
                payment: to_payment(earlier)?,
                invoice_id: invoice.id,
                paid_total: invoice.paid_total,
                status,
            });
        }
    }
    let paid_total = judge(&invoice, payment)?;
    let id: i64 = sqlx::query_scalar(
        "WITH payment AS (
             INSERT INTO payments (tenant_id, invoice_id, amount, currency, paid_at, reference, source_id, webhook_id,
                                   recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
         ), invoice AS (
             UPDATE invoices SET paid_total = $11 WHERE id = $2
         )
         SELECT id FROM payment",
    )
    .bind(tenant_id)
    .bind(invoice.id)
    .bind(payment.amount)
    .bind(payment.currency.code())
    .bind(payment.paid_at)
    .bind(&payment.reference)
    .bind(payment.source_id)
    .bind(&payment.webhook_id)
    .bind(&payment.recorded_by)
    .bind(at)
    .bind(paid_total)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    let recorded = recorded(id, payment, at, &invoice, paid_total);
    emit(
        conn,
        tenant_id,
        &OutboundEvent::payment_recorded(tenant, &payment.number, &recorded.payment, invoice.total, paid_total, at),
        at,
    )
    .await?;
    append(conn, tenant_id, tenant, &recorded.audit_entry(&payment.number), at).await?;
    Ok(recorded)
}

/// The payments of an invoice, oldest first.
pub(crate) async fn of_invoice(conn: &mut PgConnection, invoice_id: i64) -> Result<Vec<Payment>> {
    let sql = format!("SELECT {PAYMENT_COLUMNS}{PAYMENT_FROM} WHERE p.invoice_id = $1 ORDER BY p.id");
    let rows: Vec<PaymentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(invoice_id).fetch_all(conn).await.db()?;
    rows.into_iter().map(to_payment).collect()
}
