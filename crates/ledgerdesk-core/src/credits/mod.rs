//! Credit notes: an issued invoice is never deleted or renumbered, so a mistake, a return or a
//! cancellation is corrected by a credit note — a corrective invoice with negative amounts, numbered in
//! a corrective series of its own, citing the invoice it corrects.
//!
//! # The invariant
//! What the credit notes of an invoice take back never exceeds the invoice: per line, the credited
//! quantities add up to at most the line's quantity (`invoice_lines.credited_quantity`), and in all the
//! credited amounts to at most its total (`invoices.credited_total`); a credit that takes the last of a
//! line takes exactly what is left of its amounts, so an invoice credited in full nets to zero to the
//! cent. A credit by amounts (a net amount at one of the invoice's tax rates, with its VAT) takes back at
//! most what is left of that rate's net, the last of it exactly the VAT left; an invoice is credited by
//! lines or by amounts, never both, so nothing is taken back twice. A credit note is never credited itself, is dated on or after its invoice, and lives only in a
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

use std::collections::BTreeMap;
use std::future::Future;

use chrono::NaiveDate;
use ledgerdesk_types::invoice::MAX_INPUT_SCALE;
use ledgerdesk_types::{
    CreditScope, CreditStatus, CreditedAmount, Currency, InvoiceLine, InvoiceTotals, IssuedInvoice, Reply, round_money,
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
        if let CreditScope::Amounts(amounts) = &request.scope {
            validate_amounts(amounts)?;
        }
        Ok(CreditCommand { request: CreditInvoice { reason: reason.to_owned(), ..request } })
    }
}

