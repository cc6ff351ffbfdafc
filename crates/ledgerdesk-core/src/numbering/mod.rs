//! Gapless invoice numbering: never a duplicate, never a hole, per (tenant, series, period).
//!
//! # The invariant
//! For every (tenant, series, period) the positions `1..next_value` of `invoice_sequences` are each
//! exactly one of: an issued invoice, a voided number, or a still-open reservation.
//!
//! # How both twins keep it
//! - The counter is a row in `invoice_sequences`, incremented by an upsert in the same transaction that
//!   writes the invoice: if the invoice fails, the increment rolls back with it and no number is lost.
//! - Locks are taken as late as possible and in one order, series row → counter row: first everything
//!   that can fail on bad input (lookups, validation, totals), then the series row (which also enforces
//!   that numbers follow dates), then the counter, then the two inserts.
//! - `UNIQUE (tenant, number)` and `UNIQUE (tenant, series, period, seq)` catch anything the code misses.
//! - SQLite serializes writers with `BEGIN IMMEDIATE`; Postgres with the row locks above.
//!
//! # Reservations
//! A block of K numbers is taken off the counter at once. Each may later carry an invoice dated between
//! its issued neighbours. Releasing the reservation records every unused number in `voided_numbers`, so
//! a released number is never a silent gap and is never issued afterwards.

pub mod batch;
pub mod postgres;
pub mod sqlite;

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerdesk_types::invoice::compute_totals;
use ledgerdesk_types::{InvoiceTotals, IssuedInvoice, Reply, ResetPolicy};

use crate::db::forward_to_any_store;
use crate::error::{CreditError, Error, Result};
use crate::format::{AroundSeq, NumberFormat, period_of};
use crate::idempotency::Command;
use crate::model::{IssueInvoice, Released, Reservation, ReserveNumbers, ReservedSlot};
use crate::validate::{validate_code, validate_date, validate_user};
use crate::webhooks::outbound::OutboundEvent;

/// Issuing and reserving numbers, on any database.
pub trait Numbering: Send + Sync {
    /// Issues an invoice: its number is taken in the same transaction that writes it, so a failed issue
    /// consumes no number. With `key`, at most once per key (see [`crate::idempotency`]).
    fn issue_invoice_keyed(
        &self,
        request: IssueInvoice,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<IssuedInvoice>>> + Send;

    /// Issues an invoice, without an idempotency key.
    fn issue_invoice(&self, request: IssueInvoice) -> impl Future<Output = Result<IssuedInvoice>> + Send {
        async move { self.issue_invoice_keyed(request, None).await.map(|reply| reply.value) }
    }

    /// Takes a block of consecutive numbers off the counter for later issues.
    fn reserve_numbers(&self, request: ReserveNumbers) -> impl Future<Output = Result<Reservation>> + Send;

    /// Ends a reservation: its unused numbers go to the voided-numbers register.
    fn release_reservation(
        &self,
        tenant: &str,
        reservation: i64,
        user: &str,
    ) -> impl Future<Output = Result<Released>> + Send;

    /// The raw baseline of `ledgerdesk bench numbering`: one bare counter-row increment in its own
    /// transaction, through the same locking as an issue, with no invoice written. Returns the value taken.
    fn bench_counter_increment(
        &self,
        tenant: &str,
        series: &str,
        period: &str,
    ) -> impl Future<Output = Result<i64>> + Send;
}

forward_to_any_store! {
    impl Numbering {
        async fn issue_invoice_keyed(&self, request: IssueInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>>;
        async fn reserve_numbers(&self, request: ReserveNumbers) -> Result<Reservation>;
        async fn release_reservation(&self, tenant: &str, reservation: i64, user: &str) -> Result<Released>;
        async fn bench_counter_increment(&self, tenant: &str, series: &str, period: &str) -> Result<i64>;
    }
}

/// Most numbers one reservation may take.
pub const MAX_RESERVATION: i64 = 10_000;

/// Checks a reservation request before anything is written.
pub fn validate_reservation(request: &ReserveNumbers) -> Result<()> {
    validate_code("tenant", &request.tenant)?;
    validate_code("series", &request.series)?;
    validate_user(&request.user)?;
    if let Some(date) = request.date {
        validate_date("date", date)?;
    }
    if !(1..=MAX_RESERVATION).contains(&request.count) {
        return Err(Error::invalid(
            "count",
            format!("must be from 1 to {MAX_RESERVATION}"),
            format!("1 ile {MAX_RESERVATION} arasında olmalıdır"),
        ));
    }
    Ok(())
}

/// An issue request that passed every check that needs no database, with its computed totals; for a
/// credit note, also the invoice it corrects (see [`crate::credits`]).
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub request: IssueInvoice,
    pub totals: InvoiceTotals,
    pub credit: Option<CreditLink>,
}

/// What a credit note cites: the invoice it corrects, read under that invoice's lock, and why.
#[derive(Debug, Clone)]
pub(crate) struct CreditLink {
    pub invoice_id: i64,
    pub number: String,
    pub issue_date: NaiveDate,
    pub reason: String,
}

impl Draft {
    /// What the new invoice is: an ordinary one (nothing credited yet) or a credit note.
    pub fn credit_status(&self) -> ledgerdesk_types::CreditStatus {
        if self.credit.is_some() {
            ledgerdesk_types::CreditStatus::CreditNote
        } else {
            ledgerdesk_types::CreditStatus::Issued
        }
    }

