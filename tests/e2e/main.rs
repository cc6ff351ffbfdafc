//! End-to-end tests in the real window: the built `ledgerdesk-desktop` binary (UI embedded) driven by
//! `tauri-driver` and WebKitWebDriver under Xvfb, once on a fresh SQLite file and once on a fresh
//! Postgres database: issue, licenses, idempotency, webhooks, exports, credit notes, invoice PDFs, books;
//! and, on a SQLite book that keeps accounts, two people signing in. Screenshots of every screen go to `target/e2e-screenshots/<backend>/`.
//!
//! Needs `tauri-driver`, `WebKitWebDriver`, `xvfb-run` and `dbus-run-session` (`.ci/run` installs them);
//! without them the tests fail and say what to install.

mod batch;
mod credits;
mod documents;
mod driver;
mod exports;
mod people;
mod webhooks;

use std::path::PathBuf;
use std::sync::Mutex;

use driver::Driver;
use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::{ChangeLicense, Extension, LicenseAction};

/// One window at a time: two Xvfb displays and WebKit processes at once starve a 2-core machine.
static ONE_WINDOW: Mutex<()> = Mutex::new(());

fn screenshot_dir(backend: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("e2e-screenshots").join(backend)
}

/// Fills the invoice form with one line (the caller submits it).
pub fn issue_one(app: &Driver, description: &str, quantity: &str, unit_price: &str) {
    app.click("#nav-new-invoice");
    app.find("#issue-series option");
    app.fill(".line-description", description);
    app.fill(".line-quantity", quantity);
    app.fill(".line-price", unit_price);
    app.fill(".line-tax", "20");
}

fn issue_flow(kind: Kind, backend: &str) {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let db = runtime.block_on(TestDb::fresh(kind));
    let config = tempfile::tempdir().expect("a config directory");
    let env = [
        ("LEDGERDESK_DB", db.url.clone()),
        ("LEDGERDESK_CONFIG_DIR", config.path().display().to_string()),
        ("USER", "e2e-clerk".to_owned()),
        ("LEDGERDESK_RETRY_SCHEDULE", webhooks::RETRY_SCHEDULE.to_owned()),
    ];
    let shots = screenshot_dir(backend);
    let app = Driver::launch(env!("CARGO_BIN_EXE_ledgerdesk-desktop").as_ref(), &env, "#nav-invoices", shots.clone());
    eprintln!("{backend}: launch to first interactive screen: {} ms", app.launch_ms);

    // A fresh book opens on Settings with the first-run set-up.
    app.wait_text("#first-run", "the first-run hint", |t| t.contains("Set up your company"));
    app.screenshot("01-settings-first-run");
    app.fill("#setup-code", "ACME");
    app.fill("#setup-name", "Acme Ltd");
    app.click("#setup-submit");
    app.wait_text("#notice", "the set-up confirmation", |t| t.contains("Tenant ACME ready with series INV"));
    app.wait_text("#context", "the selected tenant", |t| t.starts_with("ACME · e2e-clerk"));

    // First invoice: live totals with the backend's rounding, then the number.
    issue_one(&app, "Monthly bookkeeping", "3", "0.335");
    app.wait_text("#total", "live totals", |t| t == "1.21 EUR"); // 1.005 → 1.01 net, 0.20 tax
    app.screenshot("02-issue-form");
    app.click("#issue-submit");
    let notice = app.wait_text("#notice", "the issue confirmation", |t| t.starts_with("Issued "));
    assert!(notice.contains("-00001-ACME for 1.21 EUR"), "{notice}");
    app.click("#nav-invoices");
    app.wait_text("#invoice-table td.number", "invoice 1 in the list", |t| t.contains("-00001-ACME"));
    app.screenshot("03-invoice-list-one");

    // Second invoice.
    issue_one(&app, "Payroll run", "1", "99.99");
    app.wait_text("#total", "live totals", |t| t == "119.99 EUR");
    app.click("#issue-submit");
    app.wait_text("#notice", "the second number", |t| t.contains("-00002-ACME"));
    app.click("#nav-invoices");
    app.wait_text("#invoice-table td.number", "invoice 2 first in the list", |t| t.contains("-00002-ACME"));
    app.screenshot("04-invoice-list-two");

    // A validation error: the banner shows the code and the message, and the form keeps its input.
    issue_one(&app, "Nothing at all", "0", "10");
    app.click("#issue-submit");
    app.wait_text("#error-code", "the error code", |t| t == "line_quantity_invalid");
    let message = app.text("#error-message");
    assert!(message.contains("line 1") && message.contains("quantity"), "{message}");
    assert_eq!(app.value(".line-description"), "Nothing at all", "a failed submit must not clear the form");
    app.screenshot("05-validation-error");

    // The same error in Turkish once the language is switched.
    app.click("#nav-settings");
    app.find("#settings-language");
    app.fill("#settings-user", "e2e-clerk");
    app.click("#settings-language option[value='tr']");
    app.click("#save-settings");
    app.wait_text("#notice", "saved settings", |t| t.contains("Settings saved"));
    issue_one(&app, "Hiçbir şey", "0", "10");
    app.click("#issue-submit");
    app.wait_text("#error-message", "the Turkish message", |t| t.contains("Satır 1"));
    app.screenshot("06-validation-error-tr");

    // The audit and the detail view.
    app.click("#nav-audit");
    app.wait_text("#audit-table tbody", "a continuous series", |t| t.contains("continuous") && t.contains("INV"));
    app.screenshot("07-audit");
    app.click("#nav-invoices");
    app.click("#invoice-table tr.row td.number");
    app.wait_text("#detail-number", "the detail view", |t| t.contains("-00002-ACME"));
    app.wait_text("#detail-total", "the stored total", |t| t == "119.99 EUR");
    app.screenshot("08-invoice-detail");

    license_flow(&app, &runtime, &db);
    webhooks::webhook_flow(&app, &runtime, &db);
    exports::export_flow(&app);
    credits::credit_flow(&app);
    documents::document_flow(&app, &shots);
    batch::batch_flow(&app, config.path());
    if kind == Kind::Sqlite {
        book_flow(&app, config.path());
    }
}

