//! Licenses: one ACTIVE per holder under any concurrency, optimistic concurrency without lost updates,
//! the status transitions and expiry, and batches with an outcome per item.

use std::time::Duration;

use chrono::Utc;
use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::StoreOptions;
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::{
    BatchTarget, ChangeLicense, Extension, License, LicenseAction, LicenseQuery, LicenseStatus, Localized,
};

use crate::fixtures::{license, seed};

const ADMIN: &str = "admin";

fn change(license: &License, action: LicenseAction) -> ChangeLicense {
    ChangeLicense { tenant: "ACME".into(), license: license.id, expected_version: license.version, action }
}

fn active_of(holder: &str) -> LicenseQuery {
    LicenseQuery { holder: Some(holder.into()), status: Some(LicenseStatus::Active) }
}

pub async fn thirty_two_concurrent_assigns_leave_one_active(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(StoreOptions { max_connections: 32, ..StoreOptions::default() }).await;
    seed(&store, "ACME").await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let store = store.clone();
            let mut request = license("ACME", "ana");
            request.plan = format!("plan-{i}");
            tokio::spawn(async move { store.assign_license(request, ADMIN, None).await })
        })
        .collect();
    let (mut assigned, mut refused) = (0, 0);
    for task in tasks {
        match task.await.expect("join") {
            Ok(_) => assigned += 1,
            Err(e) if e.code() == "license_already_active" => refused += 1,
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!((assigned, refused), (1, 31));
    assert_eq!(store.list_licenses("ACME", &active_of("ana")).await.unwrap().len(), 1);
    assert_eq!(store.list_licenses("ACME", &LicenseQuery::default()).await.unwrap().len(), 1);

    // The database itself refuses a second ACTIVE row, whoever writes it.
    let sql = "INSERT INTO licenses (tenant_id, holder, product, plan, seats, starts_at, expires_at, status, version,
                                     created_by, created_at, updated_by, updated_at)
               SELECT tenant_id, holder, product, 'raw', seats, starts_at, expires_at, 'ACTIVE', 1,
                      created_by, created_at, updated_by, updated_at FROM licenses";
    let err = db.execute(sql).await.unwrap_err();
    assert!(err.to_lowercase().contains("unique"), "{err}");
}

