//! What scripts rely on: a book is never created by mistake, exit codes tell the truth (a result that
//! cannot be printed, a batch with failures), and a silent database cannot hang the command.
//!
//! Exit codes: 0 done, 1 refused (nothing written), 2 bad arguments, 3 written but not printed, 4 a batch
//! with failed items.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn ledgerdesk(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
        .arg("--db")
        .arg(url)
        .args(args)
        .env_remove("LEDGERDESK_DB")
        .output()
        .expect("run ledgerdesk")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A book with tenant ACME (books open 2020) and its series INV.
fn book(dir: &Path) -> String {
    let url = format!("sqlite:{}", dir.join("books.sqlite3").display());
    for args in [
        &["init"][..],
        &["tenant", "add", "--code", "ACME", "--name", "Acme SL", "--books-open-from", "2020-01-01"],
        &["series", "add", "--tenant", "ACME", "--code", "INV"],
    ] {
        let output = ledgerdesk(&url, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
    url
}

const ISSUE: &[&str] =
    &["invoice", "issue", "--tenant", "ACME", "--series", "INV", "--date", "2026-11-20", "--line", "Audit|1|100|21"];

#[test]
fn a_mistyped_book_path_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = book(dir.path());
    let typo = dir.path().join("typo").join("bookz.sqlite3");
    for args in
        [&["invoice", "list", "--tenant", "ACME"][..], &["tenant", "add", "--code", "ACME", "--name", "A"], ISSUE]
    {
        let output = ledgerdesk(&format!("sqlite:{}", typo.display()), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let line = stderr(&output);
        assert!(line.starts_with("error[book_not_found]") && line.contains("bookz.sqlite3"), "{line}");
    }
    assert!(!dir.path().join("typo").exists(), "neither the book nor its folder was created");

    // A book is created on purpose, for its owner alone, and never twice.
    let mode = std::fs::metadata(dir.path().join("books.sqlite3")).unwrap().permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
    let again = ledgerdesk(&url, &["init"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).starts_with("error[book_already_exists]"), "{}", stderr(&again));
}

/// Runs `args` with stdout open onto `/dev/full`, where every write fails.
fn into_full_disk(url: &str, args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ledgerdesk"));
    command.arg("--db").arg(url).args(args).stdout(full).stderr(Stdio::piped());
    command.output().expect("run ledgerdesk")
}

/// Runs `args` with stdout a pipe whose reading end is already closed.
fn into_closed_pipe(url: &str, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut command = Command::new(env!("CARGO_BIN_EXE_ledgerdesk"));
    command.arg("--db").arg(url).args(args).stdout(writer).stderr(Stdio::piped());
    command.output().expect("run ledgerdesk")
}

fn invoices_in(url: &str) -> usize {
    let list = ledgerdesk(url, &["--json", "invoice", "list", "--tenant", "ACME"]);
    serde_json::from_slice::<Vec<serde_json::Value>>(&list.stdout).expect("a JSON list").len()
}

#[test]
fn a_result_that_cannot_be_printed_says_what_was_committed() {
    let dir = tempfile::tempdir().unwrap();
    let url = book(dir.path());

    let keyed: Vec<&str> = ISSUE.iter().chain(&["--idempotency-key", "k-full"]).copied().collect();
    let full = into_full_disk(&url, &keyed);
    assert_eq!(full.status.code(), Some(3), "{}", stderr(&full));
    let line = stderr(&full);
    assert!(line.starts_with("error[output_failed]: committed (invoice 202611-00001-ACME issued"), "{line}");
    assert!(line.contains("k-full") && !line.contains("panicked"), "{line}");

    let closed = into_closed_pipe(&url, ISSUE);
    assert_eq!(closed.status.code(), Some(3), "{}", stderr(&closed));
    assert!(stderr(&closed).contains("committed (invoice 202611-00002-ACME issued"), "{}", stderr(&closed));
    assert_eq!(invoices_in(&url), 2, "both issues took effect, and both were reported");

    // A read into a closed pipe (`| head`) is not an error; into a full disk it is, and nothing was written.
    let read = ["invoice", "list", "--tenant", "ACME"];
    assert_eq!(into_closed_pipe(&url, &read).status.code(), Some(0));
    let full_read = into_full_disk(&url, &read);
    assert_eq!(full_read.status.code(), Some(1));
    assert!(stderr(&full_read).starts_with("error[output_failed]: the result could not be printed"));
}

#[test]
fn a_batch_with_failed_items_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let url = book(dir.path());
    for holder in ["ana", "ben"] {
        let args = ["license", "assign", "--tenant", "ACME", "--holder", holder, "--product", "b", "--plan", "p"];
        let assigned = ledgerdesk(&url, &[&args[..], &["--days", "30"]].concat());
        assert!(assigned.status.success(), "{}", stderr(&assigned));
    }
    // License 1 at its version, license 2 at a stale one.
    let batch = ["--json", "license", "extend-batch", "--tenant", "ACME", "--target", "1:1", "--target", "2:7"];
    let output = ledgerdesk(&url, &[&batch[..], &["--days", "10"]].concat());
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(stderr(&output).starts_with("error[batch_partly_failed]: 1 of 2 items failed"), "{}", stderr(&output));
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).expect("each item reported");
    assert_eq!(outcome["summary"]["succeeded"], 1);
    assert_eq!(outcome["items"][1]["error"]["code"], "version_conflict");
    // Every item failing wrote nothing: that is a plain failure.
    let output = ledgerdesk(
        &url,
        &[&batch[..2], &["extend-batch", "--tenant", "ACME", "--target", "2:7", "--days", "1"]].concat(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).starts_with("error[batch_failed]: all 1 items failed"), "{}", stderr(&output));
}

