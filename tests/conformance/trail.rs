//! The audit trail: one unbroken hash chain per tenant however many write at once, append-only for
//! the app, and every edit, deletion or insertion made behind its back (the `sqlite3` shell, `psql` as
//! superuser with the triggers off) found by `verify`, at the right entry.

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::AnyStore;
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::{AuditQuery, ChainBreak};

use crate::fixtures::{date, invoice, license, seed};

/// ACME with `n` issued invoices: `n` entries in its chain.
async fn chain_of(kind: Kind, n: u32) -> (TestDb, AnyStore) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    for day in 0..n {
        store.issue_invoice(invoice("ACME", date(2026, 11, 2 + day))).await.expect("an invoice");
    }
    (db, store)
}

/// SQL that lets the `sqlite3` shell change the trail (psql runs with the triggers off instead).
fn unguarded(kind: Kind, sql: &str) -> String {
    match kind {
        Kind::Sqlite => format!("DROP TRIGGER audit_trail_no_update; DROP TRIGGER audit_trail_no_delete; {sql}"),
        Kind::Postgres => sql.to_owned(),
    }
}

pub async fn sixteen_concurrent_writers_leave_one_unbroken_chain(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let writers: Vec<_> = (0..16u32)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..2 {
                    store.issue_invoice(invoice("ACME", date(2026, 11, 20))).await.expect("an invoice");
                    let holder = format!("holder-{w}-{i}");
                    store.assign_license(license("ACME", &holder), "writer", None).await.expect("a license");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("a writer");
    }
    let verdict = store.verify_audit("ACME").await.unwrap();
    assert!(verdict.intact(), "{verdict:?}");
    assert_eq!((verdict.entries, verdict.head_seq), (64, 64), "every write has its one entry");
    let newest = store.list_audit("ACME", &AuditQuery { limit: Some(500), ..AuditQuery::default() }).await.unwrap();
    let seqs: Vec<i64> = newest.iter().rev().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=64).collect::<Vec<_>>(), "no fork, no gap");
    assert_eq!(newest.iter().filter(|e| e.action == "invoice.issue").count(), 32);
}

pub async fn the_app_cannot_change_the_trail(kind: Kind) {
    let (db, store) = chain_of(kind, 3).await;
    for sql in ["UPDATE audit_trail SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_trail WHERE seq = 3"] {
        let err = db.execute(sql).await.expect_err("refused");
        assert!(err.contains("record_immutable"), "{sql}: {err}");
    }
    // The head moves on only onto entries that are there: not back, not past the last entry, and not
    // onto the last entry under a made-up hash.
    for sql in [
        "UPDATE audit_heads SET seq = 1",
        "UPDATE audit_heads SET seq = seq + 2, prev_hash = hash",
        "UPDATE audit_heads SET seq = seq, prev_hash = hash",
    ] {
        let err = db.execute(sql).await.expect_err("refused");
        assert!(err.contains("record_immutable"), "{sql}: {err}");
    }
    if kind == Kind::Postgres {
        let err = db.execute("TRUNCATE audit_trail").await.expect_err("refused");
        assert!(err.contains("record_immutable"), "{err}");
    }
    assert!(store.verify_audit("ACME").await.unwrap().intact());
}

/// The head moves several entries at once (a Postgres batch's run) only onto entries already written
/// that follow it: the first after the head names the head's hash, none is missing, and the new head is
/// the last of them. The hashes here are made up: the head's rule checks the links, `verify` the hashes.
pub async fn the_head_moves_several_steps_only_onto_entries_that_follow_it(kind: Kind) {
    let (db, _store) = chain_of(kind, 2).await;
    let acme = "(SELECT id FROM tenants WHERE code = 'ACME')";
    let entry = |seq: i64, prev_hash: &str, hash: &str| {
        format!(
            "INSERT INTO audit_trail (tenant_id, seq, at, actor, action, subject, body, prev_hash, hash)
             VALUES ({acme}, {seq}, '2026-11-20T10:00:00Z', 'owner', 'test.step', 'test', '{{}}', {prev_hash}, '{hash}')"
        )
    };
    let head_hash = format!("(SELECT hash FROM audit_heads WHERE tenant_id = {acme})");
    db.execute(&entry(3, &head_hash, "h3")).await.expect("entry 3");
    db.execute(&entry(4, "'h3'", "h4")).await.expect("entry 4");
    let move_to = |seq: i64, prev_hash: &str, hash: &str| {
        format!(
            "UPDATE audit_heads SET seq = {seq}, prev_hash = '{prev_hash}', hash = '{hash}' WHERE tenant_id = {acme}"
        )
    };
    let err = db.execute(&move_to(4, "h3", "h4-made-up")).await.expect_err("not the last entry's hash");
    assert!(err.contains("record_immutable"), "{err}");
    db.execute(&move_to(4, "h3", "h4")).await.expect("two steps onto entries 3 and 4");

    db.execute(&entry(6, "'h5'", "h6")).await.expect("entry 6");
    let err = db.execute(&move_to(6, "h5", "h6")).await.expect_err("entry 5 is missing");
    assert!(err.contains("record_immutable"), "{err}");
    db.execute(&entry(5, "'not-h4'", "h5")).await.expect("entry 5");
    let err = db.execute(&move_to(6, "h5", "h6")).await.expect_err("entry 5 does not follow the head");
    assert!(err.contains("record_immutable"), "{err}");
}

pub async fn tampering_behind_the_apps_back_is_found(kind: Kind) {
    let (db, store) = chain_of(kind, 5).await;
    assert!(store.verify_audit("ACME").await.unwrap().intact());
    db.shell(&unguarded(kind, "UPDATE audit_trail SET body = replace(body, '100.00', '10.00') WHERE seq = 3;"));
    let broken = store.verify_audit("ACME").await.unwrap().broken.expect("an edited entry");
    assert_eq!((broken.seq, broken.kind), (3, ChainBreak::ContentChanged), "{}", broken.detail);

    let (db, store) = chain_of(kind, 5).await;
    db.shell(&unguarded(kind, "UPDATE audit_trail SET actor = 'mallory' WHERE seq = 2;"));
    let broken = store.verify_audit("ACME").await.unwrap().broken.expect("an edited column");
    assert_eq!((broken.seq, broken.kind), (2, ChainBreak::ContentChanged), "{}", broken.detail);

    let (db, store) = chain_of(kind, 5).await;
    db.shell(&unguarded(kind, "DELETE FROM audit_trail WHERE seq = 4;"));
    let broken = store.verify_audit("ACME").await.unwrap().broken.expect("a deleted entry");
    assert_eq!((broken.seq, broken.kind), (4, ChainBreak::RowMissing), "{}", broken.detail);

    let (db, store) = chain_of(kind, 5).await;
    db.shell(
        "INSERT INTO audit_trail (tenant_id, seq, at, actor, action, subject, body, prev_hash, hash)
         SELECT tenant_id, 6, at, 'mallory', action, subject, body, hash, hash FROM audit_trail WHERE seq = 5;",
    );
    let broken = store.verify_audit("ACME").await.unwrap().broken.expect("an inserted entry");
    assert_eq!((broken.seq, broken.kind), (6, ChainBreak::RowInserted), "{}", broken.detail);
}
