//! Invoices: the issue request, its validation and totals, and what an issued invoice looks like.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::credit::{CreditNoteRef, CreditOf, CreditStatus};
use crate::error::Localized;
use crate::money::{Currency, round_money};
use crate::payment::{Payment, PaymentStatus};

/// Largest number of decimal places accepted in a quantity or a unit price.
pub const MAX_INPUT_SCALE: u32 = 6;
/// Quantities and unit prices must be below this. With at most 6 decimals each, a product has at most
/// 16 + 12 = 28 significant digits, which `Decimal` holds exactly: rounding happens once, never twice.
pub const MAX_INPUT_MAGNITUDE: i64 = 100_000_000;
/// Largest number of lines on one invoice.
pub const MAX_LINES: usize = 1_000;
/// Longest line description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;

/// One line of an invoice as the user enters it. Its amounts travel as JSON strings and are read as
/// plain decimals only ([`crate::text::parse_plain_decimal`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    /// What is sold.
    pub description: String,
    /// How many; must be positive.
    #[serde(deserialize_with = "crate::text::deserialize_plain_decimal")]
    pub quantity: Decimal,
    /// Price of one unit before tax; negative for a discount line.
    #[serde(deserialize_with = "crate::text::deserialize_plain_decimal")]
    pub unit_price: Decimal,
    /// Tax rate in percent (`20` for 20 %), from 0 to 100.
    #[serde(deserialize_with = "crate::text::deserialize_plain_decimal")]
    pub tax_rate: Decimal,
}

/// A line with its rounded amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// 1-based position on the invoice.
    pub line_no: u32,
    /// What is sold.
    pub description: String,
    /// How many.
    pub quantity: Decimal,
    /// Price of one unit before tax.
    pub unit_price: Decimal,
    /// Tax rate in percent.
    pub tax_rate: Decimal,
    /// `quantity × unit_price`, rounded to the currency.
    pub net_amount: Decimal,
    /// `net_amount × tax_rate / 100`, rounded to the currency.
    pub tax_amount: Decimal,
    /// On a credit note: the line of the corrected invoice this line credits.
    #[serde(default)]
    pub credits_line: Option<u32>,
    /// On an invoice: how much of `quantity` credit notes have taken back.
    #[serde(default)]
    pub credited_quantity: Decimal,
}

/// Totals of an invoice: sums of rounded line amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTotals {
    /// The lines with their amounts.
    pub lines: Vec<InvoiceLine>,
    /// Sum of line net amounts.
    pub net_total: Decimal,
    /// Sum of line tax amounts.
    pub tax_total: Decimal,
    /// `net_total + tax_total`.
    pub total: Decimal,
}

/// Why a set of lines cannot make an invoice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// No line at all.
    #[error("an invoice needs at least one line")]
    NoLines,
    /// More lines than [`MAX_LINES`].
    #[error("an invoice has at most {MAX_LINES} lines, got {0}")]
    TooManyLines(usize),
    /// A line has an empty description.
    #[error("line {0}: the description is empty")]
    EmptyDescription(u32),
    /// A line's description is longer than [`MAX_DESCRIPTION_CHARS`].
    #[error("line {0}: the description is longer than {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong(u32),
    /// A line's description holds a control character or a direction override.
    #[error("line {0}: the description contains a control or text-direction character ({1}); remove it")]
    DescriptionUnsafe(u32, String),
    /// A line's quantity is zero, negative, too precise or too large.
    #[error("line {0}: the quantity must be positive, at most {MAX_INPUT_SCALE} decimals and below 100,000,000")]
    InvalidQuantity(u32),
    /// A line's unit price is too precise or too large.
    #[error("line {0}: the unit price must have at most {MAX_INPUT_SCALE} decimals and be below 100,000,000")]
    InvalidUnitPrice(u32),
    /// A line's tax rate is outside 0–100 % or too precise.
    #[error("line {0}: the tax rate must be a percentage from 0 to 100 with at most 4 decimals")]
    InvalidTaxRate(u32),
    /// Discount lines outweigh the rest; a credit note is a different document.
    #[error("the invoice total would be negative; issue a credit note instead")]
    NegativeTotal,
}

