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
mod tests;
