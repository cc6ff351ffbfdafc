//! Contracts of gapless numbering.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{Error, NewSeries, RetryPolicy, StoreOptions};
use ledgerdesk_types::{Localized, ResetPolicy};

use crate::fixtures::{assert_exactly_one_to, audit_of, date, invoice, line, seed};

const ISSUERS: usize = 32;
const INVOICES: usize = 2_000;

pub async fn gapless_under_32_concurrent_issuers(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(StoreOptions { max_connections: ISSUERS as u32 + 4, ..StoreOptions::default() }).await;
    seed(&store, "ACME").await;

    let issuers: Vec<_> = (0..ISSUERS)
        .map(|issuer| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for _ in (issuer..INVOICES).step_by(ISSUERS) {
                    let issued = store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.expect("issue");
                    assert_eq!(issued.number, format!("202611-{:05}-ACME", issued.seq));
                    seqs.push(issued.seq);
                }
                seqs
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for issuer in issuers {
        seqs.extend(issuer.await.expect("issuer task"));
    }
    let distinct: BTreeSet<i64> = seqs.iter().copied().collect();
    assert_eq!(seqs.len(), INVOICES);
    assert_eq!(distinct, (1..=INVOICES as i64).collect(), "positions handed out must be exactly 1..N");
    assert_exactly_one_to(&store, "ACME", "202611", INVOICES as i64).await;
}

pub async fn failed_issue_consumes_no_number(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    // A real database failure after the number is taken: a trigger on the line insert, which runs
    // after the counter update in the same transaction.
    db.refuse_exploding_lines().await;

    let first = store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.expect("first");
    assert_eq!(first.number, "202611-00001-ACME");
    let mut doomed = invoice("ACME", date(2026, 11, 2));
    doomed.lines.push(line("EXPLODE", "1", "1", "0"));
    let err = store.issue_invoice(doomed).await.expect_err("the trigger refuses it");
    assert_eq!(err.code(), "storage_error", "{err}");
    assert!(err.to_string().contains("line refused by test trigger"), "{err}");

    let second = store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.expect("second");
    assert_eq!(second.number, "202611-00002-ACME", "the failed issue must not have consumed a number");
    assert_exactly_one_to(&store, "ACME", "202611", 2).await;
}

pub async fn each_period_and_tenant_has_its_own_counter(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    seed(&store, "GLOBEX").await;
    let number = |tenant: &'static str, on| {
        let store = store.clone();
        async move { store.issue_invoice(invoice(tenant, on)).await.expect("issue").number }
    };
    assert_eq!(number("ACME", date(2026, 11, 29)).await, "202611-00001-ACME");
    assert_eq!(number("ACME", date(2026, 11, 30)).await, "202611-00002-ACME");
    assert_eq!(number("ACME", date(2026, 12, 1)).await, "202612-00001-ACME");
    assert_eq!(number("GLOBEX", date(2026, 12, 1)).await, "202612-00001-GLOBEX");
    assert_eq!(number("ACME", date(2026, 12, 1)).await, "202612-00002-ACME");
    assert_exactly_one_to(&store, "ACME", "202611", 2).await;
    assert_exactly_one_to(&store, "ACME", "202612", 2).await;
    assert_exactly_one_to(&store, "GLOBEX", "202612", 1).await;

    // A yearly series keeps counting across months and restarts with the year.
    let yearly = NewSeries {
        tenant: "ACME".into(),
        code: "YR".into(),
        format: Some("YR/{YYYY}/{SEQ:4}".into()),
        reset: ResetPolicy::Yearly,
        corrective: false,
    };
    store.add_series(yearly).await.expect("yearly series");
    let mut yr = invoice("ACME", date(2026, 12, 30));
    yr.series = "YR".into();
    assert_eq!(store.issue_invoice(yr.clone()).await.unwrap().number, "YR/2026/0001");
    yr.issue_date = Some(date(2027, 1, 2));
    assert_eq!(store.issue_invoice(yr.clone()).await.unwrap().number, "YR/2027/0001");
    yr.issue_date = Some(date(2027, 2, 2));
    assert_eq!(store.issue_invoice(yr).await.unwrap().number, "YR/2027/0002");
}

pub async fn issue_dates_follow_numbers(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    store.issue_invoice(invoice("ACME", date(2026, 11, 10))).await.expect("first");
    store.issue_invoice(invoice("ACME", date(2026, 11, 10))).await.expect("same day is fine");
    let err = store.issue_invoice(invoice("ACME", date(2026, 11, 9))).await.expect_err("backdated");
    assert!(
        matches!(err, Error::IssueDateOutOfOrder { last_issue_date, .. } if last_issue_date == date(2026, 11, 10)),
        "{err}"
    );
    assert_eq!(err.code(), "issue_date_out_of_order");
    assert!(!err.message_tr().is_empty());
    // Across periods too: nothing may be dated back into November after December started.
    store.issue_invoice(invoice("ACME", date(2026, 12, 1))).await.expect("december");
    let err = store.issue_invoice(invoice("ACME", date(2026, 11, 30))).await.expect_err("back into november");
    assert_eq!(err.code(), "issue_date_out_of_order");
    assert_exactly_one_to(&store, "ACME", "202611", 2).await;
    assert_exactly_one_to(&store, "ACME", "202612", 1).await;
}

