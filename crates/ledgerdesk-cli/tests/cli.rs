//! The CLI's own promises on bad input: a non-zero exit and exactly one line naming the error code.
//! (Its behaviour on real databases is in the conformance suite, which also relies on this test target
//! making cargo build the `ledgerdesk` binary.)

use std::process::{Command, Output};

fn ledgerdesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ledgerdesk")).args(args).env_remove("LEDGERDESK_DB").output().expect("run")
}

fn one_error_line(output: &Output) -> String {
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "exactly one line: {stderr}");
    assert!(output.stdout.is_empty(), "nothing on stdout on failure");
    stderr
}

/// A new book in `dir`, and a runner of `ledgerdesk --db BOOK …` on it.
fn new_book(dir: &std::path::Path) -> impl Fn(&[&str]) -> Output {
    let url = format!("sqlite:{}", dir.join("books.sqlite3").display());
    let run = move |args: &[&str]| {
        let all: Vec<&str> = ["--db", url.as_str()].iter().chain(args).copied().collect();
        ledgerdesk(&all)
    };
    assert!(run(&["init"]).status.success());
    run
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    let output = ledgerdesk(&["invoice", "issue", "--tenant", "ACME"]);
    assert_eq!(output.status.code(), Some(2));
    let line = one_error_line(&output);
    assert!(line.starts_with("error[invalid_arguments]: "), "{line}");
    assert!(line.contains("--series"), "{line}");
}

#[test]
fn a_bad_database_url_is_named() {
    let line = one_error_line(&ledgerdesk(&["--db", "mysql://x", "migrate"]));
    assert!(line.starts_with("error[invalid_database_url]: "), "{line}");
}

#[test]
fn bad_values_are_refused_before_the_database_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("books.sqlite3").display());
    let base = ["--db", url.as_str(), "invoice", "issue", "--tenant", "ACME", "--series", "INV"];
    let cases: [(&[&str], &str); 5] = [
        (&["--line", "Consulting|1|10|21", "--currency", "XYZ"], "error[invalid_input]: invalid currency"),
        (&["--line", "Consulting|1|10|21", "--date", "2026-02-30"], "error[invalid_input]: invalid date"),
        (&["--line", "Consulting|ten|10|21"], "error[invalid_input]: invalid line"),
        (&["--line", "Consulting|1|10|21|5"], "error[invalid_input]: invalid line"),
        (&["--line", "Consulting|1|10|21"], "error[book_not_found]"),
    ];
    for (extra, expected) in cases {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let line = one_error_line(&ledgerdesk(&args));
        assert!(line.starts_with(expected), "{line}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no command created a book");
}

#[test]
fn turkish_messages_on_request() {
    let output = Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
        .args(["--db", "mysql://x", "migrate"])
        .env("LEDGERDESK_LANG", "tr")
        .output()
        .unwrap();
    let line = one_error_line(&output);
    assert!(line.contains("Geçersiz veritabanı adresi"), "{line}");
}

