//! Gapless numbering on Postgres. Twin of `sqlite.rs`; the invariant is in `mod.rs`.
//!
//! READ COMMITTED is enough: the series row is locked by an `UPDATE` whose `WHERE` Postgres re-checks
//! against the newest committed version after the lock is granted, and the counter upsert is atomic.

use chrono::NaiveDate;
use ledgerdesk_types::{IssuedInvoice, Reply};
use sqlx::{PgConnection, PgPool};

use super::{
    Draft, Neighbours, Numbering, Placement, ReservationRow, SeriesContext, validate_reservation, void_reason,
};
use crate::db::postgres::PgResultExt;
use crate::db::{PgStore, now};
use crate::error::{Error, Result};
use crate::format::AroundSeq;
use crate::identity::{Action, Authorize as _};
use crate::model::{IssueInvoice, Released, Reservation, ReserveNumbers, ReservedSlot};
use crate::trail::postgres::append_ctes;
use crate::validate::validate_user;
use crate::webhooks::outbound::fan_out_sql;

impl Numbering for PgStore {
    async fn issue_invoice_keyed(&self, request: IssueInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>> {
        // Concurrent issues of this process share one transaction and commit (see `batch::group`).
        super::batch::group::issue(self, request, key).await
    }

    async fn reserve_numbers(&self, request: ReserveNumbers) -> Result<Reservation> {
        self.authorize(Action::IssueInvoices, Some(&request.user))?;
        validate_reservation(&request)?;
        self.retried(Error::contention, || reserve(self.pool(), &request)).await
    }

    async fn release_reservation(&self, tenant: &str, reservation: i64, user: &str) -> Result<Released> {
        self.authorize(Action::IssueInvoices, Some(user))?;
        validate_user(user)?;
        self.retried(Error::contention, || release(self.pool(), tenant, reservation, user)).await
    }

    async fn bench_counter_increment(&self, tenant: &str, series: &str, period: &str) -> Result<i64> {
        self.authorize(Action::IssueInvoices, None)?;
        self.retried(Error::contention, || bare_increment(self.pool(), tenant, series, period)).await
    }
}

/// The tenant's id, time zone and date limits, then the series' id, reset policy, retirement, last issue
/// date, templates and kind (NULL when the series does not exist).
type SeriesRow = (
    i64,
    String,
    NaiveDate,
    i32,
    Option<i64>,
    Option<String>,
    Option<bool>,
    Option<NaiveDate>,
    Option<String>,
    Option<bool>,
);

pub(crate) async fn load_series(conn: &mut PgConnection, tenant: &str, series: &str) -> Result<SeriesContext> {
    let row: Option<SeriesRow> = sqlx::query_as(
        "SELECT t.id, t.time_zone, t.books_open_from, t.future_days_allowed,
                s.id, s.reset_policy, s.retired_at IS NOT NULL, s.last_issue_date,
                (SELECT string_agg(to_char(valid_from, 'YYYY-MM-DD') || ' ' || format, E'\\n')
                   FROM series_formats f WHERE f.series_id = s.id),
                s.kind = 'corrective'
           FROM tenants t LEFT JOIN invoice_series s ON s.tenant_id = t.id AND s.code = $2
          WHERE t.code = $1",
    )
    .bind(tenant)
    .bind(series)
    .fetch_optional(conn)
    .await
    .db()?;
    let row = row.ok_or_else(|| Error::TenantNotFound(tenant.to_owned()))?;
    let (tenant_id, time_zone, books_open_from, future_days, series_id, reset, retired, last, templates, corrective) =
        row;
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
        future_days_allowed: future_days.unsigned_abs(),
        reset: crate::catalog::reset_policy(&reset)?,
        retired,
        corrective,
        last_issue_date: last,
        templates: SeriesContext::parse_templates(&templates)?,
    })
}

