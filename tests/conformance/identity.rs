//! Who is acting: each role does what the role table allows and nothing more, through the core API on
//! both databases; a write records the signed-in person whatever the request claims; on Postgres a
//! clerk in `psql` with their own password is held by the same rules (grants, row-level security,
//! triggers); offline, wrong passwords are refused, recorded and then paused.

use ledgerdesk_conformance::{Kind, OwnServer, Person, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, BatchItem, Error, NewSeries, Opening, StoreOptions};
use ledgerdesk_types::{
    ExportAction, ExportFormat, ExportState, ExportStep, IdempotencyQuery, Localized, NewDestination, NewUser,
    PrepareExport, ResetPolicy, Role, UserChange,
};

use crate::fixtures::{date, invoice, seed};

/// A book with ACME (series INV, customer C1), a CSV destination, and a clerk, an approver and an
/// administrator who may all see ACME.
struct Office {
    db: TestDb,
    owner: AnyStore,
    clerk: Person,
    approver: Person,
    admin: Person,
    _folder: tempfile::TempDir,
}

async fn office(kind: Kind) -> Office {
    let db = TestDb::fresh(kind).await;
    let owner = db.open().await;
    seed(&owner, "ACME").await;
    let folder = tempfile::tempdir().expect("a folder");
    let destination = NewDestination {
        tenant: "ACME".into(),
        name: "books".into(),
        format: ExportFormat::Csv,
        folder: folder.path().display().to_string(),
        advisor_number: None,
        client_number: None,
    };
    owner.add_destination(destination, "owner").await.expect("a destination");
    let clerk = db.person("clerk", &[Role::Clerk]).await;
    let approver = db.person("approver", &[Role::Approver]).await;
    let admin = db.person("admin", &[Role::Admin]).await;
    for person in [&clerk, &approver] {
        db.let_see(person, "ACME").await;
    }
    Office { db, owner, clerk, approver, admin, _folder: folder }
}

fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Ok(value) => panic!("expected a refusal, got {value:?}"),
        Err(e) => e.code().to_owned(),
    }
}

fn issued_by(person: &Person) -> ledgerdesk_core::IssueInvoice {
    ledgerdesk_core::IssueInvoice { user: person.name.clone(), ..invoice("ACME", date(2026, 11, 3)) }
}

fn series(code: &str) -> NewSeries {
    NewSeries { tenant: "ACME".into(), code: code.into(), format: None, reset: ResetPolicy::Yearly, corrective: false }
}

fn step(tenant: &str, export: &ledgerdesk_types::Export, action: ExportAction) -> ExportStep {
    ExportStep {
        tenant: tenant.into(),
        export: export.id,
        expected_version: export.version,
        action,
        reason: None,
        acknowledge: false,
    }
}

