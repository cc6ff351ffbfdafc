//! Two people in the real window, on a book that keeps accounts: the app opens on its sign-in screen
//! and shows nothing else; a wrong password is refused; a clerk sees the screens a clerk works in and
//! issues an invoice in their own name; signed out, an administrator sees People (and no New invoice),
//! adds a person, and takes a role away.

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::Role;
use ledgerdesk_types::api::{Connection, Language, Settings};

use crate::driver::Driver;

fn sign_in(app: &Driver, name: &str, password: &str) {
    app.fill("#sign-in-name", name);
    app.fill("#sign-in-password", password);
    app.click("#sign-in-submit");
}

pub fn two_people_sign_in(shots: std::path::PathBuf) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let db = runtime.block_on(TestDb::fresh(Kind::Sqlite));
    let (clerk, admin) = runtime.block_on(async {
        let owner = db.open().await;
        crate::seed_for_people(&owner).await;
        (db.person("clerk", &[Role::Clerk]).await, db.person("admin", &[Role::Admin]).await)
    });
    // The desktop opens the book on ACME, as its settings say.
    let config = tempfile::tempdir().expect("a config directory");
    let settings = Settings {
        connection: Connection::Sqlite { path: db.url.trim_start_matches("sqlite:").to_owned() },
        tenant: Some("ACME".into()),
        user: "nobody-typed-this".into(),
        language: Language::En,
    };
    std::fs::write(config.path().join("settings.json"), serde_json::to_string(&settings).unwrap()).unwrap();
    let env = [("LEDGERDESK_CONFIG_DIR", config.path().display().to_string())];
    let app = Driver::launch(env!("CARGO_BIN_EXE_ledgerdesk-desktop").as_ref(), &env, "#sign-in-name", shots);
    app.wait_gone("#nav-invoices", "every screen but the sign-in");
    app.screenshot("40-sign-in");

    sign_in(&app, &clerk.name, "not the password");
    app.wait_text("#error-code", "the refusal", |t| t == "sign_in_failed");
    app.screenshot("41-sign-in-refused");

    // The clerk: the screens a clerk works in, no People; an invoice in the clerk's own name.
    sign_in(&app, &clerk.name, &clerk.password);
    app.wait_text("#context", "the clerk signed in", |t| t.contains(&format!("{} (clerk)", clerk.name)));
    app.find("#nav-new-invoice");
    app.wait_gone("#nav-people", "People, for a clerk");
    crate::issue_one(&app, "Signed-in bookkeeping", "1", "10");
    app.click("#issue-submit");
    app.wait_text("#notice", "the issue confirmation", |t| t.starts_with("Issued "));
    app.click("#nav-invoices");
    app.click("#invoice-table tr.row td.number");
    app.wait_text("#detail-issued-by", "the clerk as its author", |t| t.starts_with(&format!("{} at", clerk.name)));
    app.screenshot("42-clerk-signed-in");
    app.click("#sign-out");
    app.find("#sign-in-form");
    app.wait_gone("#nav-invoices", "the clerk's screens, signed out");

    // The administrator: People, and no New invoice.
    sign_in(&app, &admin.name, &admin.password);
    app.wait_text("#context", "the administrator signed in", |t| t.contains(&format!("{} (admin)", admin.name)));
    app.wait_gone("#nav-new-invoice", "New invoice, for an administrator");
    app.click("#nav-people");
    app.wait_text("#people-table tbody", "both people", |t| t.contains(&clerk.name) && t.contains(&admin.name));
    app.fill("#person-name", "third_person");
    app.fill("#person-password", "a third long password");
    app.click("#person-role option[value='approver']");
    app.click("#person-submit");
    app.wait_text("#notice", "the new person", |t| t == "Added third_person: approver");
    app.click(&format!("#revoke-clerk-{}", clerk.name));
    app.wait_text("#notice", "the role taken away", |t| {
        t.contains(&format!("{} revoked clerk: now no role", clerk.name))
    });
    app.screenshot("43-people");
    app.click("#sign-out");
    app.find("#sign-in-form");

    // What the window did, as the book kept it.
    let people = runtime.block_on(async { db.open().await.list_users().await.expect("the people") });
    let roles = |name: &str| people.iter().find(|p| p.name == name).map(|p| p.roles.clone());
    assert_eq!(roles("third_person"), Some(vec![Role::Approver]));
    assert_eq!(roles(&clerk.name), Some(vec![]));
    let attempts = runtime.block_on(db.count("SELECT count(*) FROM sign_in_attempts WHERE outcome = 'wrong_password'"));
    assert_eq!(attempts, 1);
}