impl Localized for LineError {
    fn code(&self) -> &str {
        match self {
            LineError::NoLines => "invoice_has_no_lines",
            LineError::TooManyLines(_) => "invoice_too_many_lines",
            LineError::EmptyDescription(_) => "line_description_empty",
            LineError::DescriptionTooLong(_) => "line_description_too_long",
            LineError::DescriptionUnsafe(..) => "line_description_unsafe",
            LineError::InvalidQuantity(_) => "line_quantity_invalid",
            LineError::InvalidUnitPrice(_) => "line_unit_price_invalid",
            LineError::InvalidTaxRate(_) => "line_tax_rate_invalid",
            LineError::NegativeTotal => "invoice_total_negative",
        }
    }

    fn message_tr(&self) -> String {
        match self {
            LineError::NoLines => "Bir fatura en az bir satır içermelidir".into(),
            LineError::TooManyLines(n) => {
                format!("Bir fatura en fazla {MAX_LINES} satır içerebilir, {n} satır verildi")
            }
            LineError::EmptyDescription(l) => format!("Satır {l}: açıklama boş"),
            LineError::DescriptionTooLong(l) => {
                format!("Satır {l}: açıklama {MAX_DESCRIPTION_CHARS} karakterden uzun")
            }
            LineError::DescriptionUnsafe(l, found) => {
                format!("Satır {l}: açıklama bir denetim veya yazı yönü karakteri içeriyor ({found}); kaldırın")
            }
            LineError::InvalidQuantity(l) => format!(
                "Satır {l}: miktar pozitif, en fazla {MAX_INPUT_SCALE} ondalık basamaklı ve 100.000.000'dan küçük olmalıdır"
            ),
            LineError::InvalidUnitPrice(l) => format!(
                "Satır {l}: birim fiyat en fazla {MAX_INPUT_SCALE} ondalık basamaklı ve 100.000.000'dan küçük olmalıdır"
            ),
            LineError::InvalidTaxRate(l) => {
                format!("Satır {l}: vergi oranı 0 ile 100 arasında, en fazla 4 ondalık basamaklı bir yüzde olmalıdır")
            }
            LineError::NegativeTotal => {
                "Fatura toplamı negatif olamaz; bunun yerine bir iade faturası düzenleyin".into()
            }
        }
    }

    fn details(&self) -> Option<String> {
        match self {
            LineError::EmptyDescription(l)
            | LineError::DescriptionTooLong(l)
            | LineError::DescriptionUnsafe(l, _)
            | LineError::InvalidQuantity(l)
            | LineError::InvalidUnitPrice(l)
            | LineError::InvalidTaxRate(l) => Some(format!("line {l}")),
            _ => None,
        }
    }
}

fn within_limits(value: Decimal, max_scale: u32) -> bool {
    value.normalize().scale() <= max_scale && value.abs() < Decimal::from(MAX_INPUT_MAGNITUDE)
}

/// Validates `lines` and computes every amount with the rounding rule of [`crate::money`].
///
/// The backend stores exactly what this returns, and the UI shows it live while the user types.
pub fn compute_totals(currency: Currency, lines: &[LineInput]) -> Result<InvoiceTotals, LineError> {
    if lines.is_empty() {
        return Err(LineError::NoLines);
    }
    if lines.len() > MAX_LINES {
        return Err(LineError::TooManyLines(lines.len()));
    }
    let hundred = Decimal::ONE_HUNDRED;
    let mut out = Vec::with_capacity(lines.len());
    let (mut net_total, mut tax_total) = (Decimal::ZERO, Decimal::ZERO);
    for (index, line) in lines.iter().enumerate() {
        let line_no = index as u32 + 1;
        if line.description.trim().is_empty() {
            return Err(LineError::EmptyDescription(line_no));
        }
        if line.description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(LineError::DescriptionTooLong(line_no));
        }
        if let Some(c) = crate::text::unsafe_char(&line.description) {
            return Err(LineError::DescriptionUnsafe(line_no, format!("U+{:04X}", u32::from(c))));
        }
        if line.quantity <= Decimal::ZERO || !within_limits(line.quantity, MAX_INPUT_SCALE) {
            return Err(LineError::InvalidQuantity(line_no));
        }
        if !within_limits(line.unit_price, MAX_INPUT_SCALE) {
            return Err(LineError::InvalidUnitPrice(line_no));
        }
        if line.tax_rate < Decimal::ZERO || line.tax_rate > hundred || line.tax_rate.normalize().scale() > 4 {
            return Err(LineError::InvalidTaxRate(line_no));
        }
        // Both factors are below 100,000,000 with at most 6 decimals, so these products are exact.
        let net_amount = round_money(line.quantity * line.unit_price, currency);
        let tax_amount = round_money(net_amount * line.tax_rate / hundred, currency);
        net_total += net_amount;
        tax_total += tax_amount;
        out.push(InvoiceLine {
            line_no,
            description: line.description.trim().to_owned(),
            quantity: line.quantity.normalize(),
            unit_price: line.unit_price.normalize(),
            tax_rate: line.tax_rate.normalize(),
            net_amount,
            tax_amount,
            credits_line: None,
            credited_quantity: Decimal::ZERO,
        });
    }
    let total = net_total + tax_total;
    if total < Decimal::ZERO {
        return Err(LineError::NegativeTotal);
    }
    Ok(InvoiceTotals { lines: out, net_total, tax_total, total })
}

