//! Batch issuing on Postgres. Twin of `sqlite.rs`; the invariant is in `mod.rs`.
//!
//! Set-based, because Postgres pays per round trip and per subtransaction (past 64 in one transaction
//! every snapshot overflows and slows): the keys are claimed with one statement, and each series' run of
//! invoices is checked in Rust under its series lock, then written with one statement (invoices, lines,
//! outbox events and messages) and one server-side call appending the audit entries in order. Only if
//! that statement finds a number another series printed does the run fall back to one savepoint per
//! invoice, to name which. READ COMMITTED, as a single issue.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerdesk_types::{IssuedInvoice, KeyStatus, Reply};
use sqlx::PgConnection;

use super::{BatchIssuing, BatchItem, BatchOutcome, Plan, Ready, RunCheck, failure_to_store};
use crate::db::postgres::PgResultExt;
use crate::db::{KeyPolicy, PgStore, now};
use crate::error::{Error, Result};
use crate::idempotency::postgres::claim_in;
use crate::idempotency::{Claim, Held, Scope, replay, to_json};
use crate::numbering::postgres::{issue, load_series, lock_series};
use crate::numbering::{Draft, Placement, SeriesContext};
use crate::webhooks::outbound::fan_out_sql;

impl super::group::Grouped for PgStore {
    fn group(&self) -> std::sync::Arc<super::group::Group> {
        self.shared()
    }

    /// Every clone of a Postgres store is its one login, so the task acts as the callers do.
    fn leader(&self) -> Self {
        self.clone()
    }
}

impl BatchIssuing for PgStore {
    async fn issue_batch(&self, items: Vec<BatchItem>) -> Result<Vec<BatchOutcome>> {
        let mut plan = Plan::of(items, crate::db::Backend::identity(self))?;
        if plan.ready.is_empty() {
            return Ok(plan.finish());
        }
        let policy = self.key_policy();
        let outcomes = self
            .retried(Error::contention, || async {
                let mut tx = self.pool().begin().await.db()?;
                let outcomes = run(&mut tx, &plan.ready, policy).await?;
                tx.commit().await.db()?;
                Ok(outcomes)
            })
            .await?;
        for (index, outcome) in plan.ready.iter().map(|item| item.index).zip(outcomes) {
            plan.outcomes[index] = Some(outcome);
        }
        Ok(plan.finish())
    }
}

/// The batch's transaction: every key claimed, every series' run issued, every key's answer stored.
async fn run(tx: &mut PgConnection, ready: &[Ready], policy: KeyPolicy) -> Result<Vec<BatchOutcome>> {
    let mut decided: Vec<Option<BatchOutcome>> = (0..ready.len()).map(|_| None).collect();
    let held = claim_keys(&mut *tx, ready, policy, &mut decided).await?;
    let mut issued: Vec<Option<Result<IssuedInvoice>>> = (0..ready.len()).map(|_| None).collect();
    for run in runs(ready, &decided) {
        issue_run(&mut *tx, ready, &run, &mut issued).await?;
    }
    settle_keys(&mut *tx, &held, &issued).await?;
    Ok(decided
        .into_iter()
        .zip(issued)
        .map(|(decided, issued)| match (decided, issued) {
            (Some(outcome), _) => outcome,
            (None, Some(result)) => result.map(|value| Reply { value, replayed: false }),
            (None, None) => Err(Error::Storage { backend: "postgres", detail: "a batch item was not run".into() }),
        })
        .collect())
}

