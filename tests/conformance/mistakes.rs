//! Everyday mistakes and hostile input, each reproduced on both databases: refused or handled, with
//! nothing consumed (no number taken, no key stored, no book created).

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use ledgerdesk_conformance::{Kind, NoBook, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{
    AnyStore, Error, NewCustomer, NewSeries, NewTenant, Opening, ReserveNumbers, RetryPolicy, StoreOptions,
    TenantLimits,
};
use ledgerdesk_types::{Localized, ResetPolicy};

use crate::fixtures::{date, invoice, line, seed};

/// Today in UTC, the time zone of the tenants below.
fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn days_after(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).expect("a date")
}

/// Tenant `code` in UTC whose books open on 1 January 2026 and accept no future date, with a monthly
/// series INV.
async fn strict_tenant(store: &AnyStore, code: &str) {
    let tenant = NewTenant {
        code: code.into(),
        name: format!("{code} SL"),
        time_zone: "UTC".into(),
        books_open_from: Some(date(2026, 1, 1)),
        future_days_allowed: Some(0),
    };
    store.add_tenant(tenant).await.expect("tenant");
    let series = NewSeries {
        tenant: code.into(),
        code: "INV".into(),
        format: None,
        reset: ResetPolicy::Monthly,
        corrective: false,
    };
    store.add_series(series).await.expect("series");
}

fn dated(tenant: &str, series: &str, on: NaiveDate) -> ledgerdesk_core::IssueInvoice {
    let mut request = invoice(tenant, on);
    request.series = series.into();
    request.customer = None;
    request
}

pub async fn a_missing_book_is_refused_and_nothing_is_created(kind: Kind) {
    let none = NoBook::of(kind);
    let err = AnyStore::open(&none.url, StoreOptions::default()).await.err().expect("no book there");
    assert_eq!(err.code(), "book_not_found", "{err}");
    assert!(std::fs::read_dir(none.dir.path()).unwrap().next().is_none(), "nothing was created");

    let db = TestDb::fresh(kind).await;
    db.open().await; // created on purpose
    let err = AnyStore::open_as(&db.url, StoreOptions::default(), Opening::New).await.err().expect("a book exists");
    assert_eq!(err.code(), "book_already_exists", "{err}");
    assert!(AnyStore::open(&db.url, StoreOptions::default()).await.is_ok(), "the existing book still opens");
}

pub async fn reads_never_wait_for_a_writer(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    store.issue_invoice(invoice("ACME", date(2026, 11, 2))).await.expect("issue");
    let impatient = StoreOptions {
        lock_timeout: Duration::from_millis(200),
        retry: RetryPolicy { max_retries: 0, ..RetryPolicy::default() },
        ..StoreOptions::default()
    };
    let writer = db.hold_write_lock("ACME", "INV").await;
    // Another desktop opens the book and reads while a writer holds its lock: neither waits.
    let reader = AnyStore::open(&db.url, impatient).await.expect("opening takes no write lock");
    let page = reader.list_invoices("ACME", &Default::default()).await.expect("a read does not wait");
    assert_eq!(page.len(), 1);
    let err = reader.issue_invoice(invoice("ACME", date(2026, 11, 3))).await.expect_err("a write does wait");
    assert_eq!(err.code(), "numbering_contention");
    writer.release().await;
}