/// An issued invoice, with its number and stored amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedInvoice {
    /// Database id.
    pub id: i64,
    /// The legal number, e.g. `202611-00001-ACME`.
    pub number: String,
    /// Tenant code.
    pub tenant: String,
    /// Series code.
    pub series: String,
    /// Numbering period (`202611`, `2026`, or `all` for a series that never resets).
    pub period: String,
    /// Position in the period, from 1, without holes.
    pub seq: i64,
    /// Customer code, when the invoice names one.
    pub customer: Option<String>,
    /// The legal issue date.
    pub issue_date: NaiveDate,
    /// Invoice currency.
    pub currency: Currency,
    /// Sum of line net amounts.
    pub net_total: Decimal,
    /// Sum of line tax amounts.
    pub tax_total: Decimal,
    /// Amount due.
    pub total: Decimal,
    /// Who issued it.
    pub created_by: String,
    /// When it was written, in UTC.
    pub created_at: DateTime<Utc>,
    /// The lines.
    pub lines: Vec<InvoiceLine>,
    /// What has been paid of `total`.
    #[serde(default)]
    pub paid_total: Decimal,
    /// Open, partially paid or paid.
    #[serde(default)]
    pub payment_status: PaymentStatus,
    /// The payments recorded against it, oldest first.
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// What credit notes have taken back of `total` (positive).
    #[serde(default)]
    pub credited_total: Decimal,
    /// Issued, partially credited, credited, or a credit note.
    #[serde(default)]
    pub credit_status: CreditStatus,
    /// On a credit note: the invoice it corrects.
    #[serde(default)]
    pub credit_of: Option<CreditOf>,
    /// On an invoice: its credit notes, oldest first.
    #[serde(default)]
    pub credit_notes: Vec<CreditNoteRef>,
}

/// One row of the invoice list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    /// Database id.
    pub id: i64,
    /// The legal number.
    pub number: String,
    /// Series code.
    pub series: String,
    /// Numbering period.
    pub period: String,
    /// Position in the period.
    pub seq: i64,
    /// Customer code, if any.
    pub customer: Option<String>,
    /// The legal issue date.
    pub issue_date: NaiveDate,
    /// Invoice currency.
    pub currency: Currency,
    /// Amount due.
    pub total: Decimal,
    /// Open, partially paid or paid.
    #[serde(default)]
    pub payment_status: PaymentStatus,
    /// Issued, partially credited, credited, or a credit note.
    #[serde(default)]
    pub credit_status: CreditStatus,
}

/// Which invoices to list; newest first, one page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceListQuery {
    /// Only this series.
    pub series: Option<String>,
    /// Only this period.
    pub period: Option<String>,
    /// Only this customer.
    pub customer: Option<String>,
    /// Only invoices of this credit status.
    #[serde(default)]
    pub credit_status: Option<CreditStatus>,
    /// Rows per page (default 50, at most 500).
    pub limit: Option<u32>,
    /// Keyset cursor: only invoices with a smaller id than this (the last id of the previous page).
    pub before_id: Option<i64>,
}