#[test]
fn the_same_command_and_key_run_again_replay_the_first_answer() {
    let dir = tempfile::tempdir().unwrap();
    let run = new_book(dir.path());
    assert!(run(&["tenant", "add", "--code", "ACME", "--name", "Acme SL"]).status.success());
    // `--days` counts from today's midnight UTC, so the same command line is the same request all day.
    let assign = ["--json", "license", "assign", "--tenant", "ACME", "--holder", "ana", "--product", "books"];
    let assign: Vec<&str> =
        assign.iter().chain(&["--plan", "pro", "--days", "30", "--user", "clerk"]).copied().collect();
    let keyed: Vec<&str> = assign.iter().chain(&["--idempotency-key", "assign-1"]).copied().collect();
    let first = run(&keyed);
    let again = run(&keyed);
    assert!(first.status.success() && again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!((first["replayed"].as_bool(), again["replayed"].as_bool()), (Some(false), Some(true)));
    assert_eq!(first["id"], again["id"]);

    // Without the key, the same assignment is a second request, refused by the one-ACTIVE rule.
    let line = one_error_line(&run(&assign));
    assert!(line.starts_with("error[license_already_active]"), "{line}");
    let shown =
        run(&["idempotency", "show", "--tenant", "ACME", "--user", "clerk", "--command", "license.assign", "assign-1"]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("replays 1") && shown.contains("fingerprint"), "{shown}");
}

#[test]
fn a_batch_file_reports_each_bad_record_and_run_again_issues_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let run = new_book(dir.path());
    assert!(
        run(&["tenant", "add", "--code", "ACME", "--name", "Acme SL", "--books-open-from", "2026-01-01"])
            .status
            .success()
    );
    assert!(
        run(&["series", "add", "--tenant", "ACME", "--code", "INV", "--format", "INV-{SEQ:4}", "--reset", "never"])
            .status
            .success()
    );
    assert!(run(&["customer", "add", "--tenant", "ACME", "--code", "C1", "--name", "Ana"]).status.success());
    let file = dir.path().join("november.csv");
    std::fs::write(
        &file,
        "ref,customer,date,currency,description,quantity,unit_price,tax_rate\n\
         s1,C1,2026-11-30,EUR,Plan,1,100.00,21\n\
         s2,C9,2026-11-30,EUR,Plan,1,100.00,21\n\
         s3,C1,2026-11-30,EUR,Plan,one,100.00,21\n\
         s4,C1,2026-11-30,EUR,Plan,2,100.00,21\n",
    )
    .unwrap();
    let from = file.to_str().unwrap();
    let batch = ["--json", "invoice", "issue-batch", "--tenant", "ACME", "--series", "INV", "--from", from];
    let first = run(&batch);
    assert_eq!(first.status.code(), Some(4), "some records failed, the others took effect");
    let summary: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!((summary["issued"].as_u64(), summary["failed"].as_u64()), (Some(2), Some(2)));
    assert_eq!(
        (summary["first_number"].as_str(), summary["last_number"].as_str()),
        (Some("INV-0001"), Some("INV-0002"))
    );
    let codes: Vec<&str> = summary["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["batch_record_invalid", "customer_not_found"]);

    // Run again (as text): the two issued are replayed, the two bad records reported again by line.
    let again = run(&batch[1..]);
    let (stdout, stderr) = (String::from_utf8_lossy(&again.stdout), String::from_utf8_lossy(&again.stderr));
    assert!(stdout.contains("0 issued, 2 replayed"), "{stdout}");
    assert!(stdout.contains(summary["batch_id"].as_str().unwrap()), "{stdout}");
    assert!(stderr.contains("line 3 (ref s2): error[customer_not_found]"), "{stderr}");
    assert!(stderr.contains("error[batch_record_invalid]: line 4: "), "{stderr}");
}

#[test]
fn a_book_with_accounts_signs_in_and_holds_each_person_to_their_role() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("books.sqlite3").display());
    let run = |password: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
            .args(["--db", url.as_str()])
            .args(args)
            .env("LEDGERDESK_PASSWORD", password)
            .env("LEDGERDESK_NEW_PASSWORD", "ana's long password")
            .output()
            .expect("run")
    };
    let created = run("", &["init", "--admin", "boss"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("added boss: admin"));
    // The owner (whoever opens the file without signing in) sets the book up and adds the people.
    for setup in [
        &["tenant", "add", "--code", "ACME", "--name", "Acme SL"][..],
        &["series", "add", "--tenant", "ACME", "--code", "INV"],
        &["customer", "add", "--tenant", "ACME", "--code", "C1", "--name", "First"],
        &["user", "add", "ana", "--role", "clerk"],
    ] {
        let output = run("", setup);
        assert!(output.status.success(), "{setup:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let issue =
        ["invoice", "issue", "--tenant", "ACME", "--series", "INV", "--customer", "C1", "--line", "Audit|1|100|21"];
    let as_ana: Vec<&str> = issue.iter().chain(&["--user", "ana", "--json"]).copied().collect();

    let issued = run("ana's long password", &as_ana);
    assert!(issued.status.success(), "{}", String::from_utf8_lossy(&issued.stderr));
    let issued: serde_json::Value = serde_json::from_slice(&issued.stdout).unwrap();
    assert_eq!(issued["created_by"], "ana");

    let line = one_error_line(&run("not ana's password", &as_ana));
    assert!(line.starts_with("error[sign_in_failed]"), "{line}");
    let line = one_error_line(&run(
        "ana's long password",
        &["series", "add", "--tenant", "ACME", "--code", "X", "--user", "ana"],
    ));
    assert!(line.starts_with("error[permission_denied]") && line.contains("admin"), "{line}");
    let whoami = run("ana's long password", &["user", "whoami", "--user", "ana"]);
    assert_eq!(String::from_utf8_lossy(&whoami.stdout).trim(), "ana: clerk");
    let line = one_error_line(&run("ana's long password", &["user", "list", "--user", "ana"]));
    assert!(line.starts_with("error[permission_denied]"), "{line}");
    // The first administrator, made at init, keeps the people (every new password here is ana's).
    let listed = run("ana's long password", &["user", "list", "--user", "boss"]);
    assert_eq!(String::from_utf8_lossy(&listed.stdout), "ana: clerk\nboss: admin\n");
}
