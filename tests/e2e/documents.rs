//! The invoice document in the real window: the supplier's details set in Settings, then the newest
//! document (a credit note, in Turkish) saved as a PDF from its detail, read back with `pdftotext` and
//! rendered to PNG with `pdftoppm` to look at; a second save is the same bytes.

use std::path::Path;
use std::process::Command;

use crate::driver::Driver;

pub fn document_flow(app: &Driver, shots: &Path) {
    app.click("#nav-settings");
    // WebDriver types a new line as the Enter key (U+E007); a "\n" would be dropped.
    app.fill("#supplier-address", "Büyükdere Cad. No: 1\u{E007}34394 Şişli / İstanbul");
    app.fill("#supplier-vat-id", "TR1234567890");
    app.fill("#supplier-iban", "TR33 0006 1005 1978 6457 8413 26");
    app.click("#supplier-language option[value='tr']");
    app.click("#supplier-submit");
    app.wait_text("#notice", "the details saved", |t| t.contains("Document details saved"));
    app.scroll_to("#supplier-form");
    app.screenshot("28-supplier-details");

    app.click("#nav-invoices");
    app.click("#invoice-table tr.row td.number");
    let number = app.wait_text("#detail-number", "the newest document", |t| t.starts_with('R'));
    app.wait_text("#pdf-path", "a suggested place", |_| !app.value("#pdf-path").is_empty());
    let pdf = shots.join(format!("{number}.pdf"));
    let _ = std::fs::remove_file(&pdf);
    app.fill("#pdf-path", &pdf.display().to_string());
    app.click("#pdf-save");
    app.wait_text("#notice", "the PDF saved", |t| t.contains("first print"));
    let saved = app.wait_text("#pdf-saved", "its hash", |t| t.contains("SHA-256"));
    app.scroll_to("#pdf-form");
    app.screenshot("29-pdf-saved");

    let text = pdftotext(&pdf);
    for expected in ["İade faturası", number.as_str(), "Düzelttiği fatura", "Vergi no: TR1234567890"] {
        assert!(text.contains(expected), "{expected:?} is not in the saved PDF:\n{text}");
    }
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for line in ["Büyükdere Cad. No: 1", "34394 Şişli / İstanbul"] {
        assert!(lines.contains(&line), "the address line {line:?} is not a line of its own:\n{text}");
    }
    let first = std::fs::read(&pdf).expect("the saved PDF");
    let sha = ledgerdesk_core::documents::sha256_hex(&first);
    assert!(saved.contains(&sha), "the detail shows another hash than the file's: {saved}");
    let page = shots.join("30-pdf-page");
    let status = Command::new("pdftoppm").args(["-png", "-r", "80", "-singlefile"]).arg(&pdf).arg(&page).status();
    assert!(status.is_ok_and(|s| s.success()), "pdftoppm (poppler-utils) could not render the PDF");

    app.click("#pdf-save");
    app.wait_text("#notice", "the reprint", |t| t.contains("identical to its first print"));
    assert!(std::fs::read(&pdf).expect("the reprinted PDF") == first, "a reprint from the window differs");
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(pdf).arg("-").output();
    let out = out.expect("pdftotext (poppler-utils) must be installed: .ci/run installs it");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
