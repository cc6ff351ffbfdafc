//! Payments against issued invoices.
//!
//! # The invariant
//! What an invoice has been paid (`invoices.paid_total`, the sum of its payments) only grows and never
//! exceeds its total less what its credit notes took back. Each payment is in the invoice's currency, exact to that currency's minor unit,
//! and positive. A payment that came as a webhook is recorded once per (sender, webhook-id), for good.
//!
//! # How both twins keep it
//! The invoice row is locked before the payment is judged (SQLite: `BEGIN IMMEDIATE`; Postgres:
//! `FOR UPDATE`), so two payments of one invoice are judged one after the other; Postgres also holds a
//! `CHECK (paid_total <= total)`. `UNIQUE (tenant, source, webhook_id)` keeps a payment event from
//! taking effect twice, even once its event record is purged. A recorded payment cannot be changed or
//! deleted (triggers), and it writes its `payment.recorded` outbox event in the same transaction.
//!
//! Payments are recorded by inbound `invoice.paid` webhooks (see `crate::webhooks::inbound`).

pub mod postgres;
pub mod sqlite;

use chrono::{DateTime, Utc};
use ledgerdesk_types::text::unsafe_char;
use ledgerdesk_types::{Currency, PaymentStatus};
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::validate::validate_number;

/// A payment to record against invoice `number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The invoice's number.
    pub number: String,
    /// The amount; positive, exact to the currency's minor unit.
    pub amount: Decimal,
    /// Must be the invoice's currency.
    pub currency: Currency,
    /// When it was paid, as the payer says.
    pub paid_at: DateTime<Utc>,
    /// The payer's reference.
    pub reference: String,
    /// The webhook source it came from.
    pub source_id: Option<i64>,
    /// The sender's webhook-id.
    pub webhook_id: Option<String>,
    /// Who records it (`webhook:<source>` for a webhook).
    pub recorded_by: String,
}

/// Checks a payment before anything is read or written.
pub fn validate(payment: &NewPayment) -> Result<()> {
    validate_number(&payment.number)?;
    let minor = payment.currency.minor_units();
    if payment.amount <= Decimal::ZERO || payment.amount.normalize().scale() > minor {
        return Err(Error::invalid(
            "amount",
            format!("must be positive with at most {minor} decimals in {}", payment.currency.code()),
            format!("pozitif olmalı ve {} için en fazla {minor} ondalık basamak içermelidir", payment.currency.code()),
        ));
    }
    if payment.reference.trim().is_empty()
        || payment.reference.chars().count() > 200
        || unsafe_char(&payment.reference).is_some()
    {
        return Err(Error::invalid(
            "reference",
            "must be 1 to 200 printable characters",
            "1 ile 200 arasında yazdırılabilir karakter olmalıdır",
        ));
    }
    crate::validate::validate_date("paid_at", payment.paid_at.date_naive())
}

/// An invoice as a payment needs it, read under its lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Payable {
    pub id: i64,
    pub currency: Currency,
    pub total: Decimal,
    pub paid_total: Decimal,
    /// What credit notes took back of `total`: no longer owed.
    pub credited_total: Decimal,
}

/// Judges `payment` against the invoice as it is now: its currency, and the balance left (its total
/// less what credit notes took back and what was paid; a credit note owes nothing). Returns the
/// invoice's paid total once it is recorded.
pub(crate) fn judge(invoice: &Payable, payment: &NewPayment) -> Result<Decimal> {
    if payment.currency != invoice.currency {
        return Err(Error::PaymentCurrencyMismatch {
            number: payment.number.clone(),
            invoice: invoice.currency,
            payment: payment.currency,
        });
    }
    let remaining = (invoice.total - invoice.credited_total - invoice.paid_total).max(Decimal::ZERO);
    if payment.amount > remaining {
        return Err(Error::PaymentExceedsBalance {
            number: payment.number.clone(),
            amount: payment.amount,
            remaining,
            currency: invoice.currency,
        });
    }
    Ok(invoice.paid_total + payment.amount)
}

