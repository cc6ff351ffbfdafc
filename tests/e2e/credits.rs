//! Credit notes in the real window: the newest invoice credited in full from its detail; the credit
//! note links to its invoice, and the invoice shows it is credited and lists the credit note.

use ledgerdesk_conformance::TestDb;
use ledgerdesk_core::NewSeries;
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::ResetPolicy;

use crate::driver::Driver;

pub fn credit_flow(app: &Driver, runtime: &tokio::runtime::Runtime, db: &TestDb) {
    // The corrective series, set up as an admin would (`ledgerdesk series add --kind corrective`).
    runtime.block_on(async {
        let admin = db.open().await;
        let series = NewSeries {
            tenant: "ACME".into(),
            code: "R".into(),
            format: Some("R{YYYY}-{SEQ:5}".into()),
            reset: ResetPolicy::Yearly,
            corrective: true,
        };
        admin.add_series(series).await.expect("the corrective series");
    });
    app.click("#nav-invoices");
    app.click("#invoice-table tr.row td.number");
    let number = app.wait_text("#detail-number", "the invoice", |t| t.ends_with("-ACME"));
    app.wait_text("#credit-series", "the corrective series offered", |t| t.contains('R'));
    app.fill("#credit-reason", "Billed twice");
    app.scroll_to("#credit-all");
    app.screenshot("25-credit-form");
    app.click("#credit-all");
    app.wait_text("#notice", "the credit note", |t| t.starts_with("Credit note R2026-00001 for -"));
    app.wait_text("#detail-number", "the credit note's detail", |t| t == "R2026-00001");
    let cites = app.wait_text("#detail-credit-of", "the invoice it corrects", |t| t.contains(&number));
    assert!(cites.contains("Billed twice"), "{cites}");
    app.screenshot("26-credit-note");

    // Its link leads back to the invoice, now credited, listing the credit note.
    app.click("#detail-credit-of button.link");
    app.wait_text("#detail-number", "the credited invoice", |t| t == number);
    app.wait_text("#detail-credit-status", "credited in full", |t| t.starts_with("credited"));
    app.wait_text("#detail-credit-notes", "its credit note", |t| t.contains("R2026-00001"));
    app.screenshot("27-invoice-credited");
    app.click("#nav-invoices");
    app.wait_text("#invoice-table tbody", "both in the list", |t| {
        t.contains("R2026-00001") && t.contains("credit note")
    });
}