/// Locks the series row until commit (the first lock of every numbering write: series → counter) and
/// reads its last issue date under that lock.
pub(crate) async fn lock_series(conn: &mut PgConnection, series: &SeriesContext) -> Result<Option<NaiveDate>> {
    sqlx::query_scalar("SELECT last_issue_date FROM invoice_series WHERE id = $1 FOR NO KEY UPDATE")
        .bind(series.series_id)
        .fetch_one(conn)
        .await
        .db()
}

/// The series that holds `number` already.
async fn holder_of(conn: &mut PgConnection, series: &SeriesContext, number: &str) -> Result<String> {
    sqlx::query_scalar(
        "SELECT s.code FROM invoices i JOIN invoice_series s ON s.id = i.series_id
          WHERE i.tenant_id = $1 AND i.number = $2",
    )
    .bind(series.tenant_id)
    .bind(number)
    .fetch_one(conn)
    .await
    .db()
}

async fn customer_id(conn: &mut PgConnection, series: &SeriesContext, code: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM customers WHERE tenant_id = $1 AND code = $2")
        .bind(series.tenant_id)
        .bind(code)
        .fetch_optional(conn)
        .await
        .db()?
        .ok_or_else(|| Error::CustomerNotFound { tenant: series.tenant_code.clone(), customer: code.to_owned() })
}

/// Takes `count` consecutive positions off the counter (creating the period's row on first use) and
/// returns the first.
async fn take_positions(conn: &mut PgConnection, series: &SeriesContext, period: &str, count: i64) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO invoice_sequences AS c (tenant_id, series_id, period, next_value) VALUES ($1, $2, $3, 1 + $4)
         ON CONFLICT (tenant_id, series_id, period) DO UPDATE SET next_value = c.next_value + $4
         RETURNING next_value - $4",
    )
    .bind(series.tenant_id)
    .bind(series.series_id)
    .bind(period)
    .bind(count)
    .fetch_one(conn)
    .await
    .db()
}

async fn load_reservation(conn: &mut PgConnection, tenant_id: i64, id: i64) -> Result<ReservationRow> {
    let row: Option<(i64, i64, String, NaiveDate, i64, i64, bool)> = sqlx::query_as(
        "SELECT id, series_id, period, reserved_on, first_seq, last_seq, released_at IS NOT NULL
           FROM number_reservations WHERE id = $1 AND tenant_id = $2",
    )
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(conn)
    .await
    .db()?;
    let (id, series_id, period, reserved_on, first_seq, last_seq, released) =
        row.ok_or(Error::ReservationNotFound(id))?;
    Ok(ReservationRow { id, series_id, period, reserved_on, first_seq, last_seq, released })
}

/// Checks and takes a reserved position for an invoice dated `date`.
async fn take_reserved(
    conn: &mut PgConnection,
    series: &SeriesContext,
    slot: ReservedSlot,
    date: NaiveDate,
) -> Result<i64> {
    // Lock the series first, as every numbering write does, then look at the reservation.
    sqlx::query("UPDATE invoice_series SET last_issue_date = GREATEST(last_issue_date, $2) WHERE id = $1")
        .bind(series.series_id)
        .bind(date)
        .execute(&mut *conn)
        .await
        .db()?;
    let reservation = load_reservation(conn, series.tenant_id, slot.reservation).await?;
    reservation.admit(series, slot.seq, date)?;
    let (taken, lower_date, upper_number, upper_date): (bool, Option<NaiveDate>, Option<String>, Option<NaiveDate>) =
        sqlx::query_as(
            "WITH period AS (
                 SELECT seq, number, issue_date FROM invoices WHERE tenant_id = $1 AND series_id = $2 AND period = $3
             ), upper AS (
                 SELECT number, issue_date FROM period WHERE seq > $4 ORDER BY issue_date, seq LIMIT 1
             )
             SELECT EXISTS (SELECT 1 FROM period WHERE seq = $4),
                    (SELECT max(issue_date) FROM period WHERE seq < $4),
                    (SELECT number FROM upper),
                    (SELECT issue_date FROM upper)",
        )
        .bind(series.tenant_id)
        .bind(series.series_id)
        .bind(&reservation.period)
        .bind(slot.seq)
        .fetch_one(&mut *conn)
        .await
        .db()?;
    Neighbours { taken, lower_date, upper: upper_number.zip(upper_date) }.admit(series, slot, date)?;
    Ok(slot.seq)
}