/// The undecided items as runs of one tenant and series, each in the batch's order; a reserved position
/// runs alone.
fn runs(ready: &[Ready], decided: &[Option<BatchOutcome>]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut by_series: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, item) in ready.iter().enumerate().filter(|(i, _)| decided[*i].is_none()) {
        let request = &item.draft.request;
        if request.reserved.is_some() {
            runs.push(vec![i]);
            continue;
        }
        let run = *by_series.entry((&request.tenant, &request.series)).or_insert_with(|| {
            runs.push(Vec::new());
            runs.len() - 1
        });
        runs[run].push(i);
    }
    // In one order everywhere (tenant, then series), so two batches of other processes that touch the
    // same series lock them in the same order and never wait on each other in a circle.
    runs.sort_by(|a, b| {
        let key = |run: &Vec<usize>| {
            let request = &ready[run[0]].draft.request;
            (request.tenant.clone(), request.series.clone())
        };
        key(a).cmp(&key(b))
    });
    runs
}

/// Claims every key: the fresh ones with one statement, any that exist one by one (a replay, a takeover,
/// a key in use). Returns each item's claim; an item whose key decided its outcome gets it in `decided`.
async fn claim_keys(
    tx: &mut PgConnection,
    ready: &[Ready],
    policy: KeyPolicy,
    decided: &mut [Option<BatchOutcome>],
) -> Result<Vec<Option<Held>>> {
    let keyed: Vec<(usize, &Scope, &str)> = ready
        .iter()
        .enumerate()
        .filter_map(|(i, item)| item.key.as_ref().map(|(scope, fingerprint)| (i, scope, fingerprint.as_str())))
        .collect();
    let mut held: Vec<Option<Held>> = (0..ready.len()).map(|_| None).collect();
    if keyed.is_empty() {
        return Ok(held);
    }
    let at = now();
    let column = |f: fn(&Scope) -> &String| keyed.iter().map(|(_, scope, _)| f(scope).clone()).collect::<Vec<_>>();
    let inserted: Vec<(String, String, String, String)> = sqlx::query_as(
        "INSERT INTO idempotency_keys (tenant, user_id, command, key, fingerprint, status, fence, created_at,
                                       locked_until, expires_at)
         SELECT t, u, c, k, f, 'in_flight', 1, $6, $7, $8
           FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x (t, u, c, k, f)
         ON CONFLICT DO NOTHING
         RETURNING tenant, user_id, command, key",
    )
    .bind(column(|s| &s.tenant))
    .bind(column(|s| &s.user))
    .bind(column(|s| &s.command))
    .bind(column(|s| &s.key))
    .bind(keyed.iter().map(|(_, _, fingerprint)| (*fingerprint).to_owned()).collect::<Vec<_>>())
    .bind(at)
    .bind(policy.lease_until(at))
    .bind(policy.expiry(at))
    .fetch_all(&mut *tx)
    .await
    .db()?;
    let mut fresh: std::collections::HashSet<(String, String, String, String)> = inserted.into_iter().collect();
    for (i, scope, fingerprint) in keyed {
        let id = (scope.tenant.clone(), scope.user.clone(), scope.command.clone(), scope.key.clone());
        // The first item with a fresh key holds it; another item of the batch with the same key finds it
        // in flight, as a second request would.
        let claim = if fresh.remove(&id) {
            Ok(Claim::Held { fence: 1 })
        } else {
            claim_in(&mut *tx, scope, fingerprint, policy, now()).await
        };
        match claim {
            Ok(Claim::Held { fence }) => held[i] = Some(Held { scope: scope.clone(), fence }),
            Ok(Claim::Finished { status, response }) => decided[i] = Some(replay(status, &response)),
            Err(e) if e.is_retryable() => return Err(e),
            Err(e) => decided[i] = Some(Err(e)),
        }
    }
    Ok(held)
}

