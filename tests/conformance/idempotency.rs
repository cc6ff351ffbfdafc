//! Idempotency keys: one effect per key, the first answer replayed byte for byte, in-use and reused keys
//! refused, crashed holders recovered after their lease, stale holders fenced off, and expired records
//! purged.

use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::{SubsecRound, Utc};
use ledgerdesk_conformance::{Kind, TestDb, cli_binary};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, StoreOptions};
use ledgerdesk_types::{
    AssignLicense, IdempotencyQuery, IdempotencyRecord, KeyStatus, LicenseQuery, LicenseStatus, Localized,
};
use tokio::process::Command;

use crate::fixtures::{assert_exactly_one_to, date, invoice, license, seed};

const USER: &str = "clerk";

async fn record(store: &AnyStore, command: &str, key: &str) -> Option<IdempotencyRecord> {
    store.get_idempotency_record("ACME", USER, command, key).await.expect("read record")
}

async fn licenses_of(store: &AnyStore, holder: &str) -> usize {
    store.list_licenses("ACME", &LicenseQuery { holder: Some(holder.into()), status: None }).await.expect("list").len()
}

pub async fn fifty_identical_requests_take_effect_once(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(StoreOptions { max_connections: 50, ..StoreOptions::default() }).await;
    seed(&store, "ACME").await;
    let mut request = invoice("ACME", date(2026, 11, 20));
    request.user = USER.into();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (store, request) = (store.clone(), request.clone());
            tokio::spawn(async move { store.issue_invoice_keyed(request, Some("double-click-1")).await })
        })
        .collect();
    let (mut effects, mut replays, mut in_use) = (Vec::new(), 0, 0);
    for task in tasks {
        match task.await.expect("join") {
            Ok(reply) if reply.replayed => replays += 1,
            Ok(reply) => effects.push(reply.value),
            Err(e) if e.code() == "idempotency_key_in_use" => in_use += 1,
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!(effects.len(), 1, "exactly one request took effect ({replays} replays, {in_use} in use)");
    assert_eq!(replays + in_use, 49);
    assert_exactly_one_to(&store, "ACME", "202611", 1).await;

    // A later retry replays the stored answer, byte for byte, and the record counts it.
    let retry = store.issue_invoice_keyed(request, Some("double-click-1")).await.expect("replay");
    assert!(retry.replayed);
    assert_eq!(retry.value, effects[0]);
    let stored = record(&store, "invoice.issue", "double-click-1").await.expect("a record");
    assert_eq!(stored.response.as_deref(), Some(serde_json::to_string(&effects[0]).unwrap().as_str()));
    assert_eq!(serde_json::to_string(&retry.value).unwrap(), serde_json::to_string(&effects[0]).unwrap());
    assert_eq!((stored.status, stored.fence, stored.replays), (KeyStatus::Completed, 1, replays + 1));
    assert_exactly_one_to(&store, "ACME", "202611", 1).await;
}

pub async fn a_key_is_scoped_and_refuses_other_arguments(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let first = store.assign_license(license("ACME", "ana"), USER, Some("k-1")).await.expect("assign");
    assert!(!first.replayed);

    // Same key, other arguments: 422-like, nothing written.
    let mut other = license("ACME", "ana");
    other.seats = 6;
    let err = store.assign_license(other, USER, Some("k-1")).await.unwrap_err();
    assert_eq!(err.code(), "idempotency_key_reused");
    assert_eq!(licenses_of(&store, "ana").await, 1);

    // The same key is a different key for another user or another command.
    let mut bob = license("ACME", "ana");
    bob.holder = "bob".into();
    assert!(!store.assign_license(bob, "other-clerk", Some("k-1")).await.expect("other user").replayed);
    let mut issue = invoice("ACME", date(2026, 11, 20));
    issue.user = USER.into();
    assert!(!store.issue_invoice_keyed(issue, Some("k-1")).await.expect("other command").replayed);

    // Keys must be 1–255 printable ASCII characters; a refused key writes nothing.
    for bad in [String::new(), "x".repeat(256), "tab\tkey".into(), "clé".into()] {
        let err = store.assign_license(license("ACME", "carol"), USER, Some(&bad)).await.unwrap_err();
        assert_eq!(err.code(), "idempotency_key_invalid", "{bad:?}");
    }
    assert_eq!(licenses_of(&store, "carol").await, 0);
    assert!(store.get_idempotency_record("ACME", USER, "license.assign", "").await.unwrap().is_none());
}

pub async fn validation_errors_are_not_stored_outcomes_are(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;

    // Bad input is refused before the key is claimed: the caller corrects it and retries with the key.
    let mut bad = license("ACME", "ana");
    bad.seats = 0;
    assert_eq!(store.assign_license(bad, USER, Some("form-1")).await.unwrap_err().code(), "invalid_input");
    assert!(record(&store, "license.assign", "form-1").await.is_none());
    let made = store.assign_license(license("ACME", "ana"), USER, Some("form-1")).await.expect("corrected");
    assert!(!made.replayed);

    // A failure decided by the data after the command started is stored and replayed.
    let mut second = license("ACME", "ana");
    second.plan = "basic".into();
    let err = store.assign_license(second.clone(), USER, Some("form-2")).await.unwrap_err();
    assert_eq!(err.code(), "license_already_active");
    let failed = record(&store, "license.assign", "form-2").await.expect("stored failure");
    assert_eq!(failed.status, KeyStatus::Failed);
    assert!(failed.response.as_deref().unwrap_or("").contains("license_already_active"));
    let replayed = store.assign_license(second, USER, Some("form-2")).await.unwrap_err();
    assert_eq!((replayed.code(), replayed.to_string()), (err.code(), err.to_string()));
    assert_eq!(record(&store, "license.assign", "form-2").await.unwrap().replays, 1);
    assert_eq!(licenses_of(&store, "ana").await, 1);
}

/// Starts `ledgerdesk license assign` of `request` under `key`, to pause at `point`.
fn paused_assign(
    db: &TestDb,
    request: &AssignLicense,
    key: &str,
    point: &str,
    pause_ms: u64,
    lease_secs: u64,
) -> tokio::process::Child {
    Command::new(cli_binary())
        .args(["--db", &db.url, "--key-lease-secs", &lease_secs.to_string(), "license", "assign"])
        .args(["--tenant", &request.tenant, "--holder", &request.holder, "--product", &request.product])
        .args(["--plan", &request.plan, "--seats", &request.seats.to_string()])
        .args(["--expires", &request.expires_at.to_rfc3339()])
        .args(["--user", USER, "--idempotency-key", key])
        .env("LEDGERDESK_PAUSE_AT", point)
        .env("LEDGERDESK_PAUSE_MS", pause_ms.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start ledgerdesk")
}

/// A license request whose every field survives the command line unchanged (whole-second expiry).
fn whole_second_license(holder: &str) -> AssignLicense {
    let mut request = license("ACME", holder);
    request.expires_at = request.expires_at.trunc_subsecs(0);
    request
}

/// Waits until the child process has claimed the key (in flight).
async fn until_in_flight(store: &AnyStore, key: &str) -> IdempotencyRecord {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(found) = record(store, "license.assign", key).await {
            assert_eq!(
                found.status,
                KeyStatus::InFlight,
                "the child finished instead of pausing: was ledgerdesk built with the fault-points feature?"
            );
            return found;
        }
        assert!(Instant::now() < deadline, "the child never claimed the key");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sleep_past(instant: chrono::DateTime<Utc>) {
    let wait = (instant - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(100);
    tokio::time::sleep(wait).await;
}

pub async fn a_killed_holder_is_recovered_after_its_lease(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let request = whole_second_license("ana");
    let mut holder = paused_assign(&db, &request, "assign-ana", "before-commit", 600_000, 2);
    let claimed = until_in_flight(&store, "assign-ana").await;
    // Let it reach the pause: the license and its stored answer written, not committed. Then SIGKILL.
    tokio::time::sleep(Duration::from_millis(500)).await;
    holder.start_kill().expect("SIGKILL");
    holder.wait().await.expect("reap");

    // Its writes died with it; its claim lives on until the lease runs out.
    assert_eq!(licenses_of(&store, "ana").await, 0);
    let err = store.assign_license(request.clone(), USER, Some("assign-ana")).await.unwrap_err();
    assert_eq!(err.code(), "idempotency_key_in_use");

    sleep_past(claimed.locked_until.expect("a lease")).await;
    let recovered = store.assign_license(request.clone(), USER, Some("assign-ana")).await.expect("take over");
    assert!(!recovered.replayed);
    let after = record(&store, "license.assign", "assign-ana").await.unwrap();
    assert_eq!((after.status, after.fence), (KeyStatus::Completed, 2));
    assert_eq!(licenses_of(&store, "ana").await, 1, "exactly one effect in the end");
    // And from now on the key replays.
    assert!(store.assign_license(request, USER, Some("assign-ana")).await.expect("replay").replayed);
}

pub async fn a_stale_holder_cannot_commit_after_a_takeover(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let request = whole_second_license("bob");
    // The holder claims, then stalls (a long GC pause, a frozen VM) past its one-second lease.
    let holder = paused_assign(&db, &request, "assign-bob", "after-claim", 4_000, 1);
    let claimed = until_in_flight(&store, "assign-bob").await;
    sleep_past(claimed.locked_until.expect("a lease")).await;
    let taken = store.assign_license(request.clone(), USER, Some("assign-bob")).await.expect("take over");
    assert!(!taken.replayed);

    // The stale holder wakes up and runs its effect: its fence no longer matches, so nothing commits.
    let output = holder.wait_with_output().await.expect("the holder exits");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("error[idempotency_lease_lost]"), "{stderr}");
    assert_eq!(licenses_of(&store, "bob").await, 1);
    let after = record(&store, "license.assign", "assign-bob").await.unwrap();
    assert_eq!((after.status, after.fence), (KeyStatus::Completed, 2));
    assert_eq!(after.response.as_deref(), Some(serde_json::to_string(&taken.value).unwrap().as_str()));
}

pub async fn expired_records_are_purged_in_batches(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let mut short = StoreOptions::default();
    short.keys.ttl = Duration::from_millis(1);
    let short_lived = db.open_with(short).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    for holder in ["a", "b", "c"] {
        short_lived
            .assign_license(license("ACME", holder), USER, Some(&format!("old-{holder}")))
            .await
            .expect("assign");
    }
    store.assign_license(license("ACME", "d"), USER, Some("fresh")).await.expect("assign");
    tokio::time::sleep(Duration::from_millis(10)).await;

    let expired = IdempotencyQuery { expired: Some(true), ..Default::default() };
    assert_eq!(store.list_idempotency_records("ACME", &expired).await.unwrap().len(), 3);
    let count = |query: IdempotencyQuery| {
        let store = store.clone();
        async move { store.list_idempotency_records("ACME", &query).await.unwrap().len() }
    };
    assert_eq!(count(IdempotencyQuery { expired: Some(false), ..Default::default() }).await, 1);
    assert_eq!(count(IdempotencyQuery { older_than_minutes: Some(60), ..Default::default() }).await, 0);
    assert_eq!(count(IdempotencyQuery { older_than_minutes: Some(0), ..Default::default() }).await, 4);
    assert_eq!(count(IdempotencyQuery { user: Some("nobody".into()), ..Default::default() }).await, 0);
    let completed = IdempotencyQuery {
        command: Some("license.assign".into()),
        status: Some(KeyStatus::Completed),
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(count(completed).await, 2);
    let purged = store.purge_idempotency_records(2).await.expect("purge");
    assert_eq!((purged.removed, purged.batches), (3, 2));
    let left = store.list_idempotency_records("ACME", &IdempotencyQuery::default()).await.unwrap();
    assert_eq!(left.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["fresh"]);
    assert_eq!(store.purge_idempotency_records(2).await.unwrap().removed, 0);

    // An expired key means nothing any more: reusing it with other arguments starts afresh.
    let mut other = license("ACME", "e");
    other.plan = "basic".into();
    short_lived.assign_license(license("ACME", "f"), USER, Some("again")).await.expect("assign");
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(!store.assign_license(other, USER, Some("again")).await.expect("a fresh claim").replayed);
    assert_eq!(licenses_of(&store, "e").await, 1);
    assert_eq!(
        store
            .list_licenses("ACME", &LicenseQuery { holder: None, status: Some(LicenseStatus::Active) })
            .await
            .unwrap()
            .len(),
        6
    );
}
