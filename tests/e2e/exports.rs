//! A staged export in the real window: a DATEV destination, an export prepared and corrected with a
//! reason, the approval refused to its preparer and given by another user, the file posted, the diff
//! side by side, and the audit chain verified.

use crate::driver::Driver;

/// Changes the user the app records (Settings → You).
fn become_user(app: &Driver, user: &str) {
    app.click("#nav-settings");
    app.fill("#settings-user", user);
    app.click("#save-settings");
    app.wait_text("#notice", "the saved settings", |t| t.contains("Settings saved"));
    app.wait_text("#context", "the new user", |t| t.contains(user));
}

pub fn export_flow(app: &Driver) {
    let folder = tempfile::tempdir().expect("a destination folder");
    app.click("#nav-exports");
    app.fill("#destination-name", "datev");
    app.fill("#destination-folder", &folder.path().display().to_string());
    app.fill("#destination-advisor", "29098");
    app.fill("#destination-client", "55003");
    app.click("#destination-submit");
    app.wait_text("#notice", "the destination", |t| t.contains("Destination datev writes to"));
    app.wait_text("#prepare-destination", "the destination offered", |t| t.contains("datev (datev)"));
    app.click("#prepare-submit");
    app.wait_text("#notice", "the prepared export", |t| t.starts_with("Export #1 prepared"));
    app.wait_text("#export-state", "prepared", |t| t == "prepared");

    // A correction, with its reason, by the preparer.
    app.click("#export-rows tbody tr:first-child td.field-cost_centre");
    app.fill("#edit-value", "K-100");
    app.fill("#edit-reason", "Consulting belongs to cost centre K-100");
    app.click("#edit-save");
    app.wait_text("#notice", "the edit", |t| t.contains("cost_centre"));
    app.wait_text("#export-rows tbody tr:first-child td.field-cost_centre", "the new value", |t| t == "K-100");
    app.click("#export-submit");
    app.wait_text("#export-state", "under review", |t| t == "under review");
    // The messages are Turkish by now (the flow before switched the language).
    app.wait_text("#export-why-not", "why the preparer may not approve", |t| t.contains("dört göz"));
    app.scroll_to("#export-why-not");
    app.screenshot("21-export-four-eyes");

    become_user(app, "reviewer");
    app.click("#nav-exports");
    app.click("#exports-table tr.row td");
    app.wait_text("#export-state", "under review", |t| t == "under review");
    app.click("#export-approve");
    app.wait_text("#export-state", "approved", |t| t == "approved");
    app.click("#export-post");
    app.wait_text("#export-state", "posted", |t| t == "posted");
    let posted = app.text("#export-posted");
    assert!(posted.contains("EXTF_ACME_") && posted.contains("sha256"), "{posted}");
    app.screenshot("22-export-posted");
    let files: Vec<String> = std::fs::read_dir(folder.path())
        .expect("the folder")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1, "one file: {files:?}");
    let bytes = std::fs::read(folder.path().join(&files[0])).expect("the posted file");
    assert!(bytes.starts_with(b"\"EXTF\";700;21;") && bytes.windows(2).any(|w| w == b"\r\n"), "a DATEV file");
    assert!(bytes.windows(7).any(|w| w == b"\"K-100\""), "with the corrected cost centre");

    app.click("#export-tab-diff");
    let diff = app.wait_text("#export-diff tbody", "the change", |t| t.contains("cost_centre") && t.contains("K-100"));
    assert!(diff.contains("e2e-clerk") && diff.contains("Consulting belongs to cost centre K-100"), "{diff}");
    app.scroll_to("#export-diff");
    app.screenshot("23-export-diff");
    app.click("#export-tab-trail");
    app.click("#verify-chain");
    app.wait_text("#chain-verdict", "an intact chain", |t| t.starts_with("Intact"));
    let trail = app.text("#export-trail tbody");
    for action in ["export.prepare", "export.edit", "export.submit", "export.approve", "export.post"] {
        assert!(trail.contains(action), "{action} in {trail}");
    }
    app.scroll_to("#export-trail");
    app.screenshot("24-export-trail-verified");
    become_user(app, "e2e-clerk");
}