pub async fn dates_outside_the_books_are_refused_before_any_number(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    strict_tenant(&store, "DAT").await;
    let refused = |on: NaiveDate| {
        let store = store.clone();
        async move { store.issue_invoice(dated("DAT", "INV", on)).await.expect_err("refused").code().to_owned() }
    };
    assert_eq!(refused(days_after(today(), 2)).await, "issue_date_in_future");
    assert_eq!(refused(date(9999, 12, 31)).await, "issue_date_in_future");
    assert_eq!(refused(date(2025, 12, 31)).await, "issue_date_before_books_open");
    for (year, month, day) in [(0, 1, 1), (10_000, 1, 1), (-5, 6, 1)] {
        let far = NaiveDate::from_ymd_opt(year, month, day).expect("chrono holds it");
        assert_eq!(refused(far).await, "invalid_input", "year {year} never reaches a database");
    }
    // A keyed issue refused for its date stores nothing: the same key is free for the corrected request.
    let err = store.issue_invoice_keyed(dated("DAT", "INV", days_after(today(), 2)), Some("k-date")).await;
    assert!(matches!(err, Err(Error::IssueDateInFuture { .. })), "{err:?}");
    assert!(store.get_idempotency_record("DAT", "conformance", "invoice.issue", "k-date").await.unwrap().is_none());
    let reserve = ReserveNumbers {
        tenant: "DAT".into(),
        series: "INV".into(),
        date: Some(days_after(today(), 2)),
        count: 3,
        user: "clerk".into(),
    };
    assert_eq!(store.reserve_numbers(reserve.clone()).await.unwrap_err().code(), "issue_date_in_future");
    assert!(store.audit_numbering("DAT").await.unwrap().is_empty(), "no number was taken");

    // An admin opens the books earlier and allows a few days ahead; both changes are recorded, and the
    // opening never moves later.
    let limits = |books_open_from, future_days_allowed| TenantLimits {
        tenant: "DAT".into(),
        books_open_from,
        future_days_allowed,
        user: "admin".into(),
    };
    let later = store.set_tenant_limits(limits(Some(date(2026, 2, 1)), None)).await.unwrap_err();
    assert_eq!(later.code(), "books_open_moves_earlier_only");
    let tenant = store.set_tenant_limits(limits(Some(date(2025, 1, 1)), Some(5))).await.expect("limits");
    assert_eq!((tenant.books_open_from, tenant.future_days_allowed), (date(2025, 1, 1), 5));
    assert_eq!(db.count("SELECT count(*) FROM tenant_changes WHERE changed_by = 'admin'").await, 2);
    assert!(db.execute("DELETE FROM tenant_changes").await.unwrap_err().contains("record_immutable"));
    let old = store.issue_invoice(dated("DAT", "INV", date(2025, 6, 1))).await.expect("books open earlier now");
    assert!(old.number.starts_with("202506-00001"), "{}", old.number);
    let ahead = store.issue_invoice(dated("DAT", "INV", days_after(today(), 3))).await.expect("within the allowance");
    assert!(ahead.number.contains("-00001-"), "the refused issues consumed no number: {}", ahead.number);

    // Numbers follow dates for reservations too: none may be dated before the last issue.
    let before_last = ReserveNumbers { date: Some(days_after(today(), 1)), ..reserve };
    assert_eq!(store.reserve_numbers(before_last).await.unwrap_err().code(), "issue_date_out_of_order");
}

pub async fn series_that_could_collide_are_refused(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    // The default template of a tenant's second series cannot collide with the first.
    let second = NewSeries {
        tenant: "ACME".into(),
        code: "CR".into(),
        format: None,
        reset: ResetPolicy::Monthly,
        corrective: false,
    };
    let cr = store.add_series(second).await.expect("a second series with the default template").value;
    assert_eq!(cr.format, "{SERIES}-{YYYY}{MM}-{SEQ:5}-{SUFFIX}");
    let inv = store.issue_invoice(invoice("ACME", date(2026, 11, 5))).await.unwrap();
    let mut credit = invoice("ACME", date(2026, 11, 5));
    credit.series = "CR".into();
    let cr_number = store.issue_invoice(credit).await.expect("both series issue in the same month").number;
    assert_eq!((inv.number.as_str(), cr_number.as_str()), ("202611-00001-ACME", "CR-202611-00001-ACME"));

    // {SERIES}{SEQ} with codes A and A1 would both print A11.
    let bare = |code: &str| NewSeries {
        tenant: "ACME".into(),
        code: code.into(),
        format: Some("{SERIES}{SEQ}".into()),
        reset: ResetPolicy::Never,
        corrective: false,
    };
    store.add_series(bare("A")).await.expect("A");
    let err = store.add_series(bare("A1")).await.expect_err("A1 would print A's numbers");
    let Error::SeriesWouldCollide { example, proposal: Some(proposal), .. } = &err else { panic!("{err}") };
    assert_eq!(example, "A11");
    assert!(err.message_tr().contains("A11"));
    let safe = NewSeries { format: Some(proposal.clone()), ..bare("A1") };
    store.add_series(safe).await.expect("the proposed template passes");
    // A template change is checked the same way.
    let err = store.change_series_format("ACME", "CR", "{YYYY}{MM}-{SEQ:5}-{SUFFIX}", "admin").await.unwrap_err();
    assert_eq!(err.code(), "series_would_collide");
}

