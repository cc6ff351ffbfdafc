//! Credit notes: an issued invoice is never deleted or renumbered, so a mistake, a return or a
//! cancellation is corrected by a credit note — a corrective invoice with negative amounts, numbered in
//! a corrective series of its own, citing the invoice it corrects.
//!
//! # The invariant
//! What the credit notes of an invoice take back never exceeds the invoice: per line, the credited
//! quantities add up to at most the line's quantity (`invoice_lines.credited_quantity`), and in all the
//! credited amounts to at most its total (`invoices.credited_total`); a credit that takes the last of a
//! line takes exactly what is left of its amounts, so an invoice credited in full nets to zero to the
//! cent. A credit note is never credited itself, is dated on or after its invoice, and lives only in a
//! corrective series, which holds nothing else.
//!
//! # How both twins keep it
//! The credit note is an issue ([`crate::numbering`]): same counter table, same locks, same continuity
//! audit. Before it, the corrected invoice's row is locked (Postgres `FOR UPDATE`, SQLite's writer
//! lock) and read with what is credited of it, so concurrent credits of one invoice are judged one after
//! the other; the credited figures are written in the credit note's own transaction. Postgres holds
//! `CHECK`s on both figures; on both databases a trigger refuses a credit note of the wrong shape
//! (series kind, tenant, date, a credit of a credit), whatever writes it.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use chrono::NaiveDate;
use ledgerdesk_types::invoice::MAX_INPUT_SCALE;
use ledgerdesk_types::{
    CreditScope, CreditStatus, Currency, InvoiceLine, InvoiceTotals, IssuedInvoice, Reply, round_money,
};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::forward_to_any_store;
use crate::error::{CreditError, Error, Result};
use crate::idempotency::Command;
use crate::model::IssueInvoice;
use crate::numbering::{CreditLink, Draft};
use crate::validate::{validate_code, validate_date, validate_number, validate_user};