/// Where the invoice's position comes from, as the first CTE of the issuing statement (`position (seq)`).
enum Position {
    /// The next one off the counter: the series row (refusing a date before its last issue) then the
    /// counter row, locked inside the statement.
    Next,
    /// A reserved one, checked already under the series lock.
    Reserved(i64),
}

/// Issues an invoice. Unreserved, its every write is one statement: the series and counter rows are
/// locked inside it, and (run outside a transaction, see [`Command::postgres_autocommit`]) released at its
/// own commit, with no round trip to the client in between.
///
/// [`Command::postgres_autocommit`]: crate::idempotency::Command::postgres_autocommit
pub(crate) async fn issue(conn: &mut PgConnection, draft: &Draft) -> Result<IssuedInvoice> {
    let request = &draft.request;
    let series = load_series(&mut *conn, &request.tenant, &request.series).await?;
    let customer = match request.customer.as_deref() {
        Some(code) => Some(customer_id(&mut *conn, &series, code).await?),
        None => None,
    };
    let date = series.issue_date(request.issue_date)?;
    series.admit(date)?;
    draft.admit_kind(&series, date)?;
    let period = series.period(date);
    let position = match request.reserved {
        None => Position::Next,
        // Locks from here on: series row, then counter row, both held until commit.
        Some(slot) => Position::Reserved(take_reserved(&mut *conn, &series, slot, date).await?),
    };
    let around = series.number_around(date)?;
    let placement = Placement { number: String::new(), date, period, seq: 0, created_at: now() };
    match write_invoice(conn, draft, &series, customer, &placement, &around, &position).await? {
        Written::Issued { seq, number, id } => Ok(draft.issued(series, Placement { seq, number, ..placement }, id)),
        Written::OutOfOrder => {
            let last: NaiveDate = sqlx::query_scalar("SELECT last_issue_date FROM invoice_series WHERE id = $1")
                .bind(series.series_id)
                .fetch_one(conn)
                .await
                .db()?;
            Err(series.out_of_order(date, last))
        }
        Written::NumberTaken { seq } => {
            // Alone, the statement failed whole, so the counter still stands where it stood: its next
            // position is the one whose number another series printed.
            let seq = match (seq, position) {
                (Some(seq), _) | (None, Position::Reserved(seq)) => seq,
                (None, Position::Next) => next_position(conn, &series, &placement.period).await?,
            };
            let number = around.render(seq);
            Err(series.number_taken(&number, holder_of(conn, &series, &number).await?))
        }
    }
}

/// The unique index a number printed twice in a tenant runs into.
const NUMBER_UNIQUE: &str = "invoices_tenant_id_number_key";

/// What the issuing statement did.
enum Written {
    Issued {
        seq: i64,
        number: String,
        id: i64,
    },
    /// Nothing: the series has an issue dated later.
    OutOfOrder,
    /// Nothing (or, in a transaction, only the counter moved, at `seq`): another series of the tenant
    /// printed this number.
    NumberTaken {
        seq: Option<i64>,
    },
}

/// The counter's next position in `period` (1 before the period's first issue).
async fn next_position(conn: &mut PgConnection, series: &SeriesContext, period: &str) -> Result<i64> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT next_value FROM invoice_sequences WHERE tenant_id = $1 AND series_id = $2 AND period = $3",
    )
    .bind(series.tenant_id)
    .bind(series.series_id)
    .bind(period)
    .fetch_optional(conn)
    .await
    .db()?;
    Ok(next.unwrap_or(1))
}