/// Short lock waits so the contention contracts run in about a second.
fn impatient() -> StoreOptions {
    StoreOptions {
        lock_timeout: Duration::from_millis(200),
        retry: RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
        },
        max_connections: 4,
        ..StoreOptions::default()
    }
}

pub async fn waits_for_a_held_lock_then_issues(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(impatient()).await;
    seed(&store, "ACME").await;
    let holder = db.hold_write_lock("ACME", "INV").await;
    let started = Instant::now();
    let pending = tokio::spawn({
        let store = store.clone();
        async move { store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!pending.is_finished(), "the issue must wait while the lock is held");
    holder.release().await;
    let issued = pending.await.unwrap().expect("issues once the lock is released");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(issued.number, "202611-00001-ACME");
    assert_exactly_one_to(&store, "ACME", "202611", 1).await;
}

pub async fn gives_up_with_contention_after_bounded_retries(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(impatient()).await;
    seed(&store, "ACME").await;
    let holder = db.hold_write_lock("ACME", "INV").await;
    let started = Instant::now();
    let err = store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.expect_err("the lock is never released");
    let waited = started.elapsed();
    assert!(matches!(err, Error::NumberingContention { attempts: 6 }), "{err}");
    assert_eq!(err.code(), "numbering_contention");
    assert!(err.message_tr().contains("meşgul"));
    // Six attempts of at most ~200 ms each plus capped backoffs: bounded, never a hang.
    assert!(waited < Duration::from_secs(10), "retries must be bounded, waited {waited:?}");
    holder.release().await;
    let issued = store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.expect("issues after release");
    assert_eq!(issued.number, "202611-00001-ACME", "the failed attempts consumed no number");
    let audit = audit_of(&store, "ACME", "INV", "202611").await;
    assert!(audit.is_clean() && audit.count == 1, "{audit:?}");
}

pub async fn overlapping_templates_are_refused_without_consuming_a_number(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let series = |code: &str| NewSeries {
        tenant: "ACME".into(),
        code: code.into(),
        format: Some("F-{SEQ:4}".into()),
        reset: ResetPolicy::Never,
        corrective: false,
    };
    store.add_series(series("A")).await.expect("series A");
    // The same template for B is refused at creation, naming a number both would print.
    let err = store.add_series(series("B")).await.expect_err("B would print A's numbers");
    assert!(
        matches!(&err, Error::SeriesWouldCollide { example, proposal: Some(_), .. } if example == "F-0001"),
        "{err}"
    );
    assert_eq!(err.code(), "series_would_collide");
    assert!(store.list_series("ACME").await.unwrap().iter().all(|s| s.code != "B"), "B was not created");

    // A book from before the check may hold such a series: the unique number is the last line of defence.
    db.execute(
        "INSERT INTO invoice_series (tenant_id, code, format, reset_policy, created_at)
             SELECT id, 'B', 'F-{SEQ:4}', 'never', '2026-01-01 00:00:00+00:00' FROM tenants WHERE code = 'ACME';
         INSERT INTO series_formats (series_id, valid_from, format, set_by, set_at)
             SELECT id, '0001-01-01', format, 'legacy', created_at FROM invoice_series WHERE code = 'B';",
    )
    .await
    .expect("a series from before the collision check");
    let in_series = |code: &str| {
        let mut request = invoice("ACME", date(2026, 11, 2));
        request.series = code.into();
        request
    };
    assert_eq!(store.issue_invoice(in_series("A")).await.unwrap().number, "F-0001");
    let err = store.issue_invoice(in_series("B")).await.expect_err("F-0001 exists already");
    assert!(
        matches!(&err, Error::InvoiceNumberTaken { number, series, holder } if number == "F-0001" && series == "B" && holder == "A"),
        "{err}"
    );
    assert_eq!(err.code(), "invoice_number_taken");
    assert!(err.to_string().contains("series \"A\""), "{err}");
    assert!(err.message_tr().contains("F-0001"));
    // B's failed attempt rolled its counter back; A carries on without a hole.
    assert_eq!(store.issue_invoice(in_series("A")).await.unwrap().number, "F-0002");
    let audit = store.audit_numbering("ACME").await.unwrap();
    assert!(audit.iter().all(|a| a.is_clean()), "{audit:?}");
    assert!(audit.iter().all(|a| a.series != "B"), "B took no number: {audit:?}");
}