/// Credit notes, on any database.
pub trait Credits: Send + Sync {
    /// Issues a credit note of `request.invoice` in corrective series `request.series`. With `key`, at
    /// most once per key.
    fn credit_invoice(
        &self,
        request: CreditInvoice,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<IssuedInvoice>>> + Send;
}

forward_to_any_store! {
    impl Credits {
        async fn credit_invoice(&self, request: CreditInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>>;
    }
}

/// A credit status as stored.
pub(crate) fn credit_status(stored: &str, backend: &'static str) -> Result<CreditStatus> {
    stored.parse().map_err(|_| Error::Storage { backend, detail: format!("unknown credit status {stored:?}") })
}

/// A request to credit an invoice, in full or in part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditInvoice {
    /// Tenant code.
    pub tenant: String,
    /// The number of the invoice to correct.
    pub invoice: String,
    /// The corrective series the credit note is numbered in.
    pub series: String,
    /// Why (printed on the credit note, kept in the audit trail).
    pub reason: String,
    /// The credit note's date; today in the tenant's time zone when absent.
    pub issue_date: Option<NaiveDate>,
    /// Everything left, or chosen lines and quantities.
    pub scope: CreditScope,
    /// Who issues it.
    pub user: String,
}

/// A credit request that passed every check needing no database.
#[derive(Debug, Clone)]
pub(crate) struct CreditCommand {
    pub request: CreditInvoice,
}

impl CreditCommand {
    pub(crate) fn new(request: CreditInvoice) -> Result<Self> {
        validate_code("tenant", &request.tenant)?;
        validate_number(&request.invoice)?;
        validate_code("series", &request.series)?;
        validate_user(&request.user)?;
        if let Some(date) = request.issue_date {
            validate_date("issue_date", date)?;
        }
        let reason = request.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 || ledgerdesk_types::text::unsafe_char(reason).is_some() {
            return Err(Error::invalid(
                "reason",
                "must be 1 to 500 printable characters",
                "1 ile 500 arasında yazdırılabilir karakter olmalıdır",
            ));
        }
        if let CreditScope::Lines(lines) = &request.scope {
            if lines.is_empty() {
                return Err(Error::invalid("line", "name at least one line, or credit all", "en az bir satır seçin"));
            }
            let mut seen = std::collections::BTreeSet::new();
            for line in lines {
                let exact = line.quantity.normalize().scale() <= MAX_INPUT_SCALE;
                if line.quantity <= Decimal::ZERO || !exact || !seen.insert(line.line_no) {
                    return Err(Error::invalid(
                        "line",
                        format!(
                            "line {}: each line once, with a positive quantity of at most 6 decimals",
                            line.line_no
                        ),
                        format!(
                            "{}. satır: her satır bir kez, en fazla 6 ondalıklı pozitif bir miktarla",
                            line.line_no
                        ),
                    ));
                }
            }
        }
        Ok(CreditCommand { request: CreditInvoice { reason: reason.to_owned(), ..request } })
    }
}

/// The invoice to correct, as read under its lock.
#[derive(Debug, Clone)]
pub(crate) struct Original {
    pub id: i64,
    pub number: String,
    pub issue_date: NaiveDate,
    pub currency: Currency,
    pub customer: Option<String>,
    pub is_credit_note: bool,
    pub total: Decimal,
    pub credited_total: Decimal,
    pub lines: Vec<OriginalLine>,
}

/// One line of the invoice to correct (with its `credited_quantity` so far), and the net and tax its
/// credit notes took back of it so far (positive).
#[derive(Debug, Clone)]
pub(crate) struct OriginalLine {
    pub line: InvoiceLine,
    pub credited_net: Decimal,
    pub credited_tax: Decimal,
}

/// What a credit decides: the credit note to issue, and the corrected invoice's new figures.
#[derive(Debug, Clone)]
pub(crate) struct CreditPlan {
    pub draft: Draft,
    pub credited_total: Decimal,
    pub status: CreditStatus,
    /// `(line_no, credited quantity now)` of each line the credit note touches.
    pub credited_lines: Vec<(u32, Decimal)>,
}

/// Decides the credit note of `original` that `request` asks for.
pub(crate) fn plan(original: &Original, request: &CreditInvoice) -> Result<CreditPlan> {
    if original.is_credit_note {
        return Err(CreditError::OfCreditNote(original.number.clone()).into());
    }
    let wanted: Vec<(&OriginalLine, Decimal)> = match &request.scope {
        CreditScope::All => original
            .lines
            .iter()
            .map(|line| (line, line.line.quantity - line.line.credited_quantity))
            .filter(|(_, left)| *left > Decimal::ZERO)
            .collect(),
        CreditScope::Lines(asked) => asked
            .iter()
            .map(|asked| {
                let line = original.lines.iter().find(|l| l.line.line_no == asked.line_no).ok_or_else(|| {
                    CreditError::LineNotFound { number: original.number.clone(), line: asked.line_no }
                })?;
                Ok((line, asked.quantity))
            })
            .collect::<Result<_>>()?,
    };
    if wanted.is_empty() {
        return Err(CreditError::FullyCredited(original.number.clone()).into());
    }
    let currency = original.currency;
    let mut lines = Vec::with_capacity(wanted.len());
    let mut credited_lines = Vec::with_capacity(wanted.len());
    for (line_no, (line, quantity)) in (1..).zip(wanted) {
        let remaining = line.line.quantity - line.line.credited_quantity;
        if quantity > remaining {
            return Err(CreditError::ExceedsRemaining {
                number: original.number.clone(),
                line: line.line.line_no,
                asked: quantity.normalize(),
                remaining: remaining.normalize(),
            }
            .into());
        }
        let (net, tax) = credited_amounts(line, quantity, currency);
        lines.push(InvoiceLine {
            line_no,
            description: line.line.description.clone(),
            quantity: -quantity.normalize(),
            unit_price: line.line.unit_price,
            tax_rate: line.line.tax_rate,
            net_amount: negated(net, currency),
            tax_amount: negated(tax, currency),
            credits_line: Some(line.line.line_no),
            credited_quantity: Decimal::ZERO,
        });
        credited_lines.push((line.line.line_no, (line.line.credited_quantity + quantity).normalize()));
    }
    let net_total = round_money(lines.iter().map(|l| l.net_amount).sum(), currency);
    let tax_total = round_money(lines.iter().map(|l| l.tax_amount).sum(), currency);
    let totals = InvoiceTotals { lines, net_total, tax_total, total: net_total + tax_total };
    if totals.total > Decimal::ZERO {
        return Err(CreditError::NotACredit(original.number.clone()).into());
    }
    let credited_total = round_money(original.credited_total - totals.total, currency);
    if credited_total > original.total {
        return Err(CreditError::ExceedsInvoice {
            number: original.number.clone(),
            amount: -totals.total,
            left: original.total - original.credited_total,
        }
        .into());
    }
    let status = CreditStatus::of(false, original.total, credited_total);
    let issue = IssueInvoice {
        tenant: request.tenant.clone(),
        series: request.series.clone(),
        customer: original.customer.clone(),
        issue_date: request.issue_date,
        currency,
        lines: Vec::new(),
        user: request.user.clone(),
        reserved: None,
    };
    let credit = CreditLink {
        invoice_id: original.id,
        number: original.number.clone(),
        issue_date: original.issue_date,
        reason: request.reason.clone(),
    };
    Ok(CreditPlan {
        draft: Draft { request: issue, totals, credit: Some(credit) },
        credited_total,
        status,
        credited_lines,
    })
}

/// Net and tax (positive) that crediting `quantity` of `line` takes back: by the invoice's rounding
/// rule, except that the last of a line takes exactly what is left, and no credit ever takes more.
fn credited_amounts(line: &OriginalLine, quantity: Decimal, currency: Currency) -> (Decimal, Decimal) {
    let net_left = line.line.net_amount - line.credited_net;
    let tax_left = line.line.tax_amount - line.credited_tax;
    if quantity == line.line.quantity - line.line.credited_quantity {
        return (net_left, tax_left);
    }
    let net = round_money(quantity * line.line.unit_price, currency);
    let tax = round_money(net * line.line.tax_rate / Decimal::ONE_HUNDRED, currency);
    (clamp_to(net, net_left), clamp_to(tax, tax_left))
}

/// `-amount` to the currency's minor unit, a zero without a minus sign (`0.00`, never `-0`).
fn negated(amount: Decimal, currency: Currency) -> Decimal {
    if amount.is_zero() { Decimal::new(0, currency.minor_units()) } else { round_money(-amount, currency) }
}

/// `amount`, but never further from zero than `left` (both of one sign: a discount line is negative).
fn clamp_to(amount: Decimal, left: Decimal) -> Decimal {
    if left >= Decimal::ZERO { amount.min(left).max(Decimal::ZERO) } else { amount.max(left).min(Decimal::ZERO) }
}

impl Command for CreditCommand {
    type Output = IssuedInvoice;