    /// Refuses a credit note outside a corrective series, an ordinary invoice inside one, and a credit
    /// note dated before the invoice it corrects; before any lock is taken.
    pub fn admit_kind(&self, series: &SeriesContext, date: NaiveDate) -> Result<()> {
        match (&self.credit, series.corrective) {
            (None, true) => Err(CreditError::SeriesCorrective(series.series_code.clone()).into()),
            (Some(_), false) => Err(CreditError::SeriesNotCorrective(series.series_code.clone()).into()),
            (Some(credit), true) if date < credit.issue_date => Err(CreditError::DateBeforeInvoice {
                number: credit.number.clone(),
                invoice_date: credit.issue_date,
                date,
            }
            .into()),
            _ => Ok(()),
        }
    }
}

impl Draft {
    pub fn validate(request: IssueInvoice) -> Result<Self> {
        validate_code("tenant", &request.tenant)?;
        validate_code("series", &request.series)?;
        if let Some(customer) = &request.customer {
            validate_code("customer", customer)?;
        }
        validate_user(&request.user)?;
        if let Some(date) = request.issue_date {
            validate_date("issue_date", date)?;
        }
        if request.reserved.is_some_and(|slot| slot.seq < 1) {
            return Err(Error::invalid("seq", "must be 1 or more", "1 veya daha büyük olmalıdır"));
        }
        let totals = compute_totals(request.currency, &request.lines)?;
        Ok(Draft { request, totals, credit: None })
    }
}

/// A series as numbering needs it, with its tenant's date limits, loaded inside the issuing transaction
/// before any lock is taken.
#[derive(Debug, Clone)]
pub(crate) struct SeriesContext {
    pub tenant_id: i64,
    pub series_id: i64,
    pub tenant_code: String,
    pub series_code: String,
    pub time_zone: String,
    pub books_open_from: NaiveDate,
    pub future_days_allowed: u32,
    pub reset: ResetPolicy,
    pub retired: bool,
    /// A corrective series numbers credit notes only; a regular one everything else.
    pub corrective: bool,
    pub last_issue_date: Option<NaiveDate>,
    /// Its templates, each with the first issue date it prints, oldest first.
    pub templates: Vec<(NaiveDate, String)>,
}

impl SeriesContext {
    /// Reads the templates as both twins aggregate them: one `valid_from template` per line.
    pub fn parse_templates(listed: &str) -> Result<Vec<(NaiveDate, String)>> {
        let mut templates = listed
            .lines()
            .map(|line| {
                let (from, template) = line.split_once(' ').unwrap_or((line, ""));
                let from = from.parse().map_err(|_| Error::Storage {
                    backend: "ledgerdesk",
                    detail: format!("unreadable template date {from:?}"),
                })?;
                Ok((from, template.to_owned()))
            })
            .collect::<Result<Vec<_>>>()?;
        templates.sort();
        Ok(templates)
    }

    fn today(&self) -> Result<NaiveDate> {
        let zone = crate::catalog::time_zone(&self.time_zone).map_err(|_| Error::Storage {
            backend: "ledgerdesk",
            detail: format!("tenant {} has an unknown time zone {:?}", self.tenant_code, self.time_zone),
        })?;
        Ok(crate::catalog::today_in(zone))
    }

    /// The requested date, or today in the tenant's time zone.
    pub fn issue_date(&self, requested: Option<NaiveDate>) -> Result<NaiveDate> {
        requested.map_or_else(|| self.today(), Ok)
    }

    /// Admits a date for a new number, before any lock is taken: the series must be in use, and the date
    /// within the tenant's books (not before they open, not past today plus the allowance).
    pub fn admit(&self, date: NaiveDate) -> Result<()> {
        if self.retired {
            return Err(Error::SeriesRetired(self.series_code.clone()));
        }
        let latest = self.today()? + chrono::Days::new(u64::from(self.future_days_allowed));
        if date > latest {
            return Err(Error::IssueDateInFuture { date, latest });
        }
        if date < self.books_open_from {
            return Err(Error::IssueDateBeforeBooksOpen { date, books_open_from: self.books_open_from });
        }
        Ok(())
    }

