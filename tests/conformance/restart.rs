//! Postgres restarted during a run: a server of the test's own (`initdb` in a temporary folder, on a
//! port of its own, so the suite's shared server is never touched) is restarted while clerks issue with
//! keys through one store. While it is down, commands fail with `database_unavailable`; once it is back
//! they succeed through the same store, with no restart of the app, and each key took effect once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ledgerdesk_conformance::OwnServer;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Opening, StoreOptions};
use ledgerdesk_types::Localized;

use crate::fixtures::{audit_of, date, invoice, seed};

const CLERKS: usize = 3;
const INVOICES: usize = 300;

pub async fn a_restarted_server_is_waited_out_and_nothing_is_issued_twice() {
    let server = OwnServer::start();
    let mut options = StoreOptions { max_connections: CLERKS as u32 + 1, ..StoreOptions::default() };
    options.keys.lease = Duration::from_secs(1);
    options.connect_timeout = Duration::from_secs(2);
    let store =
        AnyStore::open_as(&server.url(), options, Opening::CreateIfMissing).await.expect("the own server's store");
    seed(&store, "ACME").await;

    let next = Arc::new(AtomicUsize::new(0));
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let clerks: Vec<_> = (0..CLERKS)
        .map(|_| {
            let (store, next, seen) = (store.clone(), Arc::clone(&next), Arc::clone(&seen));
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= INVOICES {
                        return numbers;
                    }
                    numbers.push(issue_through(&store, i, &seen).await);
                }
            })
        })
        .collect();
    // Once a tenth is issued, the server goes down and comes back (a fast shutdown: sessions cut off).
    let started = Instant::now();
    while next.load(Ordering::SeqCst) < INVOICES / 10 {
        assert!(started.elapsed() < Duration::from_secs(60), "the clerks never got going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Away for longer than the store waits for a connection (2 s), so requests meanwhile fail, not wait.
    let down = Instant::now();
    let _server = tokio::task::spawn_blocking(move || {
        server.restart_after(Duration::from_secs(4));
        server
    })
    .await
    .expect("the restart");
    eprintln!(
        "postgres: restarted in {} ms while {} invoices were asked for",
        down.elapsed().as_millis(),
        next.load(Ordering::SeqCst)
    );

    let mut numbers = Vec::new();
    for clerk in clerks {
        numbers.extend(clerk.await.expect("a clerk"));
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), INVOICES, "each key answered with a number of its own");
    let audit = audit_of(&store, "ACME", "INV", "202611").await;
    assert!(audit.is_clean() && audit.count == INVOICES as i64, "each key took effect exactly once: {audit:?}");
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().any(|code| code == "database_unavailable"), "the restart was never felt: {seen:?}");
    assert!(
        seen.iter().all(|code| ["database_unavailable", "idempotency_key_in_use"].contains(&code.as_str())),
        "while the server was away, only database_unavailable (and a key still leased): {seen:?}"
    );
    eprintln!("postgres restart: {} failures while it was down ({:?}), then all {INVOICES} issued", seen.len(), {
        let mut codes = seen.clone();
        codes.sort();
        codes.dedup();
        codes
    });
}

/// Issues invoice `i` under key `r-i` until it is answered, as the app retries; notes each failure's code.
async fn issue_through(store: &AnyStore, i: usize, seen: &Mutex<Vec<String>>) -> String {
    let started = Instant::now();
    loop {
        match store.issue_invoice_keyed(invoice("ACME", date(2026, 11, 10)), Some(&format!("r-{i}"))).await {
            Ok(reply) => return reply.value.number,
            Err(e) => {
                seen.lock().unwrap().push(e.code().to_owned());
                assert!(e.is_retryable(), "invoice {i}: {} {e}", e.code());
                assert!(started.elapsed() < Duration::from_secs(60), "invoice {i} never got through: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
