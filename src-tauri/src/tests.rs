//! The commands called directly, without a window, on real stores: a SQLite file and a Postgres
//! database, through Tauri's mock runtime for the managed state.

use chrono::NaiveDate;
use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_types::api::{Connection, CustomerRequest, IssueRequest, Language, Settings, SetupRequest};
use ledgerdesk_types::{
    AssignLicense, ChangeLicense, Currency, IdempotencyQuery, InvoiceListQuery, License, LicenseAction, LicenseQuery,
    LicenseStatus, LineInput, ResetPolicy,
};
use tauri::Manager;
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

use crate::commands::{idempotency, invoices, licenses, settings, setup};
use crate::secrets::Keyring;
use crate::settings::SettingsFile;
use crate::state::AppState;

struct Harness {
    app: tauri::App<MockRuntime>,
    config: tempfile::TempDir,
    db: TestDb,
}

impl Harness {
    async fn new(kind: Kind) -> Harness {
        let db = TestDb::fresh(kind).await;
        let config = tempfile::tempdir().expect("config dir");
        let file = SettingsFile::at(config.path().join("settings.json"), test_keyring());
        let mut state = AppState::load(file);
        state.use_connection_for_tests(connection_of(&db.url));
        let app = mock_builder().manage(state).build(mock_context(noop_assets())).expect("mock app");
        Harness { app, config, db }
    }

    fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }
}

/// Keyring entries of this test alone (the kernel keyring is shared by every process of the session).
fn test_keyring() -> Keyring {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Keyring::named(format!("ledgerdesk-test-{}-{n}", std::process::id()))
}

/// Whether any file under `dir` contains `secret`.
fn any_file_holds(dir: &std::path::Path, secret: &str) -> bool {
    std::fs::read_dir(dir)
        .expect("the config dir")
        .flatten()
        .any(|entry| std::fs::read(entry.path()).is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(secret)))
}

fn connection_of(url: &str) -> Connection {
    match url.strip_prefix("sqlite:") {
        Some(path) => Connection::Sqlite { path: path.to_owned() },
        None => Connection::Postgres { url: url.to_owned() },
    }
}

fn request(quantity: &str) -> IssueRequest {
    IssueRequest {
        series: "INV".into(),
        customer: Some("C1".into()),
        issue_date: NaiveDate::from_ymd_opt(2026, 11, 3),
        currency: Currency::Eur,
        lines: vec![LineInput {
            description: "Consulting".into(),
            quantity: quantity.parse().unwrap(),
            unit_price: "150.005".parse().unwrap(),
            tax_rate: "21".parse().unwrap(),
        }],
    }
}

fn setup_request() -> SetupRequest {
    SetupRequest {
        tenant_code: "ACME".into(),
        tenant_name: "Acme SL".into(),
        time_zone: "Europe/Madrid".into(),
        // The contracts' invoices are dated November 2026, whatever year they run in.
        books_open_from: NaiveDate::from_ymd_opt(2020, 1, 1),
        series_code: "INV".into(),
        series_format: "{YYYY}{MM}-{SEQ:5}-{SUFFIX}".into(),
        reset: ResetPolicy::Monthly,
    }
}