pub async fn each_role_does_what_its_table_allows_and_nothing_more(kind: Kind) {
    let office = office(kind).await;
    let (clerk, approver, admin) = (
        office.db.open_as(&office.clerk).await,
        office.db.open_as(&office.approver).await,
        office.db.open_as(&office.admin).await,
    );
    assert_eq!(clerk.identity().roles, [Role::Clerk]);
    assert!(!clerk.identity().owner);

    // A clerk issues, keeps customers and licenses, prepares and submits an export...
    let first = clerk.issue_invoice(issued_by(&office.clerk)).await.expect("a clerk issues");
    assert_eq!(first.created_by, office.clerk.name);
    let license = crate::fixtures::license("ACME", "holder-1");
    clerk.assign_license(license, &office.clerk.name, None).await.expect("a clerk assigns a license");
    let prepare =
        PrepareExport { tenant: "ACME".into(), destination: "books".into(), period: "202611".into(), series: None };
    let export = clerk.prepare_export(prepare, &office.clerk.name, Some("prep-1")).await.expect("prepared").value;
    let export = clerk
        .step_export(step("ACME", &export, ExportAction::Submit), &office.clerk.name, None)
        .await
        .expect("a clerk submits")
        .value;
    // ...but approves nothing, keeps no series, no webhooks, no people, purges nothing.
    let approve = step("ACME", &export, ExportAction::Approve);
    assert_eq!(
        code(clerk.step_export(approve.clone(), &office.clerk.name, Some("approve-1")).await),
        "permission_denied"
    );
    assert_eq!(code(clerk.add_series(series("CLK")).await), "permission_denied");
    assert_eq!(code(clerk.purge_idempotency_records(10).await), "permission_denied");
    assert_eq!(code(clerk.list_users().await), "permission_denied");
    // A refused request claims no key: the approver's own request with that key runs.
    let keys = office.owner.list_idempotency_records("ACME", &IdempotencyQuery::default()).await.expect("keys");
    assert!(keys.iter().all(|k| k.key != "approve-1"), "{keys:?}");

    // An approver approves what the clerk prepared (four eyes, between two real people), and issues too.
    let approved = approver.step_export(approve, &office.approver.name, None).await.expect("approved").value;
    assert_eq!(approved.state, ExportState::Approved);
    approver.issue_invoice(issued_by(&office.approver)).await.expect("an approver issues");
    assert_eq!(code(approver.add_series(series("APR")).await), "permission_denied");

    // An administrator keeps the set-up and the people, and issues nothing.
    admin.add_series(series("ADM")).await.expect("an administrator adds a series");
    assert_eq!(code(admin.issue_invoice(issued_by(&office.admin)).await), "permission_denied");
    let people = admin.list_users().await.expect("the people");
    for person in [&office.clerk, &office.approver, &office.admin] {
        assert!(people.iter().any(|p| p.name == person.name), "{people:?}");
    }
    let outsider =
        NewUser { name: format!("{}_x", office.clerk.name), password: "a long password here".into(), roles: vec![] };
    assert_eq!(code(admin.add_user(outsider).await), "invalid_input", "a person without a role is refused");

    // A revoked role ends at the next sign-in.
    let change = UserChange { name: office.clerk.name.clone(), roles: vec![Role::Clerk], tenants: vec![] };
    assert!(admin.revoke_user(change).await.expect("revoked").roles.is_empty());
    let clerk = office.db.open_as(&office.clerk).await;
    assert_eq!(code(clerk.issue_invoice(issued_by(&office.clerk)).await), "permission_denied");
    crate::fixtures::assert_exactly_one_to(&office.owner, "ACME", "202611", 2).await;
}

pub async fn a_write_names_the_signed_in_person_whatever_the_request_claims(kind: Kind) {
    let office = office(kind).await;
    let clerk = office.db.open_as(&office.clerk).await;
    let forged = ledgerdesk_core::IssueInvoice { user: office.approver.name.clone(), ..issued_by(&office.clerk) };
    assert_eq!(code(clerk.issue_invoice_keyed(forged.clone(), Some("forged-1")).await), "actor_not_signed_in");
    let batch = vec![BatchItem { request: forged, key: Some("forged-2".into()) }];
    let outcomes = clerk.issue_batch(batch).await.expect("a batch runs");
    assert_eq!(code(outcomes.into_iter().next().expect("its one outcome")), "actor_not_signed_in");
    let keys = office.owner.list_idempotency_records("ACME", &IdempotencyQuery::default()).await.expect("keys");
    assert!(keys.is_empty(), "a refused request claims no key: {keys:?}");
    assert_eq!(office.owner.list_invoices("ACME", &Default::default()).await.expect("invoices").len(), 0);

    let issued = clerk.issue_invoice_keyed(issued_by(&office.clerk), Some("own-1")).await.expect("issued").value;
    assert_eq!(issued.created_by, office.clerk.name);
    let trail = office.owner.list_audit("ACME", &Default::default()).await.expect("the trail");
    let entry = trail.iter().find(|e| e.subject == format!("invoice:{}", issued.number)).expect("its entry");
    assert_eq!(entry.actor, office.clerk.name);
}