/// Stores every held key's answer: completed with its invoice, failed with a failure the data decided,
/// or freed, in at most two statements.
async fn settle_keys(
    tx: &mut PgConnection,
    held: &[Option<Held>],
    issued: &[Option<Result<IssuedInvoice>>],
) -> Result<()> {
    let mut finished: Vec<(&Held, &'static str, String)> = Vec::new();
    let mut freed: Vec<&Held> = Vec::new();
    for (held, issued) in held.iter().zip(issued) {
        let (Some(held), Some(issued)) = (held, issued) else { continue };
        match issued {
            Ok(invoice) => finished.push((held, KeyStatus::Completed.as_str(), to_json(invoice)?)),
            Err(e) => match failure_to_store(e) {
                Some(body) => finished.push((held, KeyStatus::Failed.as_str(), body)),
                None => freed.push(held),
            },
        }
    }
    if !finished.is_empty() {
        let holders: Vec<&Held> = finished.iter().map(|(held, _, _)| *held).collect();
        let updated = bind_claims(
            sqlx::query(
                "UPDATE idempotency_keys k
                SET status = x.status, response = x.response, completed_at = $8, locked_until = NULL
               FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[])
                    AS x (t, u, c, key, fence, status, response)
              WHERE k.tenant = x.t AND k.user_id = x.u AND k.command = x.c AND k.key = x.key
                AND k.fence = x.fence AND k.status = 'in_flight'",
            ),
            &holders,
        )
        .bind(finished.iter().map(|(_, status, _)| (*status).to_owned()).collect::<Vec<_>>())
        .bind(finished.iter().map(|(_, _, response)| response.clone()).collect::<Vec<_>>())
        .bind(now())
        .execute(&mut *tx)
        .await
        .db()?;
        // The claims are this transaction's own rows (inserted or locked by it): all of them must match.
        if updated.rows_affected() != finished.len() as u64 {
            return Err(Error::IdempotencyLeaseLost);
        }
    }
    if !freed.is_empty() {
        bind_claims(
            sqlx::query(
                "DELETE FROM idempotency_keys k
                  USING UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[]) AS x (t, u, c, key, fence)
                  WHERE k.tenant = x.t AND k.user_id = x.u AND k.command = x.c AND k.key = x.key
                    AND k.fence = x.fence AND k.status = 'in_flight'",
            ),
            &freed,
        )
        .execute(&mut *tx)
        .await
        .db()?;
    }
    Ok(())
}

/// Binds `$1`–`$5` of a statement over many claims: their scopes' tenant, user, command and key, and
/// their fences, each as an array.
fn bind_claims<'q>(
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    claims: &[&Held],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let column = |f: fn(&Scope) -> &String| claims.iter().map(|h| f(&h.scope).clone()).collect::<Vec<_>>();
    query
        .bind(column(|s| &s.tenant))
        .bind(column(|s| &s.user))
        .bind(column(|s| &s.command))
        .bind(column(|s| &s.key))
        .bind(claims.iter().map(|h| h.fence).collect::<Vec<_>>())
}

/// Issues one run of one series: set-based, or one savepoint per invoice when it holds a reserved
/// position or a number another series printed turns up.
async fn issue_run(
    tx: &mut PgConnection,
    ready: &[Ready],
    run: &[usize],
    issued: &mut [Option<Result<IssuedInvoice>>],
) -> Result<()> {
    let first = &ready[run[0]].draft.request;
    if first.reserved.is_none() {
        sqlx::query("SAVEPOINT batch_run").execute(&mut *tx).await.db()?;
        match issue_set(&mut *tx, ready, run, issued).await {
            Ok(true) => {
                sqlx::query("RELEASE batch_run").execute(&mut *tx).await.db()?;
                return Ok(());
            }
            Ok(false) => {
                sqlx::query("ROLLBACK TO batch_run").execute(&mut *tx).await.db()?;
                sqlx::query("RELEASE batch_run").execute(&mut *tx).await.db()?;
                run.iter().for_each(|&i| issued[i] = None);
            }
            Err(e) => return Err(e),
        }
    }
    for &i in run {
        issued[i] = Some(issue_alone(&mut *tx, &ready[i].draft).await?);
    }
    Ok(())
}

