//! Gapless numbering on SQLite. Twin of `postgres.rs`; the invariant is in `mod.rs`.
//!
//! Every function here runs inside a `BEGIN IMMEDIATE` transaction opened by `SqliteStore::write`, which
//! already excludes every other writer; the statement order still mirrors the Postgres twin. Postgres
//! merges some neighbouring statements into one to save round trips while it holds row locks; an
//! in-process SQLite has no round trips to save, so here each step stays a statement of its own.

use chrono::NaiveDate;
use ledgerdesk_types::{IssuedInvoice, Reply};
use rusqlite::{OptionalExtension, Transaction};

use super::{
    Draft, Neighbours, Numbering, Placement, ReservationRow, SeriesContext, validate_reservation, void_reason,
};
use crate::db::sqlite::{Cached, SqliteResultExt};
use crate::db::{SqliteStore, now};
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _};
use crate::model::{IssueInvoice, Released, Reservation, ReserveNumbers, ReservedSlot};
use crate::trail::sqlite::append;
use crate::validate::validate_user;
use crate::webhooks::outbound::sqlite::emit;

impl Numbering for SqliteStore {
    async fn issue_invoice_keyed(&self, request: IssueInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>> {
        // Concurrent issues of this process share one transaction and commit (see `batch::group`).
        super::batch::group::issue(self, request, key).await
    }

    async fn reserve_numbers(&self, request: ReserveNumbers) -> Result<Reservation> {
        self.authorize(Action::IssueInvoices, Some(&request.user))?;
        validate_reservation(&request)?;
        self.write(Error::contention, move |tx| reserve(tx, &request)).await
    }

    async fn release_reservation(&self, tenant: &str, reservation: i64, user: &str) -> Result<Released> {
        self.authorize(Action::IssueInvoices, Some(user))?;
        validate_user(user)?;
        let (tenant, user) = (tenant.to_owned(), user.to_owned());
        self.write(Error::contention, move |tx| release(tx, &tenant, reservation, &user)).await
    }

    async fn bench_counter_increment(&self, tenant: &str, series: &str, period: &str) -> Result<i64> {
        self.authorize(Action::IssueInvoices, None)?;
        let (tenant, series, period) = (tenant.to_owned(), series.to_owned(), period.to_owned());
        self.write(Error::contention, move |tx| bare_increment(tx, &tenant, &series, &period)).await
    }
}

pub(crate) fn load_series(tx: &Transaction<'_>, tenant: &str, series: &str) -> Result<SeriesContext> {
    type Row = (
        i64,
        String,
        NaiveDate,
        u32,
        Option<i64>,
        Option<String>,
        Option<bool>,
        Option<NaiveDate>,
        Option<String>,
        Option<bool>,
    );
    let row: Row = tx
        .cached_row(
            "SELECT t.id, t.time_zone, t.books_open_from, t.future_days_allowed,
                    s.id, s.reset_policy, s.retired_at IS NOT NULL, s.last_issue_date,
                    (SELECT group_concat(valid_from || ' ' || format, char(10))
                       FROM series_formats f WHERE f.series_id = s.id),
                    s.kind = 'corrective'
               FROM tenants t LEFT JOIN invoice_series s ON s.tenant_id = t.id AND s.code = ?2
              WHERE t.code = ?1",
            (tenant, series),
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            },
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::TenantNotFound(tenant.to_owned()))?;
    let (
        tenant_id,
        time_zone,
        books_open_from,
        future_days_allowed,
        series_id,
        reset,
        retired,
        last,
        templates,
        corrective,
    ) = row;
    let (Some(series_id), Some(reset), Some(retired), Some(templates), Some(corrective)) =
        (series_id, reset, retired, templates, corrective)
    else {
        return Err(Error::SeriesNotFound { tenant: tenant.to_owned(), series: series.to_owned() });
    };
    Ok(SeriesContext {
        tenant_id,
        series_id,
        tenant_code: tenant.to_owned(),
        series_code: series.to_owned(),
        time_zone,
        books_open_from,
        future_days_allowed,
        reset: crate::catalog::reset_policy(&reset)?,
        retired,
        corrective,
        last_issue_date: last,
        templates: SeriesContext::parse_templates(&templates)?,
    })
}

