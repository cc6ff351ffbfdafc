//! The invoice document: fixed at its first print with the parties as they stood, every reprint
//! byte-identical (and proven so by its SHA-256) after the details change, one copy however many
//! desktops print it first at once, a copy the database keeps as written, and details checked before
//! anything is written.

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::documents::{CustomerChange, LogoChange, SupplierChange};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, StoreOptions};
use ledgerdesk_types::{DocumentLanguage, Localized, Party};

use crate::fixtures::{date, invoice, seed};

fn supplier(address: &str) -> SupplierChange {
    SupplierChange {
        tenant: "ACME".into(),
        address: vec![address.into(), "28013 Madrid".into()],
        vat_id: Some("ESB12345678".into()),
        iban: Some("ES91 2100 0418 4502 0005 1332".into()),
        language: DocumentLanguage::En,
        logo: LogoChange::Keep,
        user: "clerk".into(),
    }
}

/// ACME with its details, customer C1 with an address and VAT id, and one invoice to C1.
async fn book(kind: Kind, connections: u32) -> (TestDb, AnyStore, String) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(StoreOptions { max_connections: connections, ..StoreOptions::default() }).await;
    seed(&store, "ACME").await;
    store.set_supplier_details(supplier("Calle Mayor 1")).await.expect("supplier details");
    let customer = CustomerChange {
        tenant: "ACME".into(),
        customer: "C1".into(),
        address: vec!["1 Main Street".into(), "Dublin".into()],
        vat_id: Some("IE6388047V".into()),
        user: "clerk".into(),
    };
    store.set_customer_details(customer).await.expect("customer details");
    let issued = store.issue_invoice(invoice("ACME", date(2026, 11, 3))).await.expect("invoice");
    (db, store, issued.number)
}

pub async fn a_reprint_is_the_first_print_after_the_details_change(kind: Kind) {
    let (db, store, number) = book(kind, 4).await;
    let (first, printed) = ledgerdesk_pdf::print(&store, "ACME", &number, "clerk").await.expect("first print");
    assert!(!printed.reprint);
    assert_eq!(printed.sha256, ledgerdesk_core::documents::sha256_hex(&first));
    store.set_supplier_details(supplier("Gran Vía 99")).await.expect("the tenant moves");
    let moved = CustomerChange {
        tenant: "ACME".into(),
        customer: "C1".into(),
        address: vec!["2 Other Road".into()],
        vat_id: Some("IE9999999W".into()),
        user: "clerk".into(),
    };
    store.set_customer_details(moved).await.expect("the customer moves");

    let (again, reprinted) = ledgerdesk_pdf::print(&store, "ACME", &number, "other").await.expect("reprint");
    assert!(reprinted.reprint);
    assert_eq!(reprinted.sha256, printed.sha256);
    assert!(again == first, "a reprint differs from the first print");
    let fixed = store.fix_document("ACME", &number, "other").await.expect("the fixed copy");
    assert_eq!(fixed.parties.supplier.address, ["Calle Mayor 1", "28013 Madrid"]);
    assert_eq!(fixed.parties.customer.as_ref().and_then(|c| c.vat_id.as_deref()), Some("IE6388047V"));
    assert_eq!(fixed.parties.iban.as_deref(), Some("ES9121000418450200051332"));
    assert_eq!(fixed.fixed_at, printed.fixed_at);

    // A new invoice prints the details as they are now.
    let later = store.issue_invoice(invoice("ACME", date(2026, 11, 4))).await.expect("second invoice");
    let fixed = store.fix_document("ACME", &later.number, "clerk").await.expect("its copy");
    assert_eq!(fixed.parties.supplier.address, ["Gran Vía 99", "28013 Madrid"]);
    assert_eq!(
        fixed.parties.customer,
        Some(Party {
            name: "First Customer".into(),
            address: vec!["2 Other Road".into()],
            vat_id: Some("IE9999999W".into()),
        })
    );
    assert_eq!(db.count("SELECT count(*) FROM invoice_documents").await, 2);
    assert_eq!(db.count("SELECT count(*) FROM audit_trail WHERE action = 'invoice.document'").await, 2);
    assert_eq!(db.count("SELECT count(*) FROM audit_trail WHERE action = 'supplier.details'").await, 2);
    assert_eq!(db.count("SELECT count(*) FROM audit_trail WHERE action = 'customer.details'").await, 2);
}