    fn name(&self) -> &'static str {
        "invoice.credit"
    }
    fn tenant(&self) -> &str {
        &self.request.tenant
    }
    fn user(&self) -> &str {
        &self.request.user
    }
    fn arguments(&self) -> impl serde::Serialize {
        &self.request
    }
    fn exhausted(attempts: u32) -> Error {
        Error::NumberingContention { attempts }
    }
    fn apply_sqlite(&self, tx: &rusqlite::Transaction<'_>) -> Result<IssuedInvoice> {
        sqlite::credit(tx, &self.request)
    }
    fn apply_postgres(&self, conn: &mut sqlx::PgConnection) -> impl Future<Output = Result<IssuedInvoice>> + Send {
        postgres::credit(conn, &self.request)
    }
}

#[cfg(test)]
mod tests {
    use ledgerdesk_types::{CreditedLine, Localized};

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn original(quantity: &str, price: &str, net: &str, tax: &str) -> Original {
        let line = InvoiceLine {
            line_no: 1,
            description: "Widget".into(),
            quantity: d(quantity),
            unit_price: d(price),
            tax_rate: d("21"),
            net_amount: d(net),
            tax_amount: d(tax),
            credits_line: None,
            credited_quantity: Decimal::ZERO,
        };
        Original {
            id: 1,
            number: "INV-1".into(),
            issue_date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            currency: Currency::Eur,
            customer: None,
            is_credit_note: false,
            total: d(net) + d(tax),
            credited_total: Decimal::ZERO,
            lines: vec![OriginalLine { line, credited_net: Decimal::ZERO, credited_tax: Decimal::ZERO }],
        }
    }

    fn request(scope: CreditScope) -> CreditInvoice {
        CreditInvoice {
            tenant: "ACME".into(),
            invoice: "INV-1".into(),
            series: "R".into(),
            reason: "returned".into(),
            issue_date: None,
            scope,
            user: "ana".into(),
        }
    }

    /// Credits `quantities` one after another, applying each plan to `invoice`.
    fn credit_in_turn(mut invoice: Original, quantities: &[&str]) -> (Original, Vec<Decimal>) {
        let mut totals = Vec::new();
        for quantity in quantities {
            let scope = CreditScope::Lines(vec![CreditedLine { line_no: 1, quantity: d(quantity) }]);
            let plan = plan(&invoice, &request(scope)).unwrap();
            let line = &plan.draft.totals.lines[0];
            let original = &mut invoice.lines[0];
            original.line.credited_quantity = plan.credited_lines[0].1;
            original.credited_net -= line.net_amount;
            original.credited_tax -= line.tax_amount;
            invoice.credited_total = plan.credited_total;
            totals.push(plan.draft.totals.total);
        }
        (invoice, totals)
    }

