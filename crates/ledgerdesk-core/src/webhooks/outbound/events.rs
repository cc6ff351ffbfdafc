//! The events Ledgerdesk sends, built from what a change returns (`invoice.issued` is built by numbering,
//! which knows the invoice before it is written). Amounts travel as decimal strings.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{License, LicenseAction, Payment, PaymentStatus};
use rust_decimal::Decimal;
use serde_json::json;

use super::OutboundEvent;

impl OutboundEvent {
    /// `payment.recorded`: the payment, and how the invoice stands after it.
    pub(crate) fn payment_recorded(
        tenant: &str,
        number: &str,
        payment: &Payment,
        total: Decimal,
        paid_total: Decimal,
        at: DateTime<Utc>,
    ) -> OutboundEvent {
        let data = json!({
            "tenant": tenant,
            "number": number,
            "amount": payment.amount,
            "currency": payment.currency.code(),
            "paid_at": payment.paid_at,
            "reference": payment.reference,
            "invoice_total": total,
            "paid_total": paid_total,
            "payment_status": PaymentStatus::of(total, paid_total),
        });
        OutboundEvent::new("payment.recorded", data, at)
    }

    /// `license.assigned`, or the event of `action`.
    pub(crate) fn license(action: Option<LicenseAction>, license: &License, at: DateTime<Utc>) -> OutboundEvent {
        let event_type = match action {
            None => "license.assigned",
            Some(LicenseAction::Extend(_)) => "license.extended",
            Some(LicenseAction::Suspend) => "license.suspended",
            Some(LicenseAction::Resume) => "license.resumed",
            Some(LicenseAction::Revoke) => "license.revoked",
        };
        OutboundEvent::new(event_type, json!({ "license": license }), at)
    }
}