/// The one statement that takes the position, prints the number, and writes the invoice, all its lines,
/// its outbox event with one message per endpoint that wants it, and its audit entry (the tenant's chain
/// head, locked until commit), at `placement`'s date, period and time; its position and number are the
/// statement's to choose.
///
/// The event and the audit entry are made in Rust with a random stand-in for the number, which SQL
/// replaces by the number it prints. A number another series printed already fails the statement whole
/// when it runs alone (the unique index), so nothing commits; inside a transaction it inserts nothing
/// instead, so the transaction stays usable to name the holder (and the caller's error rolls it back).
async fn write_invoice(
    conn: &mut PgConnection,
    draft: &Draft,
    series: &SeriesContext,
    customer: Option<i64>,
    placement: &Placement,
    around: &AroundSeq,
    position: &Position,
) -> Result<Written> {
    let (request, totals) = (&draft.request, &draft.totals);
    let stand_in = format!("@number-{:032x}@", rand::random::<u128>());
    let placeholder = Placement { number: stand_in.clone(), ..placement.clone() };
    let event = draft.event(series, &placeholder);
    let entry = draft.audit_entry(series, &placeholder);
    let audit = crate::trail::body(&series.tenant_code, placement.created_at, &entry)?;
    let position_cte = match position {
        Position::Next => {
            "claimed AS (
                 UPDATE invoice_series SET last_issue_date = $7
                  WHERE id = $2 AND (last_issue_date IS NULL OR last_issue_date <= $7)
                 RETURNING id, tenant_id
             ), position AS (
                 INSERT INTO invoice_sequences AS c (tenant_id, series_id, period, next_value)
                 SELECT tenant_id, id, $3, 2 FROM claimed
                 ON CONFLICT (tenant_id, series_id, period) DO UPDATE SET next_value = c.next_value + 1
                 RETURNING next_value - 1 AS seq
             )"
        }
        Position::Reserved(_) => "position AS (SELECT $40::int8 AS seq)",
    };
    let column =
        |f: fn(&ledgerdesk_types::InvoiceLine) -> rust_decimal::Decimal| totals.lines.iter().map(f).collect::<Vec<_>>();
    let alone = !sqlx::Connection::is_in_transaction(&*conn);
    let on_taken_number = if alone { "" } else { "ON CONFLICT (tenant_id, number) DO NOTHING" };
    let sql = format!(
        "WITH {position_cte}, numbered AS (
             SELECT seq, $35 || lpad(seq::text, greatest($36, length(seq::text)), '0') || $37 AS number,
                    $38 || lpad(seq::text, greatest($36, length(seq::text)), '0') || $39 AS number_json
               FROM position
         ), invoice AS (
             INSERT INTO invoices (tenant_id, series_id, period, seq, number, customer_id, issue_date, currency,
                                   net_total, tax_total, total, reservation_id, created_by, created_at,
                                   credit_of, credit_reason, credit_status)
             SELECT $1, $2, $3, seq, number, $6, $7, $8, $9, $10, $11, $12, $13, $14, $31, $32, $34 FROM numbered
             {on_taken_number}
             RETURNING id, seq, number
         ), lines AS (
             INSERT INTO invoice_lines (invoice_id, line_no, description, quantity, unit_price, tax_rate,
                                        net_amount, tax_amount, credits_line)
             SELECT invoice.id, l.* FROM invoice,
                    UNNEST($15::int4[], $16::text[], $17::numeric[], $18::numeric[], $19::numeric[],
                           $20::numeric[], $21::numeric[], $33::int4[]) AS l
         ), event AS (
             INSERT INTO outbox_events (tenant_id, uid, event_type, payload, created_at)
             SELECT $1, $22, $23, replace($24, $5, number_json), $14 FROM invoice, numbered RETURNING id
         ), messages AS ({fan_out}), {audit}
         SELECT n.seq, n.number, invoice.id FROM numbered n LEFT JOIN invoice ON true",
        fan_out = fan_out_sql(["$1", "$22", "$23", "$14"]),
        // The head moves only if the invoice was written: a refused issue changes nothing.
        audit = append_ctes([
            "(SELECT $25::int8 FROM invoice)",
            "$26",
            "$27",
            "$28",
            "replace($29, $5, (SELECT number FROM numbered))",
            "replace($30, $5, (SELECT number_json FROM numbered))",
        ]),
    );
    let json_inner = |text: &str| {
        let quoted = serde_json::Value::String(text.to_owned()).to_string();
        quoted[1..quoted.len() - 1].to_owned()
    };
    let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(series.tenant_id)
        .bind(series.series_id)
        .bind(&placement.period)
        .bind(0_i64) // $4: unused, the position comes from the `position` CTE.
        .bind(&stand_in)
        .bind(customer)
        .bind(placement.date)
        .bind(request.currency.code())
        .bind(totals.net_total)
        .bind(totals.tax_total)
        .bind(totals.total)
        .bind(request.reserved.map(|slot| slot.reservation))
        .bind(&request.user)
        .bind(placement.created_at)
        .bind(totals.lines.iter().map(|l| l.line_no as i32).collect::<Vec<_>>())
        .bind(totals.lines.iter().map(|l| l.description.clone()).collect::<Vec<_>>())
        .bind(column(|l| l.quantity))
        .bind(column(|l| l.unit_price))
        .bind(column(|l| l.tax_rate))
        .bind(column(|l| l.net_amount))
        .bind(column(|l| l.tax_amount))
        .bind(&event.uid)
        .bind(event.event_type)
        .bind(&event.payload)
        .bind(series.tenant_id)
        .bind(placement.created_at)
        .bind(&entry.actor)
        .bind(entry.action)
        .bind(&entry.subject)
        .bind(audit)
        .bind(draft.credit.as_ref().map(|credit| credit.invoice_id))
        .bind(draft.credit.as_ref().map(|credit| credit.reason.clone()))
        .bind(totals.lines.iter().map(|l| l.credits_line.map(|n| n as i32)).collect::<Vec<_>>())
        .bind(draft.credit_status().as_str())
        .bind(&around.before)
        .bind(around.width as i32)
        .bind(&around.after)
        .bind(json_inner(&around.before))
        .bind(json_inner(&around.after))
        .bind(match position {
            Position::Next => 0,
            Position::Reserved(seq) => *seq,
        });
    match query.fetch_optional(conn).await {
        Ok(Some((seq, number, Some(id)))) => Ok(Written::Issued { seq, number, id }),
        Ok(Some((seq, _, None))) => Ok(Written::NumberTaken { seq: Some(seq) }),
        Ok(None) => Ok(Written::OutOfOrder),
        Err(sqlx::Error::Database(db)) if db.constraint() == Some(NUMBER_UNIQUE) => {
            Ok(Written::NumberTaken { seq: None })
        }
        Err(e) => Err(crate::db::postgres::map_err(e)),
    }
}

