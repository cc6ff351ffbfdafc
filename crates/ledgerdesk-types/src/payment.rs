//! Payments recorded against invoices, and the payment status they give an invoice.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Currency;
use crate::named::named_enum;

named_enum! {
    /// How much of an invoice has been paid.
    #[derive(Default)]
    pub enum PaymentStatus {
        /// Nothing paid yet.
        #[default]
        Open = "open",
        /// Something paid, not all.
        PartiallyPaid = "partially_paid",
        /// Paid in full.
        Paid = "paid",
    }
}

impl PaymentStatus {
    /// The status of an invoice of `total` of which `paid` has been paid (`paid` never exceeds `total`).
    pub fn of(total: Decimal, paid: Decimal) -> PaymentStatus {
        if paid >= total {
            PaymentStatus::Paid
        } else if paid.is_zero() {
            PaymentStatus::Open
        } else {
            PaymentStatus::PartiallyPaid
        }
    }
}

/// One recorded payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Database id.
    pub id: i64,
    /// The amount, in the invoice's currency.
    pub amount: Decimal,
    /// The currency (always the invoice's).
    pub currency: Currency,
    /// When it was paid, as the payer said.
    pub paid_at: DateTime<Utc>,
    /// The payer's reference (a bank transfer id…).
    pub reference: String,
    /// The webhook source it came from, if it came as a webhook.
    pub source: Option<String>,
    /// The sender's webhook-id, if it came as a webhook.
    pub event_id: Option<String>,
    /// Who or what recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_what_was_paid() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(PaymentStatus::of(d("100"), d("0")), PaymentStatus::Open);
        assert_eq!(PaymentStatus::of(d("100"), d("0.01")), PaymentStatus::PartiallyPaid);
        assert_eq!(PaymentStatus::of(d("100"), d("100.00")), PaymentStatus::Paid);
        assert_eq!(PaymentStatus::of(d("0"), d("0")), PaymentStatus::Paid, "nothing is due on a zero invoice");
        assert_eq!("partially_paid".parse::<PaymentStatus>().unwrap(), PaymentStatus::PartiallyPaid);
        assert!("paid!".parse::<PaymentStatus>().is_err());
    }
}