/// One invoice in its savepoint. `Err` only for what ends the whole batch (retryable); the invoice's
/// own failure is its result.
async fn issue_alone(tx: &mut PgConnection, draft: &Draft) -> Result<Result<IssuedInvoice>> {
    sqlx::query("SAVEPOINT batch_item").execute(&mut *tx).await.db()?;
    match issue(&mut *tx, draft).await {
        Ok(invoice) => {
            sqlx::query("RELEASE batch_item").execute(&mut *tx).await.db()?;
            Ok(Ok(invoice))
        }
        Err(e) if e.is_retryable() => Err(e),
        Err(e) => {
            sqlx::query("ROLLBACK TO batch_item").execute(&mut *tx).await.db()?;
            sqlx::query("RELEASE batch_item").execute(&mut *tx).await.db()?;
            Ok(Err(e))
        }
    }
}

/// The run's customers' ids by code (those that exist).
async fn customer_ids(
    conn: &mut PgConnection,
    series: &SeriesContext,
    codes: Vec<String>,
) -> Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT code, id FROM customers WHERE tenant_id = $1 AND code = ANY($2)")
            .bind(series.tenant_id)
            .bind(codes)
            .fetch_all(conn)
            .await
            .db()?;
    Ok(rows.into_iter().collect())
}

/// Issues a run set-based. Returns `false`, having written what the caller's savepoint then undoes, if
/// its tenant or series does not exist or one of its numbers was printed by another series already: the
/// caller then issues each invoice alone, so that each hears its own error.
async fn issue_set(
    tx: &mut PgConnection,
    ready: &[Ready],
    run: &[usize],
    issued: &mut [Option<Result<IssuedInvoice>>],
) -> Result<bool> {
    let first = &ready[run[0]].draft.request;
    let series = match load_series(&mut *tx, &first.tenant, &first.series).await {
        Ok(series) => series,
        Err(e) if e.is_retryable() => return Err(e),
        // The tenant or series does not exist: each invoice of the run, issued alone, hears so itself.
        Err(_) => return Ok(false),
    };
    let mut codes: Vec<String> = run.iter().filter_map(|&i| ready[i].draft.request.customer.clone()).collect();
    codes.sort();
    codes.dedup();
    let customers = customer_ids(&mut *tx, &series, codes).await?;
    // The series row, locked until commit: numbers follow dates from its last issue date on.
    let last = lock_series(&mut *tx, &series).await?;
    let mut check = RunCheck::new(&series, last);
    let admitted: Vec<(usize, Option<i64>, NaiveDate)> = run
        .iter()
        .filter_map(|&i| match check.admit(&ready[i].draft, &customers) {
            Ok((customer, date)) => Some((i, customer, date)),
            Err(e) => {
                issued[i] = Some(Err(e));
                None
            }
        })
        .collect();
    if admitted.is_empty() {
        return Ok(true);
    }
    let created_at = now();
    let mut placements = Vec::with_capacity(admitted.len());
    for (period, count) in check.periods() {
        let first_seq: i64 = sqlx::query_scalar(
            "INSERT INTO invoice_sequences AS c (tenant_id, series_id, period, next_value) VALUES ($1, $2, $3, 1 + $4)
             ON CONFLICT (tenant_id, series_id, period) DO UPDATE SET next_value = c.next_value + $4
             RETURNING next_value - $4",
        )
        .bind(series.tenant_id)
        .bind(series.series_id)
        .bind(&period)
        .bind(count)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        placements.push((period, first_seq, count));
    }
    let mut invoices = Vec::with_capacity(admitted.len());
    let mut next =
        placements.iter().flat_map(|(period, first, count)| (*first..first + count).map(move |seq| (period, seq)));
    for &(i, customer, date) in &admitted {
        let (period, seq) = next.next().ok_or_else(|| Error::Storage {
            backend: "postgres",
            detail: "a batch run has more invoices than positions taken".into(),
        })?;
        let placement = Placement { number: series.number(date, seq)?, date, period: period.clone(), seq, created_at };
        invoices.push(Written { index: i, customer, placement });
    }
    let ids = write_set(&mut *tx, &series, ready, &invoices, check.last()).await?;
    if ids.len() != invoices.len() {
        return Ok(false);
    }
    append_entries(&mut *tx, &series, ready, &invoices, created_at).await?;
    for invoice in invoices {
        let id = ids.get(&invoice.placement.number).copied().ok_or_else(|| Error::Storage {
            backend: "postgres",
            detail: format!("invoice {} was not written", invoice.placement.number),
        })?;
        let draft = &ready[invoice.index].draft;
        issued[invoice.index] = Some(Ok(draft.issued(series.clone(), invoice.placement, id)));
    }
    Ok(true)
}