impl InvoiceListQuery {
    /// The page size actually used.
    pub fn page_size(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, 500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(q: &str, p: &str, t: &str) -> LineInput {
        LineInput {
            description: "Consulting".into(),
            quantity: q.parse().unwrap(),
            unit_price: p.parse().unwrap(),
            tax_rate: t.parse().unwrap(),
        }
    }

    #[test]
    fn totals_are_sums_of_rounded_lines() {
        // 3 × 0.335 = 1.005 → 1.01; tax 20 % of 1.01 = 0.202 → 0.20.
        let t = compute_totals(Currency::Eur, &[line("3", "0.335", "20"), line("1", "0.005", "0")]).unwrap();
        assert_eq!(t.lines[0].net_amount.to_string(), "1.01");
        assert_eq!(t.lines[0].tax_amount.to_string(), "0.20");
        assert_eq!(t.lines[1].net_amount.to_string(), "0.01");
        assert_eq!(t.net_total.to_string(), "1.02");
        assert_eq!(t.tax_total.to_string(), "0.20");
        assert_eq!(t.total.to_string(), "1.22");
    }

    #[test]
    fn yen_has_no_minor_unit() {
        let t = compute_totals(Currency::Jpy, &[line("1.5", "333", "10")]).unwrap();
        assert_eq!(t.net_total.to_string(), "500"); // 499.5 → 500
        assert_eq!(t.tax_total.to_string(), "50");
        assert_eq!(t.total.to_string(), "550");
    }

    #[test]
    fn refuses_bad_lines_with_their_position() {
        assert_eq!(compute_totals(Currency::Eur, &[]), Err(LineError::NoLines));
        assert_eq!(
            compute_totals(Currency::Eur, &[line("1", "1", "20"), line("0", "1", "20")]),
            Err(LineError::InvalidQuantity(2))
        );
        assert_eq!(compute_totals(Currency::Eur, &[line("1", "1", "101")]), Err(LineError::InvalidTaxRate(1)));
        assert_eq!(compute_totals(Currency::Eur, &[line("1", "0.0000001", "0")]), Err(LineError::InvalidUnitPrice(1)));
        assert_eq!(compute_totals(Currency::Eur, &[line("1", "100000000", "0")]), Err(LineError::InvalidUnitPrice(1)));
        assert_eq!(
            compute_totals(Currency::Eur, &[line("1", "5", "0"), line("1", "-6", "0")]),
            Err(LineError::NegativeTotal)
        );
        let mut blank = line("1", "1", "0");
        blank.description = "  ".into();
        assert_eq!(compute_totals(Currency::Eur, &[blank]), Err(LineError::EmptyDescription(1)));
    }

    #[test]
    fn descriptions_are_capped_and_free_of_control_characters() {
        let mut long = line("1", "1", "0");
        long.description = "é".repeat(MAX_DESCRIPTION_CHARS);
        assert!(compute_totals(Currency::Eur, std::slice::from_ref(&long)).is_ok());
        long.description.push('x');
        assert_eq!(compute_totals(Currency::Eur, &[long]), Err(LineError::DescriptionTooLong(1)));
        let mut escape = line("1", "1", "0");
        escape.description = format!("Consulting {}[2J", '\u{1b}');
        assert_eq!(compute_totals(Currency::Eur, &[escape]), Err(LineError::DescriptionUnsafe(1, "U+001B".into())));
    }

    #[test]
    fn line_amounts_arrive_as_plain_decimal_strings() {
        let json = |q: &str| format!(r#"{{"description":"X","quantity":{q},"unit_price":"10","tax_rate":"21"}}"#);
        let line: LineInput = serde_json::from_str(&json(r#""1.5""#)).unwrap();
        assert_eq!(line.quantity.to_string(), "1.5");
        for bad in [r#""1e3""#, r#""1_5""#, "1.5", r#""""#] {
            assert!(serde_json::from_str::<LineInput>(&json(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn largest_inputs_do_not_overflow() {
        let t = compute_totals(Currency::Eur, &[line("99999999.999999", "99999999.999999", "100")]).unwrap();
        // (10^8 − 10^-6)² = 9999999999999800.000000000001 exactly, taxed at 100 %.
        assert_eq!(t.net_total.to_string(), "9999999999999800.00");
        assert_eq!(t.total.to_string(), "19999999999999600.00");
    }

    #[test]
    fn every_error_has_a_code_and_a_turkish_message() {
        let e = LineError::InvalidTaxRate(3);
        let body = e.to_body();
        assert_eq!(body.code, "line_tax_rate_invalid");
        assert!(body.message.contains("line 3"));
        assert!(body.message_tr.contains("Satır 3"));
    }
}