pub async fn concurrent_changes_on_one_version_have_one_winner(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(StoreOptions { max_connections: 16, ..StoreOptions::default() }).await;
    seed(&store, "ACME").await;
    let original = store.assign_license(license("ACME", "ana"), ADMIN, None).await.expect("assign").value;
    // Sixteen desktops extend the same license, each by its own number of days, all from version 1.
    let tasks: Vec<_> = (1..=16u32)
        .map(|days| {
            let (store, request) = (store.clone(), change(&original, LicenseAction::Extend(Extension::ByDays(days))));
            tokio::spawn(async move { (days, store.change_license(request, &format!("desk-{days}"), None).await) })
        })
        .collect();
    let (mut winners, mut conflicts) = (Vec::new(), 0);
    for task in tasks {
        match task.await.expect("join") {
            (days, Ok(reply)) => winners.push((days, reply.value)),
            (_, Err(e)) if e.code() == "version_conflict" => {
                // The conflict carries the license as it is now, for the UI to show what changed.
                let current: License = serde_json::from_str(&e.details().expect("details")).expect("a license");
                assert_eq!(current.version, 2);
                conflicts += 1;
            }
            (_, Err(e)) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!((winners.len(), conflicts), (1, 15));
    let (days, winner) = &winners[0];
    let stored = store.get_license("ACME", original.id).await.unwrap();
    assert_eq!(&stored, winner, "no lost update: the stored license is the winner's");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.expires_at, original.expires_at + chrono::Duration::days(i64::from(*days)));

    // A loser reloads and tries again on the new version.
    let retried = store.change_license(change(&stored, LicenseAction::Suspend), ADMIN, None).await.unwrap().value;
    assert_eq!((retried.status, retried.version), (LicenseStatus::Suspended, 3));
}

pub async fn transitions_and_expiry_follow_the_rules(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let first = store.assign_license(license("ACME", "ana"), ADMIN, None).await.unwrap().value;
    assert_eq!((first.status, first.version, first.seats), (LicenseStatus::Active, 1, 5));

    // Never shortens.
    let back = Extension::Until(first.expires_at - chrono::Duration::days(1));
    let err = store.change_license(change(&first, LicenseAction::Extend(back)), ADMIN, None).await.unwrap_err();
    assert_eq!(err.code(), "license_extension_shortens");
    let to = first.expires_at + chrono::Duration::days(30);
    let longer = store.change_license(change(&first, LicenseAction::Extend(Extension::Until(to))), ADMIN, None);
    let longer = longer.await.unwrap().value;
    assert_eq!((longer.expires_at, longer.version), (to, 2));

    // Suspended frees the holder's ACTIVE slot; resuming needs it back.
    let suspended = store.change_license(change(&longer, LicenseAction::Suspend), ADMIN, None).await.unwrap().value;
    let err = store.change_license(change(&suspended, LicenseAction::Suspend), ADMIN, None).await.unwrap_err();
    assert_eq!(err.code(), "license_state_invalid");
    let second = store.assign_license(license("ACME", "ana"), ADMIN, None).await.unwrap().value;
    let err = store.change_license(change(&suspended, LicenseAction::Resume), ADMIN, None).await.unwrap_err();
    assert_eq!(err.code(), "license_already_active");
    let revoked = store.change_license(change(&second, LicenseAction::Revoke), ADMIN, None).await.unwrap().value;
    assert_eq!(revoked.status, LicenseStatus::Revoked);
    let err = store.change_license(change(&revoked, LicenseAction::Resume), ADMIN, None).await.unwrap_err();
    assert_eq!(err.code(), "license_state_invalid");
    let resumed = store.change_license(change(&suspended, LicenseAction::Resume), ADMIN, None).await.unwrap().value;
    assert_eq!(resumed.status, LicenseStatus::Active);

    // Expiry: applied on read at once, written by the sweep, and a lapsed license frees its slot.
    let mut brief = license("ACME", "bob");
    brief.expires_at = Utc::now() + chrono::Duration::milliseconds(300);
    let brief = store.assign_license(brief, ADMIN, None).await.unwrap().value;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.get_license("ACME", brief.id).await.unwrap().status, LicenseStatus::Expired);
    let expired_list = LicenseQuery { holder: None, status: Some(LicenseStatus::Expired) };
    assert_eq!(store.list_licenses("ACME", &expired_list).await.unwrap().len(), 1);
    let err = store.change_license(change(&brief, LicenseAction::Extend(Extension::ByDays(1))), ADMIN, None);
    assert_eq!(err.await.unwrap_err().code(), "license_state_invalid");
    store.assign_license(license("ACME", "bob"), ADMIN, None).await.expect("a lapsed license frees the slot");
    let mut brief_carol = license("ACME", "carol");
    brief_carol.expires_at = Utc::now() + chrono::Duration::milliseconds(300);
    store.assign_license(brief_carol, ADMIN, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.expire_licenses("ACME", ADMIN).await.unwrap(), 1);
    assert_eq!(store.expire_licenses("ACME", ADMIN).await.unwrap(), 0);

    // Bad input is refused before anything is written.
    let mut bad = license("ACME", "dan");
    bad.expires_at = Utc::now() - chrono::Duration::days(1);
    assert_eq!(store.assign_license(bad, ADMIN, None).await.unwrap_err().code(), "invalid_input");
    let missing =
        ChangeLicense { tenant: "ACME".into(), license: 9_999, expected_version: 1, action: LicenseAction::Revoke };
    assert_eq!(store.change_license(missing, ADMIN, None).await.unwrap_err().code(), "license_not_found");
    assert!(
        store
            .list_licenses("ACME", &LicenseQuery { holder: Some("dan".into()), status: None })
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_batch_reports_each_item_and_replays_with_its_key(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let mut made = Vec::new();
    for holder in ["a", "b", "c", "d"] {
        made.push(store.assign_license(license("ACME", holder), ADMIN, None).await.unwrap().value);
    }
    let revoked = store.change_license(change(&made[2], LicenseAction::Revoke), ADMIN, None).await.unwrap().value;
    let target = |l: &License, version| BatchTarget { license: l.id, expected_version: version };
    let targets = [
        target(&made[3], 1),
        target(&made[0], 1),
        target(&made[1], 7), // stale version
        target(&revoked, revoked.version),
        BatchTarget { license: 9_999, expected_version: 1 },
    ];
    let extend = LicenseAction::Extend(Extension::ByDays(30));
    let outcome = store.change_licenses("ACME", &targets, extend, ADMIN, Some("batch-1")).await.expect("batch");
    assert_eq!((outcome.summary.total, outcome.summary.succeeded, outcome.summary.failed), (5, 2, 3));
    let codes: Vec<Option<&str>> = outcome.items.iter().map(|i| i.error.as_ref().map(|e| e.code.as_str())).collect();
    assert_eq!(codes, [None, None, Some("version_conflict"), Some("license_state_invalid"), Some("license_not_found")]);
    assert_eq!(outcome.items.iter().map(|i| i.license).collect::<Vec<_>>(), targets.map(|t| t.license));
    assert!(outcome.items.iter().all(|i| !i.replayed));
    assert_eq!(store.get_license("ACME", made[0].id).await.unwrap().version, 2);

    // The same batch again with its key: the items done are replayed, nothing is extended twice.
    let again = store.change_licenses("ACME", &targets, extend, ADMIN, Some("batch-1")).await.expect("batch");
    assert_eq!(again.summary, outcome.summary);
    assert!(again.items[..4].iter().all(|i| i.replayed), "{:?}", again.items);
    assert_eq!(store.get_license("ACME", made[0].id).await.unwrap().version, 2);
    assert_eq!(again.items[0].license_after, outcome.items[0].license_after);

    let twice = [target(&made[0], 2), target(&made[0], 2)];
    let err = store.change_licenses("ACME", &twice, extend, ADMIN, None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}
