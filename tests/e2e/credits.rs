//! Credit notes in the real window: half of the newest invoice credited from its detail, then the rest;
//! each credit note links to its invoice, and the invoice shows how much is credited and lists both.

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

    // Half of its one line: a partial credit note, which cites the invoice.
    app.fill("#credit-reason", "Half of it was not delivered");
    app.fill(".credit-quantity", "0.5");
    app.scroll_to("#credit-lines");
    app.screenshot("25-credit-form");
    app.click("#credit-lines");
    app.wait_text("#notice", "the partial credit note", |t| t.starts_with("Credit note R2026-00001 for -"));
    app.wait_text("#detail-number", "the credit note's detail", |t| t == "R2026-00001");
    let cites = app.wait_text("#detail-credit-of", "the invoice it corrects", |t| t.contains(&number));
    assert!(cites.contains("Half of it was not delivered"), "{cites}");
    app.screenshot("26-credit-note");

    // Back on the invoice: partially credited, the rest still creditable; credit everything left.
    app.click("#detail-credit-of button.link");
    app.wait_text("#detail-number", "the invoice again", |t| t == number);
    app.wait_text("#detail-credit-status", "partially credited", |t| t.starts_with("partially credited"));
    app.fill("#credit-reason", "Cancelled");
    app.click("#credit-all");
    app.wait_text("#notice", "the second credit note", |t| t.starts_with("Credit note R2026-00002 for -"));
    app.click("#detail-credit-of button.link");
    app.wait_text("#detail-credit-status", "credited in full", |t| t.starts_with("credited"));
    app.wait_text("#detail-credit-notes", "both credit notes", |t| {
        t.contains("R2026-00001") && t.contains("R2026-00002")
    });
    app.screenshot("27-invoice-credited");
    app.click("#nav-invoices");
    app.wait_text("#invoice-table tbody", "all three in the list", |t| {
        t.contains("R2026-00002") && t.contains("credit note")
    });
}