/// The series that holds `number` already.
fn holder_of(tx: &Transaction<'_>, series: &SeriesContext, number: &str) -> Result<String> {
    tx.cached_row(
        "SELECT s.code FROM invoices i JOIN invoice_series s ON s.id = i.series_id
          WHERE i.tenant_id = ?1 AND i.number = ?2",
        (series.tenant_id, number),
        |r| r.get(0),
    )
    .db()
}

fn customer_id(tx: &Transaction<'_>, series: &SeriesContext, code: &str) -> Result<i64> {
    tx.cached_row("SELECT id FROM customers WHERE tenant_id = ?1 AND code = ?2", (series.tenant_id, code), |r| r.get(0))
        .optional()
        .db()?
        .ok_or_else(|| Error::CustomerNotFound { tenant: series.tenant_code.clone(), customer: code.to_owned() })
}

/// Moves the series' last issue date to `date`, refusing an earlier date.
fn claim_date(tx: &Transaction<'_>, series: &SeriesContext, date: NaiveDate) -> Result<()> {
    let moved = tx
        .cached_execute(
            "UPDATE invoice_series SET last_issue_date = ?2
              WHERE id = ?1 AND (last_issue_date IS NULL OR last_issue_date <= ?2)",
            (series.series_id, date),
        )
        .db()?;
    if moved == 1 {
        return Ok(());
    }
    let last: NaiveDate = tx
        .cached_row("SELECT last_issue_date FROM invoice_series WHERE id = ?1", [series.series_id], |r| r.get(0))
        .db()?;
    Err(series.out_of_order(date, last))
}

/// Takes `count` consecutive positions off the counter (creating the period's row on first use) and
/// returns the first.
fn take_positions(tx: &Transaction<'_>, series: &SeriesContext, period: &str, count: i64) -> Result<i64> {
    tx.cached_row(
        "INSERT INTO invoice_sequences (tenant_id, series_id, period, next_value) VALUES (?1, ?2, ?3, 1 + ?4)
         ON CONFLICT (tenant_id, series_id, period) DO UPDATE SET next_value = next_value + ?4
         RETURNING next_value - ?4",
        (series.tenant_id, series.series_id, period, count),
        |r| r.get(0),
    )
    .db()
}

fn load_reservation(tx: &Transaction<'_>, tenant_id: i64, id: i64) -> Result<ReservationRow> {
    tx.cached_row(
        "SELECT id, series_id, period, reserved_on, first_seq, last_seq, released_at IS NOT NULL
           FROM number_reservations WHERE id = ?1 AND tenant_id = ?2",
        (id, tenant_id),
        |r| {
            Ok(ReservationRow {
                id: r.get(0)?,
                series_id: r.get(1)?,
                period: r.get(2)?,
                reserved_on: r.get(3)?,
                first_seq: r.get(4)?,
                last_seq: r.get(5)?,
                released: r.get(6)?,
            })
        },
    )
    .optional()
    .db()?
    .ok_or(Error::ReservationNotFound(id))
}