#[test]
fn out_of_range_settings_are_refused_alike_on_both_databases() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite:{}", dir.path().join("books.sqlite3").display());
    for url in [sqlite.as_str(), "postgres://nobody@127.0.0.1:1/none"] {
        for (flag, value) in
            [("--key-lease-secs", "0"), ("--key-lease-secs", "99999999999"), ("--statement-timeout-secs", "0")]
        {
            let output = ledgerdesk(url, &[flag, value, "invoice", "list", "--tenant", "ACME"]);
            assert_eq!(output.status.code(), Some(1));
            assert!(stderr(&output).starts_with("error[invalid_input]: invalid "), "{url} {flag}: {}", stderr(&output));
        }
    }
}

#[test]
fn a_postgres_that_never_answers_is_unavailable_within_the_timeout() {
    // A stand-in on 127.0.0.1 that accepts connections and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let silent = std::thread::spawn(move || {
        // Holds what it accepts open, unanswered, for 8 s at most: longer than the timeout, and bounded.
        let until = Instant::now() + Duration::from_secs(8);
        let mut held = Vec::new();
        while Instant::now() < until {
            if let Ok((stream, _)) = listener.accept() {
                held.push(stream);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        held.len()
    });
    let url = format!("postgres://ledgerdesk:s3cret@127.0.0.1:{port}/books");
    let started = Instant::now();
    let output = ledgerdesk(&url, &["--connect-timeout-secs", "2", "invoice", "list", "--tenant", "ACME"]);
    let waited = started.elapsed();
    assert_eq!(output.status.code(), Some(1));
    let line = stderr(&output);
    assert!(line.starts_with("error[database_unavailable]") && line.contains("did not answer within 2 s"), "{line}");
    assert!(!line.contains("s3cret"), "the password is never printed: {line}");
    assert!(waited < Duration::from_secs(30), "gave up after {waited:?}, not within the timeout");
    assert!(silent.join().unwrap() >= 1, "the command did reach the silent server");
}

/// Runs `args` as a user who may read the book but not write it: `nobody` when the tests run as root
/// (root ignores file modes), else this user with the file made read-only.
fn as_reader(dir: &Path, url: &str, args: &[&str]) -> Output {
    let root = std::env::var("USER").is_ok_and(|user| user == "root")
        || std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    if !root {
        return ledgerdesk(url, args);
    }
    // nobody cannot reach the build directory: run a copy of the binary from the book's folder.
    let binary = dir.join("ledgerdesk");
    if !binary.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_ledgerdesk"), &binary).expect("copy the binary");
    }
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&binary)
        .arg("--db")
        .arg(url)
        .args(args)
        .env_remove("LEDGERDESK_DB")
        .output()
        .expect("run ledgerdesk as nobody")
}

#[test]
fn a_book_that_cannot_be_written_opens_read_only_and_stays_as_it_is() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let url = book(dir.path());
    assert!(ledgerdesk(&url, ISSUE).status.success());
    assert!(ledgerdesk(&url, ISSUE).status.success());
    // The first invoice's document is printed (fixed) while the book is still writable.
    let first = dir.path().join("first.pdf");
    let printed =
        ledgerdesk(&url, &["invoice", "pdf", "202611-00001-ACME", "--tenant", "ACME", "--out", path_str(&first)]);
    assert!(printed.status.success(), "{}", stderr(&printed));
    let file = dir.path().join("books.sqlite3");
    // An archive: the book and its folder readable by all, writable by nobody but (at most) their owner.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = std::fs::read(&file).unwrap();

    let list = as_reader(dir.path(), &url, &["--json", "invoice", "list", "--tenant", "ACME"]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert_eq!(serde_json::from_slice::<Vec<serde_json::Value>>(&list.stdout).unwrap().len(), 2);
    let write = as_reader(dir.path(), &url, ISSUE);
    assert_eq!(write.status.code(), Some(1));
    assert!(stderr(&write).starts_with("error[book_read_only]"), "{}", stderr(&write));
    // A reprint only reads: the archive reprints what it printed, the same bytes; a document never
    // printed cannot be fixed in it.
    let out = tempfile::tempdir().unwrap();
    std::fs::set_permissions(out.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let again = out.path().join("again.pdf");
    let reprint = as_reader(
        dir.path(),
        &url,
        &["invoice", "pdf", "202611-00001-ACME", "--tenant", "ACME", "--out", path_str(&again)],
    );
    assert!(reprint.status.success(), "{}", stderr(&reprint));
    assert!(String::from_utf8_lossy(&reprint.stdout).contains("identical to its first print"));
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&first).unwrap());
    let never = out.path().join("never.pdf");
    let unfixed = as_reader(
        dir.path(),
        &url,
        &["invoice", "pdf", "202611-00002-ACME", "--tenant", "ACME", "--out", path_str(&never)],
    );
    assert!(stderr(&unfixed).starts_with("error[book_read_only]"), "{}", stderr(&unfixed));
    assert!(!never.exists(), "nothing is saved when the print is refused");
    assert_eq!(std::fs::read(&file).unwrap(), before, "not a byte of the book changed");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}