pub async fn first_prints_from_two_desktops_at_once_fix_one_document(kind: Kind) {
    let (db, store, number) = book(kind, 4).await;
    let other_desktop = db.open().await;
    let prints = (0..8).map(|i| {
        let store = if i % 2 == 0 { store.clone() } else { other_desktop.clone() };
        let number = number.clone();
        tokio::spawn(async move { ledgerdesk_pdf::print(&store, "ACME", &number, &format!("clerk{i}")).await })
    });
    let mut hashes = Vec::new();
    for print in prints {
        let (bytes, printed) = print.await.expect("joined").expect("printed");
        assert_eq!(printed.sha256, ledgerdesk_core::documents::sha256_hex(&bytes));
        hashes.push(printed.sha256);
    }
    hashes.dedup();
    assert_eq!(hashes.len(), 1, "one document, one hash: {hashes:?}");
    assert_eq!(db.count("SELECT count(*) FROM invoice_documents").await, 1);
    assert_eq!(db.count("SELECT count(*) FROM invoice_documents WHERE sha256 IS NOT NULL").await, 1);
    assert_eq!(db.count("SELECT count(*) FROM audit_trail WHERE action = 'invoice.document'").await, 1);
}

pub async fn the_database_keeps_a_fixed_document_as_written(kind: Kind) {
    let (db, store, number) = book(kind, 2).await;
    ledgerdesk_pdf::print(&store, "ACME", &number, "clerk").await.expect("print");
    for sql in [
        "UPDATE invoice_documents SET parties = (SELECT parties FROM invoice_documents) || ''",
        "UPDATE invoice_documents SET sha256 = '0000000000000000000000000000000000000000000000000000000000000000'",
        "UPDATE invoice_documents SET sha256 = NULL",
        "DELETE FROM invoice_documents",
    ] {
        let sql = if kind == Kind::Postgres { sql.replace("|| ''", "") } else { sql.to_owned() };
        let refused = db.execute(&sql).await.expect_err(&sql);
        assert!(refused.contains("record_immutable"), "{sql}: {refused}");
    }
    assert_eq!(db.count("SELECT count(*) FROM invoice_documents WHERE sha256 IS NOT NULL").await, 1);
}

pub async fn a_print_that_differs_from_the_first_is_refused(kind: Kind) {
    let (db, store, number) = book(kind, 2).await;
    let fixed = store.fix_document("ACME", &number, "clerk").await.expect("fixed");
    // As if an earlier version had printed it differently: a hash on record this render cannot match.
    let wrong = "ab".repeat(32);
    assert_eq!(store.record_hash(fixed.invoice.id, &wrong).await.expect("recorded"), wrong);
    let refused = ledgerdesk_pdf::print(&store, "ACME", &number, "clerk").await.expect_err("must differ");
    assert_eq!(refused.code(), "document_not_reproducible");
    assert!(refused.to_string().contains(&wrong), "{refused}");
    assert_eq!(store.record_hash(fixed.invoice.id, &"cd".repeat(32)).await.expect("read"), wrong, "written once");
    assert_eq!(db.count("SELECT count(*) FROM invoice_documents").await, 1);
}

pub async fn document_details_are_checked_before_anything_is_written(kind: Kind) {
    let (db, store, _) = book(kind, 2).await;
    let before = store.supplier_details("ACME").await.expect("details");
    let entries = db.count("SELECT count(*) FROM audit_trail").await;
    let refusals = [
        SupplierChange { iban: Some("ES91 2100 0418 4502 0005 1333".into()), ..supplier("x") },
        SupplierChange { vat_id: Some("<b>ES</b>".into()), ..supplier("x") },
        SupplierChange { address: vec!["Calle\u{1b}[31m".into()], ..supplier("x") },
        SupplierChange { logo: LogoChange::Set(b"\x89PNG\r\n\x1a\nnot really".to_vec()), ..supplier("x") },
    ];
    for change in refusals {
        let refused = store.set_supplier_details(change.clone()).await.expect_err("refused");
        assert_eq!(refused.code(), "invalid_input", "{change:?}");
    }
    assert_eq!(store.supplier_details("ACME").await.expect("details"), before, "nothing changed");
    assert_eq!(db.count("SELECT count(*) FROM audit_trail").await, entries, "nothing recorded");

    let same = store.set_supplier_details(supplier("Calle Mayor 1")).await.expect("the same again");
    assert_eq!(same, before);
    assert_eq!(db.count("SELECT count(*) FROM audit_trail").await, entries, "no change, no entry");

    let unknown = CustomerChange {
        tenant: "ACME".into(),
        customer: "NOPE".into(),
        address: Vec::new(),
        vat_id: None,
        user: "clerk".into(),
    };
    assert_eq!(store.set_customer_details(unknown).await.expect_err("unknown").code(), "customer_not_found");
    assert_eq!(store.supplier_details("NOPE").await.expect_err("unknown").code(), "tenant_not_found");
    assert_eq!(store.fix_document("ACME", "INV-0", "clerk").await.expect_err("unknown").code(), "invoice_not_found");
}
