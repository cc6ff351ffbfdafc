//! Credit notes in the real window: a corrective series added in Settings, half of the newest invoice
//! credited from its detail, then the rest;
//! each credit note links to its invoice, and the invoice shows how much is credited and lists both.

use crate::driver::Driver;

pub fn credit_flow(app: &Driver) {
    // The corrective series, added in Settings.
    app.click("#nav-settings");
    app.fill("#series-code", "R");
    app.fill("#series-format", "R{YYYY}-{SEQ:5}");
    app.click("#series-reset option[value='yearly']");
    app.click("#series-kind option[value='corrective']");
    app.scroll_to("#series-form");
    app.click("#series-submit");
    app.wait_text("#notice", "the corrective series", |t| t.contains("corrective series R saved"));
    app.screenshot("24b-corrective-series");
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