/// Postgres alone: a clerk who opens `psql` with their own password is held by the grants, the
/// row-level policies and the triggers, not by the app.
pub async fn a_clerk_in_psql_is_held_by_the_database() {
    let office = office(Kind::Postgres).await;
    let (db, owner) = (&office.db, &office.owner);
    // A second tenant the clerk may not see, with an invoice, a webhook source and its secret.
    seed(owner, "OTHER").await;
    owner.issue_invoice(invoice("OTHER", date(2026, 11, 4))).await.expect("OTHER's invoice");
    let source = ledgerdesk_core::webhooks::inbound::NewSource {
        tenant: "OTHER".into(),
        name: "bank".into(),
        secret: None,
        user: "owner".into(),
    };
    owner.add_source(source).await.expect("a webhook source");
    let clerk = office.db.open_as(&office.clerk).await;
    clerk.issue_invoice(issued_by(&office.clerk)).await.expect("ACME's invoice, by the clerk");
    let license = crate::fixtures::license("ACME", "holder-1");
    clerk.assign_license(license, &office.clerk.name, None).await.expect("a license, by the clerk");
    let prepare =
        PrepareExport { tenant: "ACME".into(), destination: "books".into(), period: "202611".into(), series: None };
    let export = clerk.prepare_export(prepare, &office.clerk.name, None).await.expect("prepared").value;
    clerk.step_export(step("ACME", &export, ExportAction::Submit), &office.clerk.name, None).await.expect("submitted");

    // Another tenant's rows read as none, in every tenant table; the clerk's own tenant reads as it is.
    let other: i64 = db.count("SELECT id FROM tenants WHERE code = 'OTHER'").await;
    for table in [
        "invoices",
        "invoice_series",
        "customers",
        "invoice_sequences",
        "audit_trail",
        "outbox_events",
        "webhook_sources",
        "tenants",
        "supplier_details",
        "export_destinations",
    ] {
        let column = if table == "tenants" { "id" } else { "tenant_id" };
        let sql = format!("SELECT count(*) FROM {table} WHERE {column} = {other}");
        assert_eq!(db.count_as(&office.clerk, &sql).await, Ok(0), "{table}");
    }
    assert_eq!(db.count_as(&office.clerk, "SELECT count(*) FROM invoices").await, Ok(1));
    assert_eq!(
        db.count_as(&office.clerk, "SELECT count(*) FROM invoice_lines").await,
        Ok(1),
        "lines via their invoice"
    );
    assert_eq!(db.count("SELECT count(*) FROM invoices").await, 2, "the owner sees both");

    // Approving, changing a series, reading a secret, deleting, writing in someone else's name or into
    // another tenant: refused, each by the rule that holds it.
    let export_id = export.id;
    let approver = &office.approver.name;
    let refused = [
        (
            format!(
                "INSERT INTO export_approvals (export_id, kind, round, level, approver, snapshot_hash, acknowledged, \
                 approved_at, lapses_at) VALUES ({export_id}, 'export', 1, 1, session_user, 'x', false, now(), now())"
            ),
            "permission denied for table export_approvals",
        ),
        (format!("UPDATE exports SET state = 'APPROVED' WHERE id = {export_id}"), "only an approver"),
        ("UPDATE invoice_series SET format = '{SEQ}'".to_owned(), "permission denied for table invoice_series"),
        ("SELECT * FROM webhook_source_secrets".to_owned(), "permission denied for table webhook_source_secrets"),
        ("DELETE FROM invoices".to_owned(), "permission denied for table invoices"),
        ("DELETE FROM invoice_lines".to_owned(), "permission denied for table invoice_lines"),
        (format!("UPDATE licenses SET updated_by = '{approver}'"), "actor_not_signed_in"),
        (
            "SELECT ledgerdesk_set_tenant_access(session_user, 'OTHER', true)".to_owned(),
            "permission denied for function",
        ),
        (
            format!("INSERT INTO customers (tenant_id, code, name, created_at) VALUES ({other}, 'SPY', 'Spy', now())"),
            "row-level security",
        ),
    ];
    for (sql, rule) in &refused {
        let outcome = db.execute_as(&office.clerk, sql).await;
        assert!(outcome.as_ref().is_err_and(|e| e.contains(rule)), "{sql}: {outcome:?}, expected {rule:?}");
    }
    assert_eq!(db.count("SELECT count(*) FROM export_approvals").await, 0);
    assert_eq!(
        db.count(&format!("SELECT count(*) FROM exports WHERE id = {export_id} AND state = 'UNDER_REVIEW'")).await,
        1
    );
    assert_eq!(db.count("SELECT count(*) FROM customers WHERE code = 'SPY'").await, 0);
    assert_eq!(db.count(&format!("SELECT count(*) FROM licenses WHERE updated_by = '{approver}'")).await, 0);
}