/// Checks and takes a reserved position for an invoice dated `date`.
fn take_reserved(tx: &Transaction<'_>, series: &SeriesContext, slot: ReservedSlot, date: NaiveDate) -> Result<i64> {
    // Lock the series first, as every numbering write does, then look at the reservation.
    tx.cached_execute(
        "UPDATE invoice_series SET last_issue_date = max(coalesce(last_issue_date, ?2), ?2) WHERE id = ?1",
        (series.series_id, date),
    )
    .db()?;
    let reservation = load_reservation(tx, series.tenant_id, slot.reservation)?;
    reservation.admit(series, slot.seq, date)?;
    let neighbours = tx
        .cached_row(
            "WITH period AS (
                 SELECT seq, number, issue_date FROM invoices WHERE tenant_id = ?1 AND series_id = ?2 AND period = ?3
             ), upper AS (
                 SELECT number, issue_date FROM period WHERE seq > ?4 ORDER BY issue_date, seq LIMIT 1
             )
             SELECT EXISTS (SELECT 1 FROM period WHERE seq = ?4),
                    (SELECT max(issue_date) FROM period WHERE seq < ?4),
                    (SELECT number FROM upper),
                    (SELECT issue_date FROM upper)",
            (series.tenant_id, series.series_id, &reservation.period, slot.seq),
            |r| {
                let upper: (Option<String>, Option<NaiveDate>) = (r.get(2)?, r.get(3)?);
                Ok(Neighbours { taken: r.get(0)?, lower_date: r.get(1)?, upper: upper.0.zip(upper.1) })
            },
        )
        .db()?;
    neighbours.admit(series, slot, date)?;
    Ok(slot.seq)
}

pub(crate) fn issue(tx: &Transaction<'_>, draft: &Draft) -> Result<IssuedInvoice> {
    let request = &draft.request;
    let series = load_series(tx, &request.tenant, &request.series)?;
    let customer = request.customer.as_deref().map(|code| customer_id(tx, &series, code)).transpose()?;
    let date = series.issue_date(request.issue_date)?;
    series.admit(date)?;
    draft.admit_kind(&series, date)?;
    let period = series.period(date);

    // Locks from here on: series row, then counter row.
    let seq = match request.reserved {
        None => {
            claim_date(tx, &series, date)?;
            take_positions(tx, &series, &period, 1)?
        }
        Some(slot) => take_reserved(tx, &series, slot, date)?,
    };
    let placement = Placement { number: series.number(date, seq)?, date, period, seq, created_at: now() };
    let totals = &draft.totals;
    let id: Option<i64> = tx
        .cached_row(
            "INSERT INTO invoices (tenant_id, series_id, period, seq, number, customer_id, issue_date, currency,
                                   net_total, tax_total, total, reservation_id, created_by, created_at,
                                   credit_of, credit_reason, credit_status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
             ON CONFLICT (tenant_id, number) DO NOTHING
             RETURNING id",
            rusqlite::params![
                series.tenant_id,
                series.series_id,
                placement.period,
                placement.seq,
                placement.number,
                customer,
                placement.date,
                request.currency.code(),
                totals.net_total.to_string(),
                totals.tax_total.to_string(),
                totals.total.to_string(),
                request.reserved.map(|slot| slot.reservation),
                request.user,
                placement.created_at,
                draft.credit.as_ref().map(|credit| credit.invoice_id),
                draft.credit.as_ref().map(|credit| &credit.reason),
                draft.credit_status().as_str(),
            ],
            |r| r.get(0),
        )
        .optional()
        .db()?;
    let Some(id) = id else {
        return Err(series.number_taken(&placement.number, holder_of(tx, &series, &placement.number)?));
    };
    let mut insert_line = tx
        .prepare_cached(
            "INSERT INTO invoice_lines (invoice_id, line_no, description, quantity, unit_price, tax_rate,
                                        net_amount, tax_amount, credits_line)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .db()?;
    for line in &totals.lines {
        insert_line
            .execute((
                id,
                line.line_no,
                &line.description,
                line.quantity.to_string(),
                line.unit_price.to_string(),
                line.tax_rate.to_string(),
                line.net_amount.to_string(),
                line.tax_amount.to_string(),
                line.credits_line,
            ))
            .db()?;
    }
    // Its outbox event, and one message per endpoint that wants it, in this same transaction.
    emit(tx, series.tenant_id, &draft.event(&series, &placement), placement.created_at)?;
    // Its audit entry, last: the tenant's chain head is taken just before commit.
    append(tx, series.tenant_id, &series.tenant_code, &draft.audit_entry(&series, &placement), placement.created_at)?;
    Ok(draft.issued(series, placement, id))
}

