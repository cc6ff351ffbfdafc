//! Credit notes: corrective invoices that cancel an invoice in full or in part, and the credit status
//! they give the invoice they correct.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::named::named_enum;

named_enum! {
    /// How much of an invoice has been credited; a credit note itself is `credit_note`.
    #[derive(Default)]
    pub enum CreditStatus {
        /// Nothing credited.
        #[default]
        Issued = "issued",
        /// Some of it credited, not all.
        PartiallyCredited = "partially_credited",
        /// Credited in full (cancelled).
        Credited = "credited",
        /// A credit note, correcting another invoice.
        CreditNote = "credit_note",
    }
}

impl CreditStatus {
    /// The status of an invoice of `total` of which `credited` has been credited, or of a credit note.
    pub fn of(is_credit_note: bool, total: Decimal, credited: Decimal) -> CreditStatus {
        if is_credit_note {
            CreditStatus::CreditNote
        } else if credited.is_zero() {
            CreditStatus::Issued
        } else if credited >= total {
            CreditStatus::Credited
        } else {
            CreditStatus::PartiallyCredited
        }
    }
}

/// On a credit note: the invoice it corrects, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditOf {
    /// The corrected invoice's number.
    pub number: String,
    /// Its issue date.
    pub issue_date: NaiveDate,
    /// Why it is corrected.
    pub reason: String,
}

/// On an invoice: one of the credit notes that correct it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteRef {
    /// The credit note's number.
    pub number: String,
    /// Its issue date.
    pub issue_date: NaiveDate,
    /// Its total (negative).
    pub total: Decimal,
}

/// What a credit note takes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditScope {
    /// Everything not yet credited: a cancellation.
    All,
    /// These lines (by the original's line number), each by the quantity given.
    Lines(Vec<CreditedLine>),
    /// A net amount at each of these tax rates, with the VAT on it: a price reduction after the fact,
    /// not tied to a line. An invoice is credited by lines or by amounts, never both.
    Amounts(Vec<CreditedAmount>),
}

/// A net amount to take back at one tax rate of the invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditedAmount {
    /// The tax rate in percent, as on the invoice's lines.
    #[serde(deserialize_with = "crate::text::deserialize_plain_decimal")]
    pub tax_rate: Decimal,
    /// The net amount to take back (positive), in the invoice's currency.
    #[serde(deserialize_with = "crate::text::deserialize_plain_decimal")]
    pub net_amount: Decimal,
}

/// One line to credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditedLine {
    /// The original's line number.
    pub line_no: u32,
    /// How much of its quantity to credit (positive).
    #[serde(deserialize_with = "crate::text::deserialize_plain_decimal")]
    pub quantity: Decimal,
}
