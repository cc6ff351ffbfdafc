//! Dropped connections (Postgres): while clerks issue invoices with idempotency keys, another session
//! terminates their backends (`pg_terminate_backend`) over and over, mid-transaction or between. Each
//! clerk retries what failed with the same key, as the app does: every invoice takes effect exactly
//! once, and the series stays gapless.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, StoreOptions};
use ledgerdesk_types::Localized;

use crate::fixtures::{audit_of, date, invoice, seed};

/// Backends to terminate, one at a time while it works; clerks issue until there have been this many,
/// and at least [`MIN_ISSUED`] invoices have been answered meanwhile (a fast killer alone could reach
/// its count while only a handful got through, which proves little).
const TERMINATIONS: i64 = 200;
const MIN_ISSUED: usize = 40;
const CLERKS: usize = 4;

/// Issues invoice `i` under key `k-i` until it is answered: a dropped connection, a key still leased
/// by the attempt the drop cut short, or a lock are retried; anything else is a failure.
async fn issue_until_answered(store: &AnyStore, i: usize) -> String {
    let started = Instant::now();
    loop {
        let key = format!("k-{i}");
        match store.issue_invoice_keyed(invoice("ACME", date(2026, 11, 10)), Some(&key)).await {
            Ok(reply) => return reply.value.number,
            Err(e) if e.is_retryable() => {
                assert!(started.elapsed() < Duration::from_secs(60), "invoice {i} never got through: {e}");
                tokio::time::sleep(Duration::from_millis(if e.code() == "idempotency_key_in_use" { 100 } else { 5 }))
                    .await;
            }
            Err(e) => panic!("invoice {i}: {} {e}", e.code()),
        }
    }
}

pub async fn dropped_connections_take_effect_exactly_once(kind: Kind) {
    assert_eq!(kind, Kind::Postgres, "a SQLite book has no connection to drop");
    let db = TestDb::fresh(kind).await;
    let mut options = StoreOptions { max_connections: CLERKS as u32, ..StoreOptions::default() };
    // A key whose release the drop also cut short is taken over after its lease: keep that short.
    options.keys.lease = Duration::from_secs(1);
    let store = db.open_with(options).await;
    seed(&store, "ACME").await;

    let done = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let killer = {
        let (url, done, answered) = (db.url.clone(), Arc::clone(&done), Arc::clone(&answered));
        tokio::spawn(async move {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(&url).await.expect("the killer's connection");
            let mut terminated = 0_i64;
            let deadline = Instant::now() + Duration::from_secs(120);
            while (terminated < TERMINATIONS || answered.load(Ordering::Relaxed) < MIN_ISSUED)
                && Instant::now() < deadline
            {
                // One backend at work (in a statement or inside a transaction), every few milliseconds.
                let killed: i64 = sqlx::query_scalar(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM (
                         SELECT pid FROM pg_stat_activity
                          WHERE datname = current_database() AND pid <> pg_backend_pid()
                            AND state IN ('active', 'idle in transaction')
                          LIMIT 1) AS busy",
                )
                .fetch_one(&mut admin)
                .await
                .expect("terminate");
                terminated += killed;
                // Past the count, kills come slower, so the clerks reach MIN_ISSUED under fire in time.
                let pause = match (killed > 0, terminated >= TERMINATIONS) {
                    (false, _) => 1,
                    (true, false) => 15,
                    (true, true) => 60,
                };
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            done.store(true, Ordering::Relaxed);
            terminated
        })
    };

    let next = Arc::new(AtomicUsize::new(0));
    let clerks: Vec<_> = (0..CLERKS)
        .map(|_| {
            let (store, done, next, answered) =
                (store.clone(), Arc::clone(&done), Arc::clone(&next), Arc::clone(&answered));
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                while !done.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    numbers.push((i, issue_until_answered(&store, i).await));
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                numbers
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for clerk in clerks {
        numbers.extend(clerk.await.expect("a clerk"));
    }
    let terminated = killer.await.expect("the killer");
    assert!(terminated >= TERMINATIONS, "only {terminated} backends terminated in 2 minutes; the test proves nothing");
    let invoices = next.load(Ordering::Relaxed);
    assert!(invoices >= MIN_ISSUED, "only {invoices} invoices got through in 2 minutes; the test proves nothing");

    // Exactly once: as many invoices as keys, each key answered with its own number, no gap.
    let mut distinct: Vec<&String> = numbers.iter().map(|(_, number)| number).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), invoices, "two keys were answered with one invoice");
    let audit = audit_of(&store, "ACME", "INV", "202611").await;
    assert_eq!(audit.count, invoices as i64, "an invoice took effect twice, or not at all");
    assert!(audit.gaps.is_empty() && audit.duplicates.is_empty(), "{audit:?}");
    // And replaying every key now answers with the invoice it took effect as.
    for (i, number) in &numbers {
        assert_eq!(&issue_until_answered(&store, *i).await, number, "key k-{i} replayed another invoice");
    }
    assert_eq!(audit_of(&store, "ACME", "INV", "202611").await.count, invoices as i64);
    eprintln!("dropped connections: {terminated} backends terminated while issuing {invoices} invoices");
}