async fn issue_list_and_audit(kind: Kind) {
    let h = Harness::new(kind).await;
    // Nothing works before a tenant is chosen, and the error says so in both languages.
    let err = invoices::list_invoices(h.state(), InvoiceListQuery::default()).await.unwrap_err();
    assert_eq!(err.0.code, "tenant_not_selected");
    assert!(!err.0.message.is_empty() && !err.0.message_tr.is_empty());

    let series = setup::setup_tenant(h.state(), setup_request()).await.expect("set up");
    assert_eq!((series.tenant.as_str(), series.code.as_str()), ("ACME", "INV"));
    // The selection is remembered in the settings file.
    let saved = std::fs::read_to_string(h.config.path().join("settings.json")).expect("settings written");
    assert!(saved.contains("\"tenant\": \"ACME\""), "{saved}");
    let customer = CustomerRequest { code: "C1".into(), name: "Client One".into(), tax_id: None, address: Vec::new() };
    setup::add_customer(h.state(), customer).await.expect("customer");
    assert_eq!(setup::list_customers(h.state()).await.unwrap().len(), 1);
    assert_eq!(setup::list_series(h.state()).await.unwrap()[0].code, "INV");

    let first = invoices::issue_invoice(h.state(), request("2"), Some("form-1".into())).await.expect("issue").value;
    assert_eq!(first.number, "202611-00001-ACME");
    assert_eq!(first.total.to_string(), "363.01"); // 300.01 net + 63.00 tax
    assert_eq!(first.created_by, std::env::var("USER").unwrap_or_else(|_| "ledgerdesk".into()));

    // Bad input: a clear error with a code, and nothing written.
    let err = invoices::issue_invoice(h.state(), request("0"), None).await.unwrap_err();
    assert_eq!(err.0.code, "line_quantity_invalid");
    assert_eq!(err.0.details.as_deref(), Some("line 1"));
    let page = invoices::list_invoices(h.state(), InvoiceListQuery::default()).await.unwrap();
    assert_eq!(page.len(), 1);
    let shown = invoices::get_invoice(h.state(), first.number.clone()).await.unwrap();
    assert_eq!(shown, first);
    let audit = invoices::audit_numbering(h.state()).await.unwrap();
    assert!(audit[0].is_clean() && audit[0].count == 1);

    // The form's retry with its key replays the first answer and issues nothing.
    let retry = invoices::issue_invoice(h.state(), request("2"), Some("form-1".into())).await.expect("replay");
    assert!(retry.replayed && retry.value == first);
    assert_eq!(invoices::list_invoices(h.state(), InvoiceListQuery::default()).await.unwrap().len(), 1);
    drop(h.db);
}