/// SQLite alone (on Postgres the server checks passwords): a wrong password is refused and recorded,
/// and after five failures even the right one waits out the window; an unknown name fails alike.
pub async fn offline_wrong_passwords_are_refused_recorded_and_then_paused() {
    let db = TestDb::fresh(Kind::Sqlite).await;
    let AnyStore::Sqlite(book) = db.open().await else { unreachable!("a SQLite book") };
    assert!(!book.has_accounts().await.expect("accounts"));
    let clerk = db.person("clerk", &[Role::Clerk]).await;
    assert!(book.has_accounts().await.expect("accounts"));
    for _ in 0..ledgerdesk_core::identity::MAX_FAILED_SIGN_INS {
        let wrong = book.sign_in(&clerk.name, "not the password at all").await;
        assert_eq!(code(wrong.map(|_| ())), "sign_in_failed");
    }
    let paused = book.sign_in(&clerk.name, &clerk.password).await;
    assert_eq!(code(paused.map(|_| ())), "sign_in_locked", "the right password waits out the window too");
    assert_eq!(code(book.sign_in("nobody_here", "whatever password").await.map(|_| ())), "sign_in_failed");
    assert_eq!(db.count("SELECT count(*) FROM sign_in_attempts").await, 7);
    assert_eq!(db.count("SELECT count(*) FROM sign_in_attempts WHERE outcome = 'wrong_password'").await, 6);
    assert!(db.execute("DELETE FROM sign_in_attempts").await.is_err(), "the attempts are kept as written");
    // Hostile sizes fail at once and are neither hashed nor recorded.
    let huge = "x".repeat(1 << 20);
    assert_eq!(code(book.sign_in(&huge, "whatever password").await.map(|_| ())), "sign_in_failed");
    assert_eq!(code(book.sign_in("nobody_here", &huge).await.map(|_| ())), "sign_in_failed");
    assert_eq!(db.count("SELECT count(*) FROM sign_in_attempts").await, 7);
    // Another person is not paused by the first one's failures.
    let approver = db.person("approver", &[Role::Approver]).await;
    let signed_in = book.sign_in(&approver.name, &approver.password).await.expect("signed in");
    assert_eq!(signed_in.identity().roles, [Role::Approver]);
}

/// Postgres alone, on a server of the test's own that checks passwords (the suite's shared one trusts
/// every local connection): a login made by `add_user` signs in with its password, so the SCRAM verifier
/// made on the client is the server's own kind; a wrong password is `sign_in_failed`; and the server
/// keeps only the verifier.
pub async fn a_new_login_signs_in_with_its_password_and_no_other() {
    let server = OwnServer::with_passwords();
    let owner = AnyStore::open_as(&server.url(), StoreOptions::default(), Opening::CreateIfMissing)
        .await
        .expect("the book on the own server");
    let password = "ana-has-a-long-password";
    let ana = NewUser { name: "ana".into(), password: password.into(), roles: vec![Role::Clerk] };
    owner.add_user(ana).await.expect("ana's login");
    let url = |password: &str| format!("postgres://ana:{password}@127.0.0.1:{}/postgres", server.port);

    let ana = AnyStore::open(&url(password), StoreOptions::default()).await.expect("ana signs in");
    assert_eq!((ana.identity().name.as_str(), ana.identity().roles.as_slice()), ("ana", &[Role::Clerk][..]));
    assert!(!ana.identity().owner);
    let wrong = AnyStore::open(&url("not-her-password-at-all"), StoreOptions::default()).await;
    assert_eq!(code(wrong.map(|_| ())), "sign_in_failed");

    let AnyStore::Postgres(pg) = &owner else { unreachable!("a Postgres book") };
    let stored: String = sqlx::query_scalar("SELECT rolpassword FROM pg_authid WHERE rolname = 'ana'")
        .fetch_one(pg.pool())
        .await
        .expect("ana's stored secret");
    assert!(stored.starts_with("SCRAM-SHA-256$4096:") && !stored.contains(password), "{stored}");
}

