//! Contracts of the schema: migrations, permanence of issued records, idempotent master data.

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, NewSeries, NewTenant, StoreOptions};
use ledgerdesk_types::{Localized, ResetPolicy};

use crate::fixtures::{date, invoice, seed};

pub async fn migrations_rerun_cleanly_and_refuse_a_changed_one(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.unwrap();
    drop(store);
    // Opening again applies nothing and keeps the data.
    let again = db.open().await;
    assert_eq!(again.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.unwrap().seq, 2);
    drop(again);

    db.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1").await.expect("tamper");
    let refused = AnyStore::open(&db.url, StoreOptions::default()).await;
    let Err(err) = refused else { panic!("a changed migration must be refused") };
    assert!(matches!(err, Error::MigrationChecksumMismatch { version: 1, .. }), "{err}");
    assert_eq!(err.code(), "migration_checksum_mismatch");
    assert!(err.message_tr().contains("geçiş"));

    db.execute("UPDATE schema_migrations SET checksum = 'x'; INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, 'future', 'x', '2030-01-01')").await.expect("future");
    let Err(err) = AnyStore::open(&db.url, StoreOptions::default()).await else {
        panic!("a newer schema must be refused")
    };
    assert!(matches!(err, Error::SchemaTooNew { found: 99, .. }), "{err}");
}

pub async fn issued_invoices_cannot_be_deleted_or_rewritten(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.unwrap();
    for sql in [
        "DELETE FROM invoices",
        "UPDATE invoices SET number = 'X-1'",
        "UPDATE invoices SET total = total",
        "DELETE FROM invoice_lines",
        "UPDATE invoice_lines SET description = 'edited'",
    ] {
        let err = db.execute(sql).await.expect_err(sql);
        assert!(err.contains("invoice_immutable"), "{sql}: {err}");
    }
    let audit = store.audit_numbering("ACME").await.unwrap();
    assert_eq!(audit[0].count, 1);
}

pub async fn master_data_creation_is_idempotent(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    let tenant = NewTenant { name: "Acme SL".into(), ..crate::fixtures::tenant("ACME") };
    assert!(store.add_tenant(tenant.clone()).await.unwrap().created);
    assert!(!store.add_tenant(tenant.clone()).await.unwrap().created);
    let err = store.add_tenant(NewTenant { name: "Other".into(), ..tenant.clone() }).await.unwrap_err();
    assert_eq!(err.code(), "already_exists_differently");
    // The message names what differs, so the user knows what to fix.
    let err = store
        .add_tenant(NewTenant { name: "Other".into(), time_zone: "Europe/Rome".into(), ..tenant })
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "tenant \"ACME\" already exists with a different name, time_zone");

    let series = NewSeries {
        tenant: "ACME".into(),
        code: "INV".into(),
        format: Some("F-{SEQ:6}".into()),
        reset: ResetPolicy::Never,
        corrective: false,
    };
    assert!(store.add_series(series.clone()).await.unwrap().created);
    assert!(!store.add_series(series.clone()).await.unwrap().created);
    let err = store
        .add_series(NewSeries { reset: ResetPolicy::Yearly, format: Some("F-{YYYY}-{SEQ}".into()), ..series.clone() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "already_exists_differently");
    let err = store.add_series(NewSeries { tenant: "NOPE".into(), ..series }).await.unwrap_err();
    assert_eq!(err.code(), "tenant_not_found");
    let err = store
        .add_tenant(NewTenant { time_zone: "Mars/Base".into(), ..crate::fixtures::tenant("GLOBEX") })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    seed(&store, "GLOBEX").await;
    seed(&store, "GLOBEX").await;
    let series: Vec<String> = store.list_series("GLOBEX").await.unwrap().into_iter().map(|s| s.code).collect();
    assert_eq!(series, ["INV"]);
    let customers = store.list_customers("GLOBEX").await.unwrap();
    assert_eq!((customers.len(), customers[0].code.as_str()), (1, "C1"));
    assert_eq!(store.list_series("NOPE").await.unwrap_err().code(), "tenant_not_found");
}