pub async fn series_retire_and_change_template_from_the_next_period(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    strict_tenant(&store, "TPL").await;
    let never = NewSeries {
        tenant: "TPL".into(),
        code: "NV".into(),
        format: Some("NV-{SEQ:4}".into()),
        reset: ResetPolicy::Never,
        corrective: false,
    };
    store.add_series(never).await.expect("series NV");
    let issue = |on: NaiveDate| {
        let store = store.clone();
        async move { store.issue_invoice(dated("TPL", "NV", on)).await.map(|i| i.number) }
    };
    assert_eq!(issue(today()).await.unwrap(), "NV-0001");
    let changed = store.change_series_format("TPL", "NV", "NV/{SEQ:4}", "admin").await.expect("change");
    let tomorrow = days_after(today(), 1);
    assert_eq!(changed.format_from, Some(tomorrow), "a never-resetting series changes from the next day");
    assert_eq!(issue(today()).await.unwrap(), "NV-0002", "today keeps its template");
    let again = store.change_series_format("TPL", "NV", "NV_{SEQ:4}", "admin").await.unwrap_err();
    assert_eq!(again.code(), "invalid_input", "one change waits at a time: {again}");
    let limits = TenantLimits {
        tenant: "TPL".into(),
        books_open_from: None,
        future_days_allowed: Some(2),
        user: "admin".into(),
    };
    store.set_tenant_limits(limits).await.unwrap();
    assert_eq!(issue(tomorrow).await.unwrap(), "NV/0003");

    let retired = store.retire_series("TPL", "NV", "admin").await.expect("retire");
    assert!(retired.retired);
    assert_eq!(issue(tomorrow).await.unwrap_err().code(), "series_retired");
    let reserve =
        ReserveNumbers { tenant: "TPL".into(), series: "NV".into(), date: None, count: 2, user: "clerk".into() };
    assert_eq!(store.reserve_numbers(reserve).await.unwrap_err().code(), "series_retired");
    assert!(store.retire_series("TPL", "NV", "admin").await.unwrap().retired, "retiring again changes nothing");
    let audit = store.audit_numbering("TPL").await.unwrap();
    assert!(audit.iter().all(|a| a.is_clean()) && audit[0].count == 3, "{audit:?}");
}

pub async fn control_characters_and_long_text_are_refused(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let mut request = invoice("ACME", date(2026, 11, 2));
    request.lines = vec![line("Consulting \u{1b}[2J\u{1b}[H", "1", "10", "21")];
    assert_eq!(store.issue_invoice(request.clone()).await.unwrap_err().code(), "line_description_unsafe");
    request.lines = vec![line(&"x".repeat(1_001), "1", "10", "21")];
    assert_eq!(store.issue_invoice(request).await.unwrap_err().code(), "line_description_too_long");
    let customer =
        NewCustomer { tenant: "ACME".into(), code: "C2".into(), name: "Evil\u{202E}Corp".into(), tax_id: None };
    assert_eq!(store.add_customer(customer).await.unwrap_err().code(), "invalid_input");
    let err = store.get_invoice("ACME", &"9".repeat(100_000)).await.unwrap_err();
    assert!(err.to_string().len() < 200, "a long input is not echoed back in full");
    assert!(store.audit_numbering("ACME").await.unwrap().is_empty(), "no number was taken");
}

pub async fn a_lookup_that_fails_does_not_stick_to_its_key(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let mut request = invoice("ACME", date(2026, 11, 2));
    request.customer = Some("C9".into());
    let err = store.issue_invoice_keyed(request.clone(), Some("k-lookup")).await.unwrap_err();
    assert_eq!(err.code(), "customer_not_found");
    assert!(store.get_idempotency_record("ACME", "conformance", "invoice.issue", "k-lookup").await.unwrap().is_none());
    let c9 = NewCustomer { tenant: "ACME".into(), code: "C9".into(), name: "Nine".into(), tax_id: None };
    store.add_customer(c9).await.unwrap();
    let first = store.issue_invoice_keyed(request.clone(), Some("k-lookup")).await.expect("runs once C9 exists");
    assert!(!first.replayed && first.value.number == "202611-00001-ACME");
    let again = store.issue_invoice_keyed(request, Some("k-lookup")).await.expect("replayed");
    assert!(again.replayed && again.value == first.value);
}