/// Postgres alone, on a server of the test's own speaking TLS with a certificate of its own authority:
/// `sslmode=verify-full` with that authority connects over TLS; with another authority, or to a name the
/// certificate does not carry, it is refused `tls_verification_failed` before anything is sent.
pub async fn tls_to_postgres_verifies_the_servers_certificate() {
    let server = OwnServer::with_tls();
    let url = |host: &str, ca: &std::path::Path| {
        format!("postgres://postgres@{host}:{}/postgres?sslmode=verify-full&sslrootcert={}", server.port, ca.display())
    };
    let store =
        AnyStore::open_as(&url("localhost", &server.ca_file()), StoreOptions::default(), Opening::CreateIfMissing)
            .await
            .expect("verify-full with the server's own authority");
    assert!(session_encrypted(&store).await, "the session is not encrypted");
    let AnyStore::Postgres(pg) = &store else { unreachable!("a Postgres book") };
    assert_eq!(pg.transport().await.expect("the transport"), "TLS, server certificate verified, host name checked");

    let elsewhere = tempfile::tempdir().expect("a folder");
    let other_ca = ledgerdesk_conformance::certificate_authority(elsewhere.path(), "Someone else's CA");
    let refused = AnyStore::open(&url("localhost", &other_ca), StoreOptions::default()).await;
    let refused = refused.map(|_| ()).unwrap_err();
    assert_eq!(refused.code(), "tls_verification_failed", "{refused:?}");
    // The certificate names localhost and 127.0.0.1, and nothing else.
    let refused = AnyStore::open(&url("127.0.0.2", &server.ca_file()), StoreOptions::default()).await;
    assert!(refused.is_err(), "a host the certificate does not name was accepted");
}

/// Whether the Postgres `store`'s sessions are encrypted, as the server sees them.
async fn session_encrypted(store: &AnyStore) -> bool {
    let AnyStore::Postgres(pg) = store else { unreachable!("a Postgres book") };
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(pg.pool())
        .await
        .expect("the session's TLS state")
}

/// Whether a book opened at `url` talks to its server over TLS.
async fn encrypted_at(url: &str) -> bool {
    let store = AnyStore::open_as(url, StoreOptions::default(), Opening::CreateIfMissing)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e:?}"));
    session_encrypted(&store).await
}

/// Postgres alone, on servers of the test's own: to a server on this machine, a URL that does not name
/// sslmode connects without TLS (encryption there protects nothing and costs half of grouped issuing's
/// speed), one that names it gets it, and a server that admits TLS connections alone is still reached,
/// over TLS.
pub async fn a_server_on_this_machine_is_reached_without_tls_unless_asked() {
    if std::env::var_os("PGSSLMODE").is_some() {
        return; // The environment names the mode then, and every connection honours it.
    }
    let offers_tls = OwnServer::with_tls();
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", offers_tls.port);
    assert!(!encrypted_at(&url).await, "no sslmode, on this machine: encrypted");
    assert!(encrypted_at(&format!("{url}?sslmode=require")).await, "sslmode=require: not encrypted");

    let insists = OwnServer::with_tls_only();
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", insists.port);
    assert!(encrypted_at(&url).await, "a server admitting TLS alone was reached without it");
    let refused = AnyStore::open(&format!("{url}?sslmode=disable"), StoreOptions::default()).await;
    assert!(refused.is_err(), "sslmode=disable reached a server admitting TLS alone");
}