async fn licenses_with_keys_and_their_records(kind: Kind) {
    let h = Harness::new(kind).await;
    setup::setup_tenant(h.state(), setup_request()).await.expect("set up");
    let request = AssignLicense {
        tenant: String::new(), // the selected tenant is used
        holder: "ana".into(),
        product: "books".into(),
        plan: "pro".into(),
        seats: 3,
        starts_at: None,
        expires_at: chrono::Utc::now() + chrono::Duration::days(30),
    };
    let first = licenses::assign_license(h.state(), request.clone(), Some("assign-1".into())).await.expect("assign");
    let again = licenses::assign_license(h.state(), request, Some("assign-1".into())).await.expect("replay");
    assert!(!first.replayed && again.replayed && again.value == first.value);
    assert_eq!(first.value.tenant, "ACME");

    let stale = ChangeLicense {
        tenant: String::new(),
        license: first.value.id,
        expected_version: 1,
        action: LicenseAction::Suspend,
    };
    licenses::change_license(h.state(), stale.clone(), Some("suspend-1".into())).await.expect("suspend");
    let err = licenses::change_license(h.state(), stale, None).await.unwrap_err();
    assert_eq!(err.0.code, "version_conflict");
    let now: License = serde_json::from_str(err.0.details.as_deref().expect("the license as it is now")).unwrap();
    assert_eq!((now.status, now.version), (LicenseStatus::Suspended, 2));

    let records = idempotency::list_idempotency_records(h.state(), IdempotencyQuery::default()).await.unwrap();
    assert_eq!(records.len(), 2);
    let user = records[0].user.clone();
    let record = idempotency::get_idempotency_record(h.state(), user, "license.assign".into(), "assign-1".into())
        .await
        .unwrap()
        .expect("a record");
    assert_eq!(record.replays, 1);
    assert_eq!(idempotency::purge_idempotency_records(h.state()).await.unwrap().removed, 0);
    assert_eq!(licenses::list_licenses(h.state(), LicenseQuery::default()).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_licenses_with_keys_and_their_records() {
    licenses_with_keys_and_their_records(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_licenses_with_keys_and_their_records() {
    licenses_with_keys_and_their_records(Kind::Postgres).await;
}

async fn switching_the_store_without_restart(kind: Kind) {
    let h = Harness::new(kind).await;
    setup::setup_tenant(h.state(), setup_request()).await.expect("set up");
    let without_customer = IssueRequest { customer: None, ..request("1") };
    invoices::issue_invoice(h.state(), without_customer, None).await.expect("issue");
    let before = settings::get_settings(h.state()).await.unwrap();

    // A connection that cannot open changes nothing.
    let broken = Settings {
        connection: Connection::Postgres { url: "postgres://nobody@127.0.0.1:1/none".into() },
        ..before.clone()
    };
    let err = settings::save_settings(h.state(), broken, None).await.unwrap_err();
    assert_eq!(err.0.code, "database_unavailable");
    assert_eq!(settings::get_settings(h.state()).await.unwrap(), before);
    assert_eq!(invoices::list_invoices(h.state(), InvoiceListQuery::default()).await.unwrap().len(), 1);

    // A path with no book: testing it, or saving it, creates nothing and changes nothing.
    let other_dir = tempfile::tempdir().unwrap();
    let other_path = other_dir.path().join("books").join("other.sqlite3");
    let other = Connection::Sqlite { path: other_path.display().to_string() };
    assert_eq!(settings::test_connection(h.state(), other.clone()).await.unwrap_err().0.code, "book_not_found");
    let switched = Settings { connection: other, language: Language::Tr, ..before.clone() };
    let err = settings::save_settings(h.state(), switched.clone(), None).await.unwrap_err();
    assert_eq!(err.0.code, "book_not_found");
    assert!(!other_dir.path().join("books").exists(), "neither the file nor its folder was created");
    assert_eq!(settings::get_settings(h.state()).await.unwrap(), before);

    // Creating it on purpose (the user said yes): the next command already uses it.
    settings::save_settings(h.state(), switched, Some(true)).await.expect("switch to a new book");
    let mode = std::fs::metadata(&other_path).expect("the new book").permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600, "a new book is its owner's alone");
    assert!(settings::book_status(h.state()).await.is_ok_and(|status| !status.read_only));
    let err = invoices::list_invoices(h.state(), InvoiceListQuery::default()).await.unwrap_err();
    assert_eq!(err.0.code, "tenant_not_found", "the new book has no tenant ACME yet");
    setup::setup_tenant(h.state(), setup_request()).await.expect("set up again");
    assert!(invoices::list_invoices(h.state(), InvoiceListQuery::default()).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_commands_issue_list_and_audit() {
    issue_list_and_audit(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_commands_issue_list_and_audit() {
    issue_list_and_audit(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_switches_without_restart() {
    switching_the_store_without_restart(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_switches_without_restart() {
    switching_the_store_without_restart(Kind::Postgres).await;
}

/// The Postgres password never touches the settings file: an old file that held one is migrated into
/// the keyring on load, and a URL saved with one keeps it in the keyring, the book still opening.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_password_is_kept_in_the_keyring_never_in_the_settings_file() {
    let db = TestDb::fresh(Kind::Postgres).await;
    db.open().await;
    let with_password =
        |password: &str| db.url.replacen("postgres://postgres@", &format!("postgres://postgres:{password}@"), 1);
    let config = tempfile::tempdir().expect("config dir");
    let path = config.path().join("settings.json");
    let old = Settings {
        connection: Connection::Postgres { url: with_password("old-secret") },
        tenant: None,
        user: "ana".into(),
        language: Language::En,
    };
    std::fs::write(&path, serde_json::to_string(&old).unwrap()).unwrap();
    let keyring = test_keyring();

    let state = AppState::load(SettingsFile::at(path.clone(), keyring.clone()));
    assert!(!any_file_holds(config.path(), "old-secret"), "the old file still holds the password");
    assert_eq!(state.settings().await.connection, Connection::Postgres { url: db.url.clone() });
    assert_eq!(keyring.password_for(&db.url).as_deref(), Some("old-secret"));

    let app = mock_builder().manage(state).build(mock_context(noop_assets())).expect("mock app");
    let saved = Settings { connection: Connection::Postgres { url: with_password("new-secret") }, ..old };
    let shown = settings::save_settings(app.state::<AppState>(), saved, None).await.expect("saved");
    assert_eq!(shown.connection, Connection::Postgres { url: db.url.clone() }, "the UI gets the URL without it");
    assert!(!any_file_holds(config.path(), "new-secret"), "the saved file holds the password");
    assert_eq!(keyring.password_for(&db.url).as_deref(), Some("new-secret"));
    settings::book_status(app.state::<AppState>()).await.expect("the book opens with the kept password");
    let tested = settings::test_connection(app.state::<AppState>(), shown.connection.clone()).await.expect("tested");
    // No sslmode=verify-…: whether the server offers TLS or not, nothing was verified, and it says so.
    assert!(tested.contains("not encrypted") || tested.contains("NOT verified"), "{tested}");
    keyring.forget(&db.url);
}