/// A mistyped path in Settings asks before a book is created, and Cancel creates nothing; New book…
/// creates one on purpose, for its owner alone.
fn book_flow(app: &Driver, folder: &std::path::Path) {
    let typo = folder.join("typo").join("bookz.sqlite3");
    app.click("#nav-settings");
    app.fill("#settings-path", &typo.display().to_string());
    app.click("#save-settings");
    // The question follows the language of messages (Turkish since the flow above switched it).
    app.wait_text("#create-book", "the question", |t| {
        t.contains("Burada defter yok — yeni bir defter oluşturulsun mu?")
    });
    assert!(app.text("#create-book-path").ends_with("bookz.sqlite3"));
    app.screenshot("12-no-book-here");
    app.click("#create-book-cancel");
    app.wait_gone("#create-book", "the question");
    assert!(!folder.join("typo").exists(), "cancelling created neither the book nor its folder");
    app.click("#nav-invoices");
    // The newest invoice of the book (the batch screen issued the last ones).
    app.wait_text("#invoice-table tbody", "the same book still open", |t| t.contains("-03001-ACME"));

    let second = folder.join("second.sqlite3");
    app.click("#nav-settings");
    app.fill("#settings-path", &second.display().to_string());
    app.click("#new-book");
    app.click("#create-book-confirm");
    app.wait_text("#notice", "the new book", |t| t.contains("New book created"));
    let mode = std::fs::metadata(&second).expect("the new book").permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
    app.screenshot("13-new-book");
}