/// An invoice of a run, placed.
struct Written {
    index: usize,
    customer: Option<i64>,
    placement: Placement,
}

/// Writes a run's invoices, their lines, outbox events and messages in one statement, and moves the
/// series' last issue date; returns the ids by number. A number printed already inserts nothing (so
/// fewer ids come back than invoices were sent).
async fn write_set(
    tx: &mut PgConnection,
    series: &SeriesContext,
    ready: &[Ready],
    invoices: &[Written],
    last_date: Option<NaiveDate>,
) -> Result<HashMap<String, i64>> {
    let drafts = || invoices.iter().map(|w| (&ready[w.index].draft, w));
    let mut lines = LineColumns::default();
    for (draft, written) in drafts() {
        for line in &draft.totals.lines {
            lines.push(&written.placement.number, line);
        }
    }
    let events: Vec<_> = drafts().map(|(draft, written)| draft.event(series, &written.placement)).collect();
    let created_at = invoices.first().map_or_else(now, |w| w.placement.created_at);
    let sql = format!(
        "WITH inv AS (
             INSERT INTO invoices (tenant_id, series_id, period, seq, number, customer_id, issue_date, currency,
                                   net_total, tax_total, total, created_by, created_at, credit_status)
             SELECT $1, $2, x.period, x.seq, x.number, x.customer, x.issue_date, x.currency, x.net, x.tax, x.total,
                    x.created_by, $3, 'issued'
               FROM UNNEST($4::text[], $5::int8[], $6::text[], $7::int8[], $8::date[], $9::text[], $10::numeric[],
                           $11::numeric[], $12::numeric[], $13::text[])
                    AS x (period, seq, number, customer, issue_date, currency, net, tax, total, created_by)
             ON CONFLICT (tenant_id, number) DO NOTHING
             RETURNING id, number
         ), lines AS (
             INSERT INTO invoice_lines (invoice_id, line_no, description, quantity, unit_price, tax_rate,
                                        net_amount, tax_amount)
             SELECT inv.id, l.line_no, l.description, l.quantity, l.unit_price, l.tax_rate, l.net, l.tax
               FROM UNNEST($14::text[], $15::int4[], $16::text[], $17::numeric[], $18::numeric[], $19::numeric[],
                           $20::numeric[], $21::numeric[])
                    AS l (number, line_no, description, quantity, unit_price, tax_rate, net, tax)
               JOIN inv ON inv.number = l.number
         ), event AS (
             INSERT INTO outbox_events (tenant_id, uid, event_type, payload, created_at)
             SELECT $1, e.uid, e.event_type, e.payload, $3
               FROM UNNEST($22::text[], $23::text[], $24::text[], $25::text[]) AS e (number, uid, event_type, payload)
               JOIN inv ON inv.number = e.number
             RETURNING id, uid, event_type
         ), messages AS ({fan_out}), series AS (
             UPDATE invoice_series SET last_issue_date = $26 WHERE id = $2
         )
         SELECT number, id FROM inv",
        fan_out = fan_out_sql(["$1", "event.uid", "event.event_type", "$3"]),
    );
    let column = |f: &dyn Fn(&Draft, &Written) -> String| drafts().map(|(d, w)| f(d, w)).collect::<Vec<_>>();
    let amount = |f: fn(&Draft) -> rust_decimal::Decimal| drafts().map(|(d, _)| f(d)).collect::<Vec<_>>();
    let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(series.tenant_id)
        .bind(series.series_id)
        .bind(created_at)
        .bind(column(&|_, w| w.placement.period.clone()))
        .bind(invoices.iter().map(|w| w.placement.seq).collect::<Vec<_>>())
        .bind(column(&|_, w| w.placement.number.clone()))
        .bind(invoices.iter().map(|w| w.customer).collect::<Vec<_>>())
        .bind(invoices.iter().map(|w| w.placement.date).collect::<Vec<_>>())
        .bind(column(&|d, _| d.request.currency.code().to_owned()))
        .bind(amount(|d| d.totals.net_total))
        .bind(amount(|d| d.totals.tax_total))
        .bind(amount(|d| d.totals.total))
        .bind(column(&|d, _| d.request.user.clone()))
        .bind(lines.number)
        .bind(lines.line_no)
        .bind(lines.description)
        .bind(lines.quantity)
        .bind(lines.unit_price)
        .bind(lines.tax_rate)
        .bind(lines.net)
        .bind(lines.tax)
        .bind(column(&|_, w| w.placement.number.clone()))
        .bind(events.iter().map(|e| e.uid.clone()).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.event_type.to_owned()).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.payload.clone()).collect::<Vec<_>>())
        .bind(last_date)
        .fetch_all(&mut *tx)
        .await
        .db()?;
    Ok(rows.into_iter().collect())
}