    pub fn period(&self, date: NaiveDate) -> String {
        period_of(date, self.reset)
    }

    /// The number at `seq` for an invoice dated `date`, printed with the template valid on that date.
    pub fn number(&self, date: NaiveDate, seq: i64) -> Result<String> {
        Ok(self.number_around(date)?.render(seq))
    }

    /// The number of an invoice dated `date` but for its position.
    pub fn number_around(&self, date: NaiveDate) -> Result<AroundSeq> {
        let template = self
            .templates
            .iter()
            .rev()
            .find(|(from, _)| *from <= date)
            .map(|(_, template)| template.as_str())
            .ok_or_else(|| Error::Storage {
                backend: "ledgerdesk",
                detail: format!("series {} has no template for {date}", self.series_code),
            })?;
        Ok(NumberFormat::parse(template, self.reset)?.around_seq(date, &self.tenant_code, &self.series_code))
    }

    /// The error for a number that exists already, held by series `holder`.
    pub fn number_taken(&self, number: &str, holder: String) -> Error {
        Error::InvoiceNumberTaken { number: number.to_owned(), series: self.series_code.clone(), holder }
    }

    pub fn out_of_order(&self, issue_date: NaiveDate, last_issue_date: NaiveDate) -> Error {
        Error::IssueDateOutOfOrder { series: self.series_code.clone(), issue_date, last_issue_date }
    }
}

/// A reservation row as the issue and release paths need it.
#[derive(Debug, Clone)]
pub(crate) struct ReservationRow {
    pub id: i64,
    pub series_id: i64,
    pub period: String,
    pub reserved_on: NaiveDate,
    pub first_seq: i64,
    pub last_seq: i64,
    pub released: bool,
}

impl ReservationRow {
    /// Whether an invoice dated `date` may take position `seq` of this reservation (ignoring whether
    /// it is already issued, which the database answers).
    pub fn admit(&self, series: &SeriesContext, seq: i64, date: NaiveDate) -> Result<()> {
        if self.series_id != series.series_id {
            return Err(Error::ReservationNotFound(self.id));
        }
        if self.released {
            return Err(Error::ReservationReleased(self.id));
        }
        if !(self.first_seq..=self.last_seq).contains(&seq) {
            return Err(Error::ReservedNumberUnavailable { reservation: self.id, seq });
        }
        if series.period(date) != self.period {
            return Err(Error::ReservationPeriodMismatch {
                reservation: self.id,
                period: self.period.clone(),
                issue_date: date,
            });
        }
        Ok(())
    }

    /// Positions of the block not in `issued` (which must be sorted).
    pub fn unused(&self, issued: &[i64]) -> Vec<i64> {
        (self.first_seq..=self.last_seq).filter(|s| issued.binary_search(s).is_err()).collect()
    }
}

/// What the database knows around a reserved position: whether it is issued already, the latest date
/// below it and the earliest-dated number above it, in the same period.
#[derive(Debug, Clone)]
pub(crate) struct Neighbours {
    pub taken: bool,
    pub lower_date: Option<NaiveDate>,
    pub upper: Option<(String, NaiveDate)>,
}

impl Neighbours {
    /// Admits an invoice dated `date` at `slot` only if the position is free and the date lies between
    /// those of its issued neighbours, so that numbers keep following dates.
    pub fn admit(self, series: &SeriesContext, slot: ReservedSlot, date: NaiveDate) -> Result<()> {
        if self.taken {
            return Err(Error::ReservedNumberUnavailable { reservation: slot.reservation, seq: slot.seq });
        }
        if let Some(last) = self.lower_date.filter(|last| date < *last) {
            return Err(series.out_of_order(date, last));
        }
        if let Some((next_number, next_date)) = self.upper.filter(|(_, next)| date > *next) {
            return Err(Error::IssueDateAfterLaterNumber {
                series: series.series_code.clone(),
                issue_date: date,
                next_number,
                next_date,
            });
        }
        Ok(())
    }
}

/// Where an invoice lands: decided under the locks, written by the insert, returned to the caller.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    pub date: NaiveDate,
    pub period: String,
    pub seq: i64,
    pub number: String,
    pub created_at: DateTime<Utc>,
}

