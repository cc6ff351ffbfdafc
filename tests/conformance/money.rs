//! Contracts of stored amounts, input validation and listing.

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::{Currency, InvoiceListQuery, Localized};

use crate::fixtures::{date, invoice, line, seed};

pub async fn stored_amounts_follow_the_rounding_rule(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let cases = [
        // currency, quantity, unit price, tax rate → net, tax, total (half away from zero, per line)
        (Currency::Eur, "3", "0.335", "21", "1.01", "0.21", "1.22"),
        (Currency::Usd, "1", "2.345", "0", "2.35", "0.00", "2.35"),
        (Currency::Gbp, "7", "0.125", "20", "0.88", "0.18", "1.06"),
        (Currency::Try, "1.5", "33.33", "18", "50.00", "9.00", "59.00"),
        (Currency::Jpy, "1.5", "333", "10", "500", "50", "550"),
        (Currency::Kwd, "1", "1.0005", "5", "1.001", "0.050", "1.051"),
    ];
    for (currency, quantity, price, rate, net, tax, total) in cases {
        let mut request = invoice("ACME", date(2026, 11, 2));
        request.currency = currency;
        request.lines = vec![line("Item", quantity, price, rate)];
        let issued = store.issue_invoice(request).await.expect("issue");
        let stored = store.get_invoice("ACME", &issued.number).await.expect("read back");
        assert_eq!(stored, issued, "what is read back is what was issued");
        let amounts = (stored.net_total.to_string(), stored.tax_total.to_string(), stored.total.to_string());
        assert_eq!(amounts, (net.to_owned(), tax.to_owned(), total.to_owned()), "{currency}");
    }
}

pub async fn bad_input_is_refused_and_writes_nothing(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let on = date(2026, 11, 2);
    let mut cases = Vec::new();
    let mut r = invoice("NOPE", on);
    r.tenant = "NOPE".into();
    cases.push((r, "tenant_not_found"));
    let mut r = invoice("ACME", on);
    r.series = "NOPE".into();
    cases.push((r, "series_not_found"));
    let mut r = invoice("ACME", on);
    r.customer = Some("NOPE".into());
    cases.push((r, "customer_not_found"));
    let mut r = invoice("ACME", on);
    r.lines.clear();
    cases.push((r, "invoice_has_no_lines"));
    let mut r = invoice("ACME", on);
    r.lines.push(line("Free", "-1", "1", "0"));
    cases.push((r, "line_quantity_invalid"));
    let mut r = invoice("ACME", on);
    r.lines.push(line("Taxed", "1", "1", "150"));
    cases.push((r, "line_tax_rate_invalid"));
    let mut r = invoice("ACME", on);
    r.lines.push(line("Huge discount", "1", "-1000", "0"));
    cases.push((r, "invoice_total_negative"));
    let mut r = invoice("ACME", on);
    r.tenant = "AC ME".into();
    cases.push((r, "invalid_input"));
    let mut r = invoice("ACME", on);
    r.user = " ".into();
    cases.push((r, "invalid_input"));
    for (request, code) in cases {
        let err = store.issue_invoice(request).await.expect_err(code);
        assert_eq!(err.code(), code, "{err}");
        assert!(!err.to_string().is_empty() && !err.message_tr().is_empty());
    }
    assert!(store.list_invoices("ACME", &InvoiceListQuery::default()).await.unwrap().is_empty());
    assert!(store.audit_numbering("ACME").await.unwrap().is_empty(), "no counter row may be left behind");
    assert_eq!(store.issue_invoice(invoice("ACME", on)).await.unwrap().number, "202611-00001-ACME");
}

pub async fn list_pages_newest_first(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    for day in 1..=5 {
        store.issue_invoice(invoice("ACME", date(2026, 11, day))).await.unwrap();
    }
    store.issue_invoice(invoice("ACME", date(2026, 12, 1))).await.unwrap();
    let page = |query: InvoiceListQuery| {
        let store = store.clone();
        async move { store.list_invoices("ACME", &query).await.unwrap().into_iter().map(|i| i.number).collect::<Vec<_>>() }
    };
    let first = page(InvoiceListQuery { limit: Some(4), ..Default::default() }).await;
    assert_eq!(first, ["202612-00001-ACME", "202611-00005-ACME", "202611-00004-ACME", "202611-00003-ACME"]);
    let last_id =
        store.list_invoices("ACME", &InvoiceListQuery { limit: Some(4), ..Default::default() }).await.unwrap()[3].id;
    let second = page(InvoiceListQuery { limit: Some(4), before_id: Some(last_id), ..Default::default() }).await;
    assert_eq!(second, ["202611-00002-ACME", "202611-00001-ACME"]);
    let december = page(InvoiceListQuery { period: Some("202612".into()), ..Default::default() }).await;
    assert_eq!(december, ["202612-00001-ACME"]);
    let by_customer = page(InvoiceListQuery { customer: Some("C1".into()), ..Default::default() }).await;
    assert_eq!(by_customer.len(), 6);
    let err = store.list_invoices("NOPE", &InvoiceListQuery::default()).await.unwrap_err();
    assert_eq!(err.code(), "tenant_not_found");
    // A mistyped filter says so instead of showing an empty list.
    let list = |query: InvoiceListQuery| {
        let store = store.clone();
        async move { store.list_invoices("ACME", &query).await.unwrap_err().code().to_owned() }
    };
    assert_eq!(
        list(InvoiceListQuery { customer: Some("NOBODY".into()), ..Default::default() }).await,
        "customer_not_found"
    );
    assert_eq!(list(InvoiceListQuery { series: Some("INVV".into()), ..Default::default() }).await, "series_not_found");
    assert_eq!(list(InvoiceListQuery { period: Some("2026-11".into()), ..Default::default() }).await, "invalid_input");
}