fn reserve(tx: &Transaction<'_>, request: &ReserveNumbers) -> Result<Reservation> {
    let series = load_series(tx, &request.tenant, &request.series)?;
    let date = series.issue_date(request.date)?;
    series.admit(date)?;
    // Numbers follow dates for reserved blocks too; BEGIN IMMEDIATE keeps the last issue date still.
    if let Some(last) = series.last_issue_date.filter(|last| date < *last) {
        return Err(series.out_of_order(date, last));
    }
    let period = series.period(date);
    let first_seq = take_positions(tx, &series, &period, request.count)?;
    let last_seq = first_seq + request.count - 1;
    let id: i64 = tx
        .cached_row(
            "INSERT INTO number_reservations (tenant_id, series_id, period, reserved_on, first_seq, last_seq,
                                              created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            (series.tenant_id, series.series_id, &period, date, first_seq, last_seq, &request.user, now()),
            |r| r.get(0),
        )
        .db()?;
    let row = ReservationRow {
        id,
        series_id: series.series_id,
        period,
        reserved_on: date,
        first_seq,
        last_seq,
        released: false,
    };
    Ok(series.reservation(&row, None))
}

fn release(tx: &Transaction<'_>, tenant: &str, id: i64, user: &str) -> Result<Released> {
    let series_code: String = tx
        .cached_row(
            "SELECT s.code FROM number_reservations r
               JOIN invoice_series s ON s.id = r.series_id
               JOIN tenants t ON t.id = r.tenant_id
              WHERE r.id = ?1 AND t.code = ?2",
            (id, tenant),
            |r| r.get(0),
        )
        .optional()
        .db()?
        .ok_or(Error::ReservationNotFound(id))?;
    let series = load_series(tx, tenant, &series_code)?;
    // The series row first, like an issue under this reservation would.
    tx.cached_execute("UPDATE invoice_series SET last_issue_date = last_issue_date WHERE id = ?1", [series.series_id])
        .db()?;
    let reservation = load_reservation(tx, series.tenant_id, id)?;
    if reservation.released {
        return Err(Error::ReservationReleased(id));
    }
    let released_at = now();
    tx.cached_execute("UPDATE number_reservations SET released_at = ?2 WHERE id = ?1", (id, released_at)).db()?;
    let issued = tx
        .prepare(
            "SELECT seq FROM invoices WHERE tenant_id = ?1 AND series_id = ?2 AND period = ?3
                AND seq BETWEEN ?4 AND ?5 ORDER BY seq",
        )
        .db()?
        .query_map(
            (series.tenant_id, series.series_id, &reservation.period, reservation.first_seq, reservation.last_seq),
            |r| r.get(0),
        )
        .db()?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .db()?;
    let mut voided = Vec::new();
    let mut insert_void = tx
        .prepare(
            "INSERT INTO voided_numbers (tenant_id, series_id, period, seq, number, reason, reservation_id,
                                         voided_by, voided_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .db()?;
    for seq in reservation.unused(&issued) {
        let number = series.number(reservation.reserved_on, seq)?;
        insert_void
            .execute(rusqlite::params![
                series.tenant_id,
                series.series_id,
                reservation.period,
                seq,
                number,
                void_reason(id),
                id,
                user,
                released_at,
            ])
            .db()?;
        voided.push(number);
    }
    Ok(Released { reservation: series.reservation(&reservation, Some(released_at)), issued, voided })
}

fn bare_increment(tx: &Transaction<'_>, tenant: &str, series: &str, period: &str) -> Result<i64> {
    tx.cached_row(
        "INSERT INTO invoice_sequences (tenant_id, series_id, period, next_value)
         SELECT t.id, s.id, ?3, 2 FROM tenants t JOIN invoice_series s ON s.tenant_id = t.id
          WHERE t.code = ?1 AND s.code = ?2
         ON CONFLICT (tenant_id, series_id, period) DO UPDATE SET next_value = next_value + 1
         RETURNING next_value - 1",
        (tenant, series, period),
        |r| r.get(0),
    )
    .optional()
    .db()?
    .ok_or_else(|| Error::SeriesNotFound { tenant: tenant.to_owned(), series: series.to_owned() })
}