async fn reserve(pool: &PgPool, request: &ReserveNumbers) -> Result<Reservation> {
    let mut tx = pool.begin().await.db()?;
    let series = load_series(&mut tx, &request.tenant, &request.series).await?;
    let date = series.issue_date(request.date)?;
    series.admit(date)?;
    // Numbers follow dates for reserved blocks too: the series row is locked (series → counter, as an
    // issue takes them) and its last issue date read under that lock.
    let last = lock_series(&mut tx, &series).await?;
    if let Some(last) = last.filter(|last| date < *last) {
        return Err(series.out_of_order(date, last));
    }
    let period = series.period(date);
    let first_seq = take_positions(&mut tx, &series, &period, request.count).await?;
    let last_seq = first_seq + request.count - 1;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO number_reservations (tenant_id, series_id, period, reserved_on, first_seq, last_seq,
                                          created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(series.tenant_id)
    .bind(series.series_id)
    .bind(&period)
    .bind(date)
    .bind(first_seq)
    .bind(last_seq)
    .bind(&request.user)
    .bind(now())
    .fetch_one(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
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

async fn release(pool: &PgPool, tenant: &str, id: i64, user: &str) -> Result<Released> {
    let mut tx = pool.begin().await.db()?;
    let series_code: String = sqlx::query_scalar(
        "SELECT s.code FROM number_reservations r
           JOIN invoice_series s ON s.id = r.series_id
           JOIN tenants t ON t.id = r.tenant_id
          WHERE r.id = $1 AND t.code = $2",
    )
    .bind(id)
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await
    .db()?
    .ok_or(Error::ReservationNotFound(id))?;
    let series = load_series(&mut tx, tenant, &series_code).await?;
    // The series row first, like an issue under this reservation would.
    sqlx::query("SELECT 1 FROM invoice_series WHERE id = $1 FOR NO KEY UPDATE")
        .bind(series.series_id)
        .execute(&mut *tx)
        .await
        .db()?;
    let reservation = load_reservation(&mut tx, series.tenant_id, id).await?;
    if reservation.released {
        return Err(Error::ReservationReleased(id));
    }
    let released_at = now();
    sqlx::query("UPDATE number_reservations SET released_at = $2 WHERE id = $1")
        .bind(id)
        .bind(released_at)
        .execute(&mut *tx)
        .await
        .db()?;
    let issued: Vec<i64> = sqlx::query_scalar(
        "SELECT seq FROM invoices WHERE tenant_id = $1 AND series_id = $2 AND period = $3
            AND seq BETWEEN $4 AND $5 ORDER BY seq",
    )
    .bind(series.tenant_id)
    .bind(series.series_id)
    .bind(&reservation.period)
    .bind(reservation.first_seq)
    .bind(reservation.last_seq)
    .fetch_all(&mut *tx)
    .await
    .db()?;
    let unused = reservation.unused(&issued);
    let voided = unused.iter().map(|seq| series.number(reservation.reserved_on, *seq)).collect::<Result<Vec<_>>>()?;
    sqlx::query(
        "INSERT INTO voided_numbers (tenant_id, series_id, period, seq, number, reason, reservation_id,
                                     voided_by, voided_at)
         SELECT $1, $2, $3, seq, number, $6, $7, $8, $9 FROM UNNEST($4::int8[], $5::text[]) AS v (seq, number)",
    )
    .bind(series.tenant_id)
    .bind(series.series_id)
    .bind(&reservation.period)
    .bind(&unused)
    .bind(&voided)
    .bind(void_reason(id))
    .bind(id)
    .bind(user)
    .bind(released_at)
    .execute(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(Released { reservation: series.reservation(&reservation, Some(released_at)), issued, voided })
}

async fn bare_increment(pool: &PgPool, tenant: &str, series: &str, period: &str) -> Result<i64> {
    let mut tx = pool.begin().await.db()?;
    let value: Option<i64> = sqlx::query_scalar(
        "INSERT INTO invoice_sequences AS c (tenant_id, series_id, period, next_value)
         SELECT t.id, s.id, $3, 2 FROM tenants t JOIN invoice_series s ON s.tenant_id = t.id
          WHERE t.code = $1 AND s.code = $2
         ON CONFLICT (tenant_id, series_id, period) DO UPDATE SET next_value = c.next_value + 1
         RETURNING next_value - 1",
    )
    .bind(tenant)
    .bind(series)
    .bind(period)
    .fetch_optional(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    value.ok_or_else(|| Error::SeriesNotFound { tenant: tenant.to_owned(), series: series.to_owned() })
}