impl Draft {
    /// The issued invoice as the caller sees it: exactly what was written.
    pub fn issued(&self, series: SeriesContext, placement: Placement, id: i64) -> IssuedInvoice {
        let (request, totals) = (&self.request, &self.totals);
        IssuedInvoice {
            id,
            number: placement.number,
            tenant: series.tenant_code,
            series: series.series_code,
            period: placement.period,
            seq: placement.seq,
            customer: request.customer.clone(),
            issue_date: placement.date,
            currency: request.currency,
            net_total: totals.net_total,
            tax_total: totals.tax_total,
            total: totals.total,
            created_by: request.user.clone(),
            created_at: placement.created_at,
            lines: totals.lines.clone(),
            paid_total: ledgerdesk_types::round_money(rust_decimal::Decimal::ZERO, request.currency),
            payment_status: ledgerdesk_types::PaymentStatus::of(totals.total, rust_decimal::Decimal::ZERO),
            payments: Vec::new(),
            credited_total: ledgerdesk_types::round_money(rust_decimal::Decimal::ZERO, request.currency),
            credit_status: self.credit_status(),
            credit_of: self.credit.as_ref().map(|credit| ledgerdesk_types::CreditOf {
                number: credit.number.clone(),
                issue_date: credit.issue_date,
                reason: credit.reason.clone(),
            }),
            credit_notes: Vec::new(),
        }
    }
}

impl Draft {
    /// The `invoice.issued` event of this invoice at `placement` (`invoice.credited` for a credit note).
    pub fn event(&self, series: &SeriesContext, placement: &Placement) -> OutboundEvent {
        let kind = if self.credit.is_some() { "invoice.credited" } else { "invoice.issued" };
        OutboundEvent::new(kind, self.facts(series, placement), placement.created_at)
    }

    /// The audit trail's entry for the issue, written last in its transaction.
    pub(crate) fn audit_entry(&self, series: &SeriesContext, placement: &Placement) -> crate::trail::Entry {
        let (action, reason) = match &self.credit {
            Some(credit) => ("invoice.credit", Some(credit.reason.as_str())),
            None => ("invoice.issue", None),
        };
        crate::trail::Entry::new(&self.request.user, action, format!("invoice:{}", placement.number))
            .reason(reason)
            .after(&self.facts(series, placement))
    }

    /// What the event and the audit entry say about the invoice.
    fn facts(&self, series: &SeriesContext, placement: &Placement) -> serde_json::Value {
        let (request, totals) = (&self.request, &self.totals);
        let mut facts = serde_json::json!({
            "tenant": series.tenant_code,
            "number": placement.number,
            "series": series.series_code,
            "issue_date": placement.date,
            "customer": request.customer,
            "currency": request.currency.code(),
            "net_total": totals.net_total,
            "tax_total": totals.tax_total,
            "total": totals.total,
        });
        if let Some(credit) = &self.credit {
            facts["credit_of"] = serde_json::json!(credit.number);
            facts["reason"] = serde_json::json!(credit.reason);
        }
        facts
    }
}

impl SeriesContext {
    /// A reservation of this series, as returned to the caller.
    pub fn reservation(&self, row: &ReservationRow, released_at: Option<DateTime<Utc>>) -> Reservation {
        Reservation {
            id: row.id,
            tenant: self.tenant_code.clone(),
            series: self.series_code.clone(),
            period: row.period.clone(),
            first_seq: row.first_seq,
            last_seq: row.last_seq,
            released_at,
        }
    }
}

/// Reason recorded in the voided-numbers register for an unused reserved number.
pub(crate) fn void_reason(reservation: i64) -> String {
    format!("reservation {reservation} released unused")
}

impl Command for Draft {
    type Output = IssuedInvoice;

    fn name(&self) -> &'static str {
        "invoice.issue"
    }

    fn tenant(&self) -> &str {
        &self.request.tenant
    }

    fn user(&self) -> &str {
        &self.request.user
    }
    fn action(&self) -> crate::identity::Action {
        crate::identity::Action::IssueInvoices
    }

    fn arguments(&self) -> impl serde::Serialize {
        &self.request
    }

    fn exhausted(attempts: u32) -> Error {
        Error::NumberingContention { attempts }
    }

    fn apply_sqlite(&self, tx: &rusqlite::Transaction<'_>) -> Result<IssuedInvoice> {
        sqlite::issue(tx, self)
    }

    fn apply_postgres(
        &self,
        conn: &mut sqlx::PgConnection,
    ) -> impl std::future::Future<Output = Result<IssuedInvoice>> + Send {
        postgres::issue(conn, self)
    }

    fn postgres_autocommit(&self) -> bool {
        // Its writes are one statement (see `postgres::issue`), except into a reservation, whose checks
        // take statements of their own under the series lock.
        self.request.reserved.is_none() && self.credit.is_none()
    }
}
