//! Batch issue in the real window: a CSV of 3,000 invoices (two of them bad) previewed, started and
//! cancelled after a chunk, then run again to the end: the run issues only what the cancelled one had
//! not, the two bad records are listed by line, and nothing is issued twice.

use std::path::Path;

use crate::driver::Driver;

const RECORDS: usize = 3_000;

fn write_file(folder: &Path) -> String {
    let mut csv = String::from("ref,customer,date,currency,description,quantity,unit_price,tax_rate\n");
    for i in 0..RECORDS {
        let price = match i {
            7 => "12,50".to_owned(), // a comma decimal: refused with its line
            _ => format!("{}.00", 10 + i % 90),
        };
        let customer = if i == 11 { "NOBODY" } else { "" };
        csv.push_str(&format!("sub-{i},{customer},,,Monthly plan,1,{price},21\n"));
    }
    let path = folder.join("subscriptions.csv");
    std::fs::write(&path, csv).expect("the batch file");
    path.display().to_string()
}

fn state(app: &Driver) -> String {
    app.find("#batch-progress h2");
    app.text("#batch-progress h2")
}

pub fn batch_flow(app: &Driver, folder: &Path) {
    let path = write_file(folder);
    app.click("#nav-batch");
    app.fill("#batch-path", &path);
    app.click("#batch-check");
    app.wait_text("#batch-preview h2", "the preview", |t| t.contains("3000 records, 1 cannot be issued as written"));
    let errors = app.text("#batch-preview-errors");
    assert!(errors.contains("9") && errors.contains("batch_record_invalid"), "line 9 holds 12,50: {errors}");
    app.screenshot("31-batch-preview");

    // Started, then cancelled: it stops after the chunk in flight, having issued only whole chunks.
    app.click("#batch-start");
    app.wait_text("#batch-progress h2", "the run to start", |t| !t.is_empty());
    app.click("#batch-cancel");
    let stopped =
        app.wait_text("#batch-progress h2", "the run to stop", |t| t.contains("cancelled") || t.contains("done"));
    let counts = app.text("#batch-counts");
    app.scroll_to("#batch-progress");
    app.screenshot("32-batch-cancelled");
    eprintln!("batch: {stopped}: {counts}");

    // Run again to the end: what the first run issued is replayed, not issued twice.
    app.click("#batch-start");
    app.wait_text("#batch-progress h2", "the run to finish", |t| t.contains("done"));
    let counts = app.wait_text("#batch-counts", "the final counts", |t| t.starts_with("3000 of 3000"));
    let number = |label: &str| -> usize {
        let field = counts.split(" · ").find(|part| part.ends_with(label) || part.contains(label)).unwrap_or("");
        field.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX)
    };
    let (issued, replayed, failed) = (number("issued"), number("replayed"), number("not issued"));
    assert_eq!(failed, 2, "{counts}");
    assert_eq!(issued + replayed, RECORDS - 2, "{counts}");
    assert!(!stopped.contains("cancelled") || replayed > 0, "a cancelled run had issued whole chunks: {counts}");
    let errors = app.text("#batch-run-errors");
    assert!(errors.contains("customer_not_found") && errors.contains("sub-11"), "{errors}");
    app.wait_text("#notice", "the finish notice", |t| t.starts_with("Batch finished"));
    app.scroll_to("#batch-progress");
    app.screenshot("33-batch-done");
    assert!(state(app).contains("done"));
}
