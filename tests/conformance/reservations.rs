//! Contracts of number reservations: a released number is voided, never a silent gap, never reissued.

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{Error, ReserveNumbers, ReservedSlot};
use ledgerdesk_types::Localized;

use crate::fixtures::{audit_of, date, invoice, seed};

fn reserve(count: i64, on: chrono::NaiveDate) -> ReserveNumbers {
    ReserveNumbers { tenant: "ACME".into(), series: "INV".into(), date: Some(on), count, user: "batch".into() }
}

pub async fn released_numbers_are_voided_never_silent_gaps(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.expect("seq 1");
    let block = store.reserve_numbers(reserve(5, date(2026, 11, 3))).await.expect("reserve");
    assert_eq!((block.period.as_str(), block.first_seq, block.last_seq), ("202611", 2, 6));
    let after = store.issue_invoice(invoice("ACME", date(2026, 11, 3))).await.expect("regular issue skips the block");
    assert_eq!(after.seq, 7);

    // While the reservation is open its positions are accounted for, not gaps.
    let open = audit_of(&store, "ACME", "INV", "202611").await;
    assert!(open.is_clean(), "{open:?}");
    assert_eq!(open.reserved, vec![2, 3, 4, 5, 6]);

    for seq in [3, 5] {
        let mut batch = invoice("ACME", date(2026, 11, 3));
        batch.reserved = Some(ReservedSlot { reservation: block.id, seq });
        let issued = store.issue_invoice(batch).await.expect("issue under the reservation");
        assert_eq!(issued.number, format!("202611-{seq:05}-ACME"));
    }
    let released = store.release_reservation("ACME", block.id, "batch").await.expect("release");
    assert_eq!(released.issued, vec![3, 5]);
    assert_eq!(released.voided, vec!["202611-00002-ACME", "202611-00004-ACME", "202611-00006-ACME"]);

    let audit = audit_of(&store, "ACME", "INV", "202611").await;
    assert!(audit.is_clean(), "{audit:?}");
    assert_eq!((audit.count, audit.last, audit.next_value), (4, Some(7), 8));
    assert_eq!(audit.voided, vec![2, 4, 6]);
    assert!(audit.reserved.is_empty());

    // A voided number is never issued afterwards, and a release happens once.
    let mut late = invoice("ACME", date(2026, 11, 3));
    late.reserved = Some(ReservedSlot { reservation: block.id, seq: 4 });
    let err = store.issue_invoice(late).await.expect_err("released");
    assert!(matches!(err, Error::ReservationReleased(id) if id == block.id), "{err}");
    let err = store.release_reservation("ACME", block.id, "batch").await.expect_err("twice");
    assert_eq!(err.code(), "reservation_released");
    let err = store.release_reservation("ACME", 9_999, "batch").await.expect_err("unknown");
    assert_eq!(err.code(), "reservation_not_found");
}

pub async fn reserved_numbers_obey_their_block_period_and_dates(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let block = store.reserve_numbers(reserve(3, date(2026, 11, 5))).await.expect("reserve 1..3");
    let slot = |seq| Some(ReservedSlot { reservation: block.id, seq });
    // A regular issue after the block, dated the 10th.
    assert_eq!(store.issue_invoice(invoice("ACME", date(2026, 11, 10))).await.unwrap().seq, 4);

    let mut outside = invoice("ACME", date(2026, 11, 5));
    outside.reserved = slot(4);
    assert_eq!(store.issue_invoice(outside).await.unwrap_err().code(), "reserved_number_unavailable");

    let mut other_period = invoice("ACME", date(2026, 12, 1));
    other_period.reserved = slot(1);
    assert_eq!(store.issue_invoice(other_period).await.unwrap_err().code(), "reservation_period_mismatch");

    // Position 2 must not be dated after number 4 (the 10th).
    let mut too_late = invoice("ACME", date(2026, 11, 11));
    too_late.reserved = slot(2);
    let err = store.issue_invoice(too_late).await.unwrap_err();
    assert!(matches!(err, Error::IssueDateAfterLaterNumber { .. }), "{err}");
    assert_eq!(err.code(), "issue_date_out_of_order");

    let mut fine = invoice("ACME", date(2026, 11, 6));
    fine.reserved = slot(2);
    store.issue_invoice(fine.clone()).await.expect("between its neighbours");
    let err = store.issue_invoice(fine).await.unwrap_err();
    assert_eq!(err.code(), "reserved_number_unavailable", "a position is issued once");

    // Position 1 must not be dated before position 2 (the 6th)... nor after it.
    let mut after_two = invoice("ACME", date(2026, 11, 7));
    after_two.reserved = slot(1);
    assert_eq!(store.issue_invoice(after_two).await.unwrap_err().code(), "issue_date_out_of_order");

    let audit = audit_of(&store, "ACME", "INV", "202611").await;
    assert!(audit.is_clean(), "{audit:?}");
    assert_eq!(audit.reserved, vec![1, 3]);
    assert_eq!(audit.count, 2);
}

pub async fn reservations_issues_and_releases_racing_keep_the_audit_clean(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(ledgerdesk_core::StoreOptions { max_connections: 16, ..Default::default() }).await;
    seed(&store, "ACME").await;
    let on = date(2026, 11, 3);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..20 {
                store.issue_invoice(invoice("ACME", on)).await.expect("regular issue");
            }
        }));
    }
    for _ in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                let block = store.reserve_numbers(reserve(3, on)).await.expect("reserve");
                let mut batch = invoice("ACME", on);
                batch.reserved = Some(ReservedSlot { reservation: block.id, seq: block.first_seq + 1 });
                store.issue_invoice(batch).await.expect("issue under the reservation");
                store.release_reservation("ACME", block.id, "batch").await.expect("release");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let audit = audit_of(&store, "ACME", "INV", "202611").await;
    assert!(audit.is_clean(), "{audit:?}");
    assert_eq!(audit.count, 6 * 20 + 4 * 5);
    assert_eq!(audit.voided.len(), 4 * 5 * 2);
    assert!(audit.reserved.is_empty());
    assert_eq!(audit.last, Some(audit.next_value - 1));
}