/// The lines of a run's invoices, column by column, each with its invoice's number.
#[derive(Default)]
struct LineColumns {
    number: Vec<String>,
    line_no: Vec<i32>,
    description: Vec<String>,
    quantity: Vec<rust_decimal::Decimal>,
    unit_price: Vec<rust_decimal::Decimal>,
    tax_rate: Vec<rust_decimal::Decimal>,
    net: Vec<rust_decimal::Decimal>,
    tax: Vec<rust_decimal::Decimal>,
}

impl LineColumns {
    fn push(&mut self, number: &str, line: &ledgerdesk_types::InvoiceLine) {
        self.number.push(number.to_owned());
        self.line_no.push(line.line_no as i32);
        self.description.push(line.description.clone());
        self.quantity.push(line.quantity);
        self.unit_price.push(line.unit_price);
        self.tax_rate.push(line.tax_rate);
        self.net.push(line.net_amount);
        self.tax.push(line.tax_amount);
    }
}

/// Appends the run's audit entries in the run's order, in one call (`ledgerdesk_append_audit_run`: it
/// locks the head, links every entry to the one before exactly as a single append does, writes them with
/// one statement and moves the head onto the last; see migration 0011).
async fn append_entries(
    tx: &mut PgConnection,
    series: &SeriesContext,
    ready: &[Ready],
    invoices: &[Written],
    at: DateTime<Utc>,
) -> Result<()> {
    let entries: Vec<_> = invoices.iter().map(|w| ready[w.index].draft.audit_entry(series, &w.placement)).collect();
    let bodies = entries.iter().map(|e| crate::trail::body(&series.tenant_code, at, e)).collect::<Result<Vec<_>>>()?;
    sqlx::query("SELECT ledgerdesk_append_audit_run($1, $2, $3, $4, $5, $6)")
        .bind(series.tenant_id)
        .bind(vec![at; entries.len()])
        .bind(entries.iter().map(|e| e.actor.clone()).collect::<Vec<_>>())
        .bind(entries.iter().map(|e| e.action.to_owned()).collect::<Vec<_>>())
        .bind(entries.iter().map(|e| e.subject.clone()).collect::<Vec<_>>())
        .bind(bodies)
        .execute(&mut *tx)
        .await
        .db()?;
    Ok(())
}