/// Each rate once, from 0 to 100 % with at most 4 decimals; each amount positive, with at most 4
/// decimals (the currency's own minor unit is checked against the invoice) and below 10^12.
fn validate_amounts(amounts: &[CreditedAmount]) -> Result<()> {
    if amounts.is_empty() {
        return Err(Error::invalid(
            "amount",
            "name at least one rate and amount, or credit all",
            "en az bir oran ve tutar girin",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for amount in amounts {
        let rate = amount.tax_rate.normalize();
        let rate_ok = rate >= Decimal::ZERO && rate <= Decimal::ONE_HUNDRED && rate.scale() <= 4;
        let net = amount.net_amount.normalize();
        let net_ok = net > Decimal::ZERO && net.scale() <= 4 && net < Decimal::from(1_000_000_000_000_i64);
        if !rate_ok || !net_ok || !seen.insert(rate) {
            return Err(Error::invalid(
                "amount",
                format!("{rate}%: each rate once (0 to 100), with a positive net amount"),
                format!("%{rate}: her oran bir kez (0 ile 100 arası), pozitif bir net tutarla"),
            ));
        }
    }
    Ok(())
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
    /// Net and tax (positive) credit notes took back by amount (no line named), per normalized rate.
    pub by_rate: ByRate,
}

/// Splits what the credit notes of an invoice took back — rows of (line credited or none, rate, net,
/// tax), amounts as stored on the credit notes (negative) — into per line and, for credits by amount,
/// per rate, both positive.
pub(crate) fn split_taken(rows: Vec<(Option<u32>, Decimal, Decimal, Decimal)>) -> (Taken, ByRate) {
    let (mut by_line, mut by_rate): (Taken, ByRate) = Default::default();
    for (line, rate, net, tax) in rows {
        let entry = match line {
            Some(line) => by_line.entry(line).or_default(),
            None => by_rate.entry(rate.normalize()).or_default(),
        };
        *entry = (entry.0 - net, entry.1 - tax);
    }
    (by_line, by_rate)
}

/// Net and tax (positive) taken back of each line of an invoice.
pub(crate) type Taken = BTreeMap<u32, (Decimal, Decimal)>;

/// Net and tax (positive) per normalized tax rate.
pub(crate) type ByRate = BTreeMap<Decimal, (Decimal, Decimal)>;

/// `(line_no, credited quantity now)` of each line a credit note touches.
type CreditedLines = Vec<(u32, Decimal)>;

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
    pub credited_lines: CreditedLines,
}

/// Decides the credit note of `original` that `request` asks for.
pub(crate) fn plan(original: &Original, request: &CreditInvoice) -> Result<CreditPlan> {
    if original.is_credit_note {
        return Err(CreditError::OfCreditNote(original.number.clone()).into());
    }
    let by_lines = original.lines.iter().any(|line| line.line.credited_quantity > Decimal::ZERO);
    let by_amounts = !original.by_rate.is_empty();
    let mixed = |done| Err(Error::from(CreditError::ScopeMixed { number: original.number.clone(), done }));
    let (lines, credited_lines) = match &request.scope {
        CreditScope::Amounts(_) if by_lines => return mixed("lines"),
        CreditScope::Lines(_) if by_amounts => return mixed("amounts"),
        CreditScope::Amounts(asked) => {
            (amount_lines(original, &rates_left(original), asked, &request.reason)?, Vec::new())
        }
        CreditScope::All if by_amounts => {
            let left = rates_left(original);
            let rest: Vec<CreditedAmount> = left
                .iter()
                .filter(|(_, (net, _))| *net > Decimal::ZERO)
                .map(|(tax_rate, (net_amount, _))| CreditedAmount { tax_rate: *tax_rate, net_amount: *net_amount })
                .collect();
            if rest.is_empty() {
                return Err(CreditError::FullyCredited(original.number.clone()).into());
            }
            (amount_lines(original, &left, &rest, &request.reason)?, Vec::new())
        }
        CreditScope::All | CreditScope::Lines(_) => quantity_lines(original, &request.scope)?,
    };
    let currency = original.currency;
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

/// The credit note's lines for a credit by lines (or of everything left, line by line), with each
/// line's credited quantity after it.
fn quantity_lines(original: &Original, scope: &CreditScope) -> Result<(Vec<InvoiceLine>, CreditedLines)> {
    let wanted: Vec<(&OriginalLine, Decimal)> = match scope {
        CreditScope::Lines(asked) => asked
            .iter()
            .map(|asked| {
                let line = original.lines.iter().find(|l| l.line.line_no == asked.line_no).ok_or_else(|| {
                    CreditError::LineNotFound { number: original.number.clone(), line: asked.line_no }
                })?;
                Ok((line, asked.quantity))
            })
            .collect::<Result<_>>()?,
        _ => original
            .lines
            .iter()
            .map(|line| (line, line.line.quantity - line.line.credited_quantity))
            .filter(|(_, left)| *left > Decimal::ZERO)
            .collect(),
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
    Ok((lines, credited_lines))
}

/// Net and tax (positive) of each rate of the invoice not yet credited by amount.
fn rates_left(original: &Original) -> ByRate {
    let mut left = ByRate::new();
    for line in &original.lines {
        let entry = left.entry(line.line.tax_rate.normalize()).or_default();
        *entry = (entry.0 + line.line.net_amount, entry.1 + line.line.tax_amount);
    }
    for (rate, (net, tax)) in &original.by_rate {
        let entry = left.entry(*rate).or_default();
        *entry = (entry.0 - net, entry.1 - tax);
    }
    left
}

/// The credit note's lines for a credit by amounts: one per rate, quantity −1 at the net asked, its VAT
/// by the invoice's rounding rule; the last of a rate takes exactly the VAT left of it.
/// `left` is what [`rates_left`] gives for `original`.
fn amount_lines(
    original: &Original,
    left: &ByRate,
    asked: &[CreditedAmount],
    reason: &str,
) -> Result<Vec<InvoiceLine>> {
    let currency = original.currency;
    let mut lines = Vec::with_capacity(asked.len());
    for (line_no, amount) in (1..).zip(asked) {
        let rate = amount.tax_rate.normalize();
        let net = amount.net_amount.normalize();
        if round_money(net, currency) != net {
            return Err(Error::invalid(
                "amount",
                format!("{net} has more decimals than {} allows", currency.code()),
                format!("{net}, {} için fazla ondalık basamak içeriyor", currency.code()),
            ));
        }
        let (net_left, tax_left) = left
            .get(&rate)
            .copied()
            .ok_or_else(|| CreditError::RateNotOnInvoice { number: original.number.clone(), rate })?;
        if net > net_left {
            let (asked, left) = (net, net_left.max(Decimal::ZERO));
            return Err(CreditError::ExceedsRate { number: original.number.clone(), rate, asked, left }.into());
        }
        let tax = if net == net_left {
            tax_left
        } else {
            clamp_to(round_money(net * rate / Decimal::ONE_HUNDRED, currency), tax_left)
        };
        lines.push(InvoiceLine {
            line_no,
            description: format!("{reason} ({rate}%)"),
            quantity: Decimal::NEGATIVE_ONE,
            unit_price: round_money(net, currency),
            tax_rate: rate,
            net_amount: negated(net, currency),
            tax_amount: negated(tax, currency),
            credits_line: None,
            credited_quantity: Decimal::ZERO,
        });
    }
    Ok(lines)
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
    fn action(&self) -> crate::identity::Action {
        crate::identity::Action::CreditInvoices
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