    #[test]
    fn three_thirds_of_a_rounded_line_add_up_to_it_exactly() {
        // 3 × 0.335 = 1.005 → 1.01 net, 0.21 tax; each third alone would round to 0.34 + 0.07.
        let (invoice, totals) = credit_in_turn(original("3", "0.335", "1.01", "0.21"), &["1", "1", "1"]);
        assert_eq!(totals, vec![d("-0.41"), d("-0.41"), d("-0.40")]);
        assert_eq!(invoice.credited_total, d("1.22"));
        assert_eq!(CreditStatus::of(false, invoice.total, invoice.credited_total), CreditStatus::Credited);
    }

    #[test]
    fn a_full_credit_negates_the_invoice_and_nothing_is_left() {
        let invoice = original("2", "150.005", "300.01", "63.00");
        let plan = plan(&invoice, &request(CreditScope::All)).unwrap();
        assert_eq!(plan.draft.totals.total, d("-363.01"));
        assert_eq!(plan.draft.totals.lines[0].quantity, d("-2"));
        assert_eq!(plan.status, CreditStatus::Credited);
        let untaxed = super::plan(&original("1", "35.50", "35.50", "0.00"), &request(CreditScope::All)).unwrap();
        assert_eq!(untaxed.draft.totals.tax_total.to_string(), "0.00", "no minus zero");
        assert_eq!(untaxed.draft.totals.lines[0].tax_amount.to_string(), "0.00");
        let (credited, _) = credit_in_turn(invoice, &["2"]);
        let again = super::plan(&credited, &request(CreditScope::All)).unwrap_err();
        assert_eq!(again.code(), "invoice_fully_credited");
    }

    #[test]
    fn more_than_is_left_and_unknown_lines_are_refused() {
        let (invoice, _) = credit_in_turn(original("3", "10", "30.00", "6.30"), &["2"]);
        let over = CreditScope::Lines(vec![CreditedLine { line_no: 1, quantity: d("1.5") }]);
        assert_eq!(plan(&invoice, &request(over)).unwrap_err().code(), "credit_exceeds_remaining");
        let unknown = CreditScope::Lines(vec![CreditedLine { line_no: 2, quantity: d("1") }]);
        assert_eq!(plan(&invoice, &request(unknown)).unwrap_err().code(), "credit_line_not_found");
    }

    #[test]
    fn a_discount_is_credited_with_what_it_discounts() {
        let mut invoice = original("1", "100", "100.00", "21.00");
        let mut discount = invoice.lines[0].clone();
        discount.line = InvoiceLine {
            line_no: 2,
            description: "Discount".into(),
            unit_price: d("-20"),
            net_amount: d("-20.00"),
            tax_amount: d("-4.20"),
            ..discount.line
        };
        invoice.lines.push(discount);
        invoice.total = d("96.80");
        let alone = |line_no| CreditScope::Lines(vec![CreditedLine { line_no, quantity: d("1") }]);
        assert_eq!(plan(&invoice, &request(alone(2))).unwrap_err().code(), "credit_not_negative");
        assert_eq!(plan(&invoice, &request(alone(1))).unwrap_err().code(), "credit_exceeds_invoice");
        let all = plan(&invoice, &request(CreditScope::All)).unwrap();
        assert_eq!((all.draft.totals.total, all.status), (d("-96.80"), CreditStatus::Credited));
    }

    #[test]
    fn a_credit_note_is_not_credited() {
        let mut note = original("1", "10", "10.00", "2.10");
        note.is_credit_note = true;
        assert_eq!(plan(&note, &request(CreditScope::All)).unwrap_err().code(), "credit_of_credit_note");
    }

    #[test]
    fn requests_are_checked_before_the_database() {
        let twice = CreditScope::Lines(vec![
            CreditedLine { line_no: 1, quantity: d("1") },
            CreditedLine { line_no: 1, quantity: d("1") },
        ]);
        assert!(CreditCommand::new(request(twice)).is_err());
        let blank = CreditInvoice { reason: "  ".into(), ..request(CreditScope::All) };
        assert!(CreditCommand::new(blank).is_err());
        assert!(CreditCommand::new(request(CreditScope::Lines(Vec::new()))).is_err());
    }
}