/// Licenses and idempotency records: one form submitted twice is one license and a replay; a stale
/// change shows what another desktop changed; the browser shows the key, its fingerprint and replay.
fn license_flow(app: &Driver, runtime: &tokio::runtime::Runtime, db: &TestDb) {
    app.click("#nav-licenses");
    app.fill("#assign-holder", "ana");
    app.fill("#assign-seats", "3");
    app.click("#assign-submit");
    app.wait_text("#notice", "the assignment", |t| t.starts_with("Assigned: license #1 to ana"));
    let key = app.text("#assign-key");
    assert!(key.starts_with("ui-"), "{key}");
    app.click("#assign-submit");
    app.wait_text("#notice", "the replay", |t| t.starts_with("Already assigned (replayed): license #1 to ana"));
    assert_eq!(app.text("#assign-key"), key, "an unchanged form keeps its key");
    let table = app.wait_text("#license-table tbody", "the license", |t| t.contains("ACTIVE"));
    assert_eq!(table.matches("ana").count(), 1, "one license, not two: {table}");
    app.screenshot("09-licenses-assigned-once");

    // Another desktop extends the license; this screen still shows version 1, so its Suspend is refused.
    runtime.block_on(async {
        let other_desktop = db.open().await;
        let change = ChangeLicense {
            tenant: "ACME".into(),
            license: 1,
            expected_version: 1,
            action: LicenseAction::Extend(Extension::ByDays(10)),
        };
        other_desktop.change_license(change, "other-desk", None).await.expect("the other desktop's extension");
    });
    app.click("#suspend-1");
    app.wait_text("#error-code", "the conflict code", |t| t == "version_conflict");
    app.wait_text("#conflict", "what changed", |t| t.contains("other-desk") && t.contains("expires"));
    app.screenshot("10-version-conflict");
    app.click("#conflict-reload");
    // The reloaded row replaces the stale one; click only the new one's button.
    app.wait_text("#license-1 td.version", "the reloaded version", |t| t == "2");
    app.click("#suspend-1");
    app.wait_text("#notice", "the suspension", |t| t.contains("License #1: SUSPENDED") && t.contains("version 3"));

    // The idempotency browser: the assignment's key, completed, with its one replay.
    app.click("#nav-idempotency");
    app.wait_text("#keys-table tbody", "the records", |t| t.contains(&key) && t.contains("license.suspend"));
    app.click("#keys-filter-command option[value='license.assign']");
    app.click("#keys-filter-submit");
    app.wait_text("#keys-table tbody", "only the assignment", |t| !t.contains("license.suspend"));
    app.click("#keys-table tr.row td.number");
    app.wait_text("#key-replays", "one replay served", |t| t == "1");
    assert_eq!(app.text("#key-fingerprint").len(), 64);
    let response = app.text("#key-response");
    assert!(response.contains("\"holder\":\"ana\"") && response.contains("\"version\":1"), "{response}");
    app.screenshot("11-idempotency-record");
}

#[test]
fn sqlite_issue_invoices_in_the_real_window() {
    issue_flow(Kind::Sqlite, "sqlite");
}

#[test]
fn postgres_issue_invoices_in_the_real_window() {
    issue_flow(Kind::Postgres, "postgres");
}

/// ACME with its series INV and a customer, for the people flow (set up by the owner before anyone
/// signs in).
pub async fn seed_for_people(owner: &ledgerdesk_core::AnyStore) {
    owner
        .add_tenant(ledgerdesk_core::NewTenant {
            code: "ACME".into(),
            name: "Acme Ltd".into(),
            time_zone: "UTC".into(),
            books_open_from: None,
            future_days_allowed: None,
        })
        .await
        .expect("ACME");
    let series = ledgerdesk_core::NewSeries {
        tenant: "ACME".into(),
        code: "INV".into(),
        format: None,
        reset: ledgerdesk_types::ResetPolicy::Monthly,
        corrective: false,
    };
    owner.add_series(series).await.expect("INV");
}

#[test]
fn sqlite_two_people_sign_in_in_the_real_window() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    people::two_people_sign_in(screenshot_dir("sqlite"));
}
