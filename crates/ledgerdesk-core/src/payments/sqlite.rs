//! Payments on SQLite. Twin of `postgres.rs`; the judgement is in `mod.rs`. The caller's transaction
//! is a `BEGIN IMMEDIATE` one: no other writer changes the invoice between its reading and the update.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{Payment, PaymentStatus};
use rusqlite::{OptionalExtension, Row, Transaction};

use super::{NewPayment, PAYMENT_COLUMNS, PAYMENT_FROM, Payable, Recorded, judge, recorded};
use crate::db::sqlite::{SqliteResultExt, currency_at, decimal_at};
use crate::error::{Error, Result};
use crate::trail::sqlite::append;
use crate::webhooks::outbound::OutboundEvent;
use crate::webhooks::outbound::sqlite::emit;

/// Records `payment` against its invoice of tenant `tenant_id` (`tenant` is its code), with its
/// `payment.recorded` event. A payment this sender recorded before under the same webhook-id (its event
/// since purged) is returned as it is, and nothing changes.
pub(crate) fn record(
    tx: &Transaction<'_>,
    tenant_id: i64,
    tenant: &str,
    payment: &NewPayment,
    at: DateTime<Utc>,
) -> Result<Recorded> {
    let invoice = tx
        .query_row(
            "SELECT id, currency, total, paid_total, credited_total FROM invoices WHERE tenant_id = ?1 AND number = ?2",
            (tenant_id, &payment.number),
            |r| {
                Ok(Payable {
                    id: r.get(0)?,
                    currency: currency_at(r, 1)?,
                    total: decimal_at(r, 2)?,
                    paid_total: decimal_at(r, 3)?,
                    credited_total: decimal_at(r, 4)?,
                })
            },
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::InvoiceNotFound(payment.number.clone()))?;
    if let (Some(source), Some(webhook_id)) = (payment.source_id, &payment.webhook_id) {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS}{PAYMENT_FROM} WHERE p.tenant_id = ?1 AND p.source_id = ?2 AND p.webhook_id = ?3"
        );
        if let Some(earlier) = tx.query_row(&sql, (tenant_id, source, webhook_id), payment_row).optional().db()? {
            let status = PaymentStatus::of(invoice.total, invoice.paid_total);
            return Ok(Recorded { payment: earlier, invoice_id: invoice.id, paid_total: invoice.paid_total, status });
        }
    }
    let paid_total = judge(&invoice, payment)?;
    let id: i64 = tx
        .query_row(
            "INSERT INTO payments (tenant_id, invoice_id, amount, currency, paid_at, reference, source_id, webhook_id,
                                   recorded_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            rusqlite::params![
                tenant_id,
                invoice.id,
                payment.amount.to_string(),
                payment.currency.code(),
                payment.paid_at,
                payment.reference,
                payment.source_id,
                payment.webhook_id,
                payment.recorded_by,
                at
            ],
            |r| r.get(0),
        )
        .db()?;
    tx.execute("UPDATE invoices SET paid_total = ?2 WHERE id = ?1", (invoice.id, paid_total.to_string())).db()?;
    let recorded = recorded(id, payment, at, &invoice, paid_total);
    emit(
        tx,
        tenant_id,
        &OutboundEvent::payment_recorded(tenant, &payment.number, &recorded.payment, invoice.total, paid_total, at),
        at,
    )?;
    append(tx, tenant_id, tenant, &recorded.audit_entry(&payment.number), at)?;
    Ok(recorded)
}

fn payment_row(r: &Row<'_>) -> rusqlite::Result<Payment> {
    Ok(Payment {
        id: r.get(0)?,
        amount: decimal_at(r, 1)?,
        currency: currency_at(r, 2)?,
        paid_at: r.get(3)?,
        reference: r.get(4)?,
        source: r.get(5)?,
        event_id: r.get(6)?,
        recorded_by: r.get(7)?,
        recorded_at: r.get(8)?,
    })
}

/// The payments of an invoice, oldest first.
pub(crate) fn of_invoice(tx: &Transaction<'_>, invoice_id: i64) -> Result<Vec<Payment>> {
    let sql = format!("SELECT {PAYMENT_COLUMNS}{PAYMENT_FROM} WHERE p.invoice_id = ?1 ORDER BY p.id");
    let mut statement = tx.prepare_cached(&sql).db()?;
    let rows = statement.query_map([invoice_id], payment_row).db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}
