//! Contracts of batch issuing: one transaction, each invoice in its own savepoint.

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{BatchItem, NewCustomer, StoreOptions};
use ledgerdesk_types::Localized;

use crate::fixtures::{assert_exactly_one_to, date, invoice, seed};

fn item(customer: &str, day: u32, key: Option<&str>) -> BatchItem {
    let mut request = invoice("ACME", date(2026, 11, day));
    request.customer = Some(customer.into());
    BatchItem { request, key: key.map(str::to_owned) }
}

fn codes(outcomes: &[ledgerdesk_core::BatchOutcome]) -> Vec<Option<String>> {
    outcomes.iter().map(|o| o.as_ref().err().map(|e| e.code().to_owned())).collect()
}

pub async fn a_batch_numbers_in_order_and_a_bad_item_consumes_no_number(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let mut no_lines = item("C1", 3, None);
    no_lines.request.lines.clear();
    let items = vec![
        item("C1", 2, None),
        item("C1", 3, None),
        item("NOBODY", 3, None), // refused by the database: no such customer
        no_lines,                // refused before it: no lines
        item("C1", 4, None),
        item("C1", 1, None), // dated before the invoice just issued
        item("C1", 4, None),
    ];
    let outcomes = store.issue_batch(items).await.expect("batch");
    assert_eq!(
        codes(&outcomes),
        [
            None,
            None,
            Some("customer_not_found".into()),
            Some("invoice_has_no_lines".into()),
            None,
            Some("issue_date_out_of_order".into()),
            None
        ]
    );
    let seqs: Vec<i64> = outcomes.iter().filter_map(|o| o.as_ref().ok()).map(|r| r.value.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4], "numbers follow the batch's order, with no gap where an item failed");
    let stored = store.get_invoice("ACME", &outcomes[4].as_ref().unwrap().value.number).await.expect("read back");
    assert_eq!(stored.seq, 3);
    assert_exactly_one_to(&store, "ACME", "202611", 4).await;
    assert!(store.verify_audit("ACME").await.expect("verify").intact(), "one audit entry per invoice, chained");
}

pub async fn a_batch_run_again_with_its_keys_issues_only_what_is_missing(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    // A key a single issue used already: the batch replays it.
    let single = store.issue_invoice_keyed(item("C1", 2, None).request, Some("row-1")).await.expect("single");
    let batch = || vec![item("C1", 2, Some("row-1")), item("C2", 2, Some("row-2")), item("C1", 2, Some("row-3"))];
    let first = store.issue_batch(batch()).await.expect("first run");
    assert_eq!(codes(&first), [None, Some("customer_not_found".into()), None]);
    assert!(first[0].as_ref().unwrap().replayed);
    assert_eq!(first[0].as_ref().unwrap().value.number, single.value.number);
    assert_eq!(first[2].as_ref().unwrap().value.seq, 2);

    // The missing customer is created; the same batch again issues only row 2.
    let customer = NewCustomer { tenant: "ACME".into(), code: "C2".into(), name: "Second".into(), tax_id: None };
    store.add_customer(customer).await.expect("customer");
    let second = store.issue_batch(batch()).await.expect("second run");
    assert_eq!(codes(&second), [None, None, None]);
    let replayed: Vec<bool> = second.iter().map(|o| o.as_ref().unwrap().replayed).collect();
    assert_eq!(replayed, [true, false, true]);
    assert_eq!(second[1].as_ref().unwrap().value.seq, 3);
    assert_eq!(second[2].as_ref().unwrap().value, first[2].as_ref().unwrap().value);

    // A key sent again with other arguments is refused for that item alone.
    let mut changed = item("C1", 2, Some("row-3"));
    changed.request.lines[0].quantity = 2.into();
    let third = store.issue_batch(vec![changed, item("C1", 3, Some("row-4"))]).await.expect("third run");
    assert_eq!(codes(&third), [Some("idempotency_key_reused".into()), None]);
    assert_exactly_one_to(&store, "ACME", "202611", 4).await;
}

pub async fn batches_and_single_issues_interleave_gaplessly(kind: Kind) {
    const BATCHES: usize = 4;
    const PER_BATCH: usize = 50;
    const SINGLES: usize = 8;
    const PER_SINGLE: usize = 25;
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(StoreOptions { max_connections: 16, ..StoreOptions::default() }).await;
    seed(&store, "ACME").await;
    let batches: Vec<_> = (0..BATCHES)
        .map(|b| {
            let store = store.clone();
            tokio::spawn(async move {
                let keyed = b % 2 == 0;
                let items: Vec<_> = (0..PER_BATCH)
                    .map(|i| {
                        let key = format!("batch-{b}-{i}");
                        item("C1", 2, keyed.then_some(key.as_str()))
                    })
                    .collect();
                let outcomes = store.issue_batch(items).await.expect("batch");
                let seqs: Vec<i64> = outcomes.into_iter().map(|o| o.expect("item").value.seq).collect();
                assert!(seqs.windows(2).all(|w| w[0] < w[1]), "a batch's numbers rise in its order: {seqs:?}");
                seqs.len()
            })
        })
        .collect();
    let singles: Vec<_> = (0..SINGLES)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                for _ in 0..PER_SINGLE {
                    store.issue_invoice(item("C1", 2, None).request).await.expect("single");
                }
                PER_SINGLE
            })
        })
        .collect();
    let mut issued = 0;
    for task in batches.into_iter().chain(singles) {
        issued += task.await.expect("task");
    }
    assert_eq!(issued, BATCHES * PER_BATCH + SINGLES * PER_SINGLE);
    assert_exactly_one_to(&store, "ACME", "202611", issued as i64).await;
    assert!(store.verify_audit("ACME").await.expect("verify").intact());
}