/// The columns of a payment with its source's name, in the order both twins read them.
pub(crate) const PAYMENT_COLUMNS: &str =
    "p.id, p.amount, p.currency, p.paid_at, p.reference, s.name, p.webhook_id, p.recorded_by, p.recorded_at";

/// Where payments are read from.
pub(crate) const PAYMENT_FROM: &str = " FROM payments p LEFT JOIN webhook_sources s ON s.id = p.source_id ";

/// A payment just recorded, with the invoice's new standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recorded {
    pub payment: ledgerdesk_types::Payment,
    pub invoice_id: i64,
    pub paid_total: Decimal,
    pub status: PaymentStatus,
}

impl Recorded {
    /// The audit trail's entry for the payment.
    pub(crate) fn audit_entry(&self, number: &str) -> crate::trail::Entry {
        let after = serde_json::json!({"payment": self.payment, "paid_total": self.paid_total, "status": self.status});
        crate::trail::Entry::new(&self.payment.recorded_by, "payment.record", format!("invoice:{number}")).after(&after)
    }
}

/// The payment `id`, as recorded now against `invoice`, which is then paid `paid_total`.
pub(crate) fn recorded(
    id: i64,
    payment: &NewPayment,
    at: DateTime<Utc>,
    invoice: &Payable,
    paid_total: Decimal,
) -> Recorded {
    let source = payment.recorded_by.strip_prefix("webhook:").map(str::to_owned);
    Recorded {
        payment: ledgerdesk_types::Payment {
            id,
            amount: payment.amount,
            currency: payment.currency,
            paid_at: payment.paid_at,
            reference: payment.reference.clone(),
            source,
            event_id: payment.webhook_id.clone(),
            recorded_by: payment.recorded_by.clone(),
            recorded_at: at,
        },
        invoice_id: invoice.id,
        paid_total,
        status: PaymentStatus::of(invoice.total, paid_total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(amount: &str, currency: Currency) -> NewPayment {
        NewPayment {
            number: "202611-00001-ACME".into(),
            amount: amount.parse().unwrap(),
            currency,
            paid_at: Utc::now(),
            reference: "TRX-1".into(),
            source_id: None,
            webhook_id: None,
            recorded_by: "test".into(),
        }
    }

    #[test]
    fn amounts_are_positive_and_exact_to_the_minor_unit() {
        assert!(validate(&payment("10.50", Currency::Eur)).is_ok());
        assert!(validate(&payment("10.500", Currency::Eur)).is_ok(), "trailing zeros are exact");
        for bad in ["0", "-5", "10.005"] {
            assert!(validate(&payment(bad, Currency::Eur)).is_err(), "{bad}");
        }
        assert!(validate(&payment("1.5", Currency::Jpy)).is_err());
    }

    #[test]
    fn a_payment_never_exceeds_the_balance_nor_changes_currency() {
        let invoice = Payable {
            id: 1,
            currency: Currency::Eur,
            total: "100.00".parse().unwrap(),
            paid_total: "60.00".parse().unwrap(),
            credited_total: Decimal::ZERO,
        };
        assert_eq!(judge(&invoice, &payment("40.00", Currency::Eur)).unwrap().to_string(), "100.00");
        assert!(matches!(judge(&invoice, &payment("40.01", Currency::Eur)), Err(Error::PaymentExceedsBalance { .. })));
        assert!(matches!(judge(&invoice, &payment("1", Currency::Usd)), Err(Error::PaymentCurrencyMismatch { .. })));
        // What a credit note took back is no longer owed.
        let credited = Payable { credited_total: "30.00".parse().unwrap(), ..invoice };
        assert_eq!(judge(&credited, &payment("10.00", Currency::Eur)).unwrap().to_string(), "70.00");
        assert!(matches!(judge(&credited, &payment("10.01", Currency::Eur)), Err(Error::PaymentExceedsBalance { .. })));
    }
}
