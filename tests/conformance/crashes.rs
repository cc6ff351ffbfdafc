//! The crash loop: `ledgerdesk invoice issue` processes, with and without an idempotency key, and an
//! `invoice issue-batch` process (three invoices, two chunks), killed with SIGKILL at spread-out moments
//! of their run, round after round on one database. Afterwards the continuity audit is clean, every
//! invoice a process reported as issued exists, each key retried after its kill took effect exactly once
//! (a replay when the killed run had committed), and each batch, run again, issued exactly what the
//! killed run had not.

use std::process::Stdio;
use std::time::{Duration, Instant};

use ledgerdesk_conformance::{Kind, TestDb, cli_binary};
use ledgerdesk_core::prelude::*;
use tokio::process::{Child, Command};

use crate::fixtures::{audit_of, seed};

/// Rounds in CI; `LEDGERDESK_CRASH_ROUNDS` runs more by hand (e.g. 1000).
fn rounds() -> u64 {
    std::env::var("LEDGERDESK_CRASH_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(40)
}

/// `invoice issue` of one line described `description`, with `key` if given; a 1 s key lease, so a key
/// whose claim a kill left behind is taken over soon.
fn issue(db: &TestDb, description: &str, key: Option<&str>) -> Command {
    let mut command = Command::new(cli_binary());
    command
        .args(["--db", &db.url, "--key-lease-secs", "1", "invoice", "issue", "--tenant", "ACME", "--series", "INV"])
        .args(["--customer", "C1", "--date", "2026-11-20", "--user", "clerk", "--json"])
        .arg("--line")
        .arg(format!("{description}|1|10.00|21"));
    if let Some(key) = key {
        command.args(["--idempotency-key", key]);
    }
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    command
}

/// Invoices in each round's batch file.
const BATCH_RECORDS: usize = 3;

/// Writes round `round`'s batch file: three one-line invoices, described `Batch round R item I`.
fn batch_file(round: u64) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("ledgerdesk-crash-{}-{round}.jsonl", std::process::id()));
    let records: String = (0..BATCH_RECORDS)
        .map(|i| {
            let line = serde_json::json!({"description": format!("Batch round {round} item {i}"),
                                          "quantity": "1", "unit_price": "10.00", "tax_rate": "21"});
            format!(
                "{}\n",
                serde_json::json!({"ref": format!("r{i}"), "customer": "C1", "date": "2026-11-20", "lines": [line]})
            )
        })
        .collect();
    std::fs::write(&path, records).expect("batch file");
    path
}

/// `invoice issue-batch` of `file` in chunks of two, so a kill can fall between its two transactions.
fn issue_batch(db: &TestDb, file: &std::path::Path) -> Command {
    let mut command = Command::new(cli_binary());
    command
        .args(["--db", &db.url, "--key-lease-secs", "1", "--json", "invoice", "issue-batch", "--tenant", "ACME"])
        .args(["--series", "INV", "--chunk", "2", "--user", "clerk", "--from"])
        .arg(file);
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    command
}

/// Runs round `round`'s batch again to the end; returns (issued, replayed).
async fn batch_rerun(db: &TestDb, round: u64, file: &std::path::Path) -> (u64, u64) {
    let started = Instant::now();
    loop {
        let output = issue_batch(db, file).output().await.expect("run");
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        if output.status.success() {
            return (summary["issued"].as_u64().expect("issued"), summary["replayed"].as_u64().expect("replayed"));
        }
        // A key a killed chunk claimed is in use until its lease (1 s) runs out; anything else is wrong.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("idempotency_key_in_use"), "round {round}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(20), "round {round}: the batch's keys stayed leased");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The number a finished run printed, if it finished and succeeded.
async fn reported(child: Child) -> Option<String> {
    let output = child.wait_with_output().await.expect("wait");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).ok().filter(|_| output.status.success())?;
    json["number"].as_str().map(str::to_owned)
}

/// Runs `key`'s issue to an answer: a key still leased by a killed run is retried until the lease runs out.
async fn retried(db: &TestDb, round: u64, key: &str) -> String {
    let started = Instant::now();
    loop {
        let output = issue(db, &format!("Keyed round {round}"), Some(key)).output().await.expect("run");
        if output.status.success() {
            let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
            return json["number"].as_str().expect("a number").to_owned();
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("error[idempotency_key_in_use]"), "round {round}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(20), "round {round}: the key stayed leased");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

pub async fn issuing_processes_killed_at_random_lose_nothing_and_repeat_nothing(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let rounds = rounds();
    // How long an uninterrupted run takes here (the slowest of three): kills are spread over 0–120 % of it.
    let mut whole = Duration::ZERO;
    for i in 0..3 {
        let began = Instant::now();
        assert!(issue(&db, &format!("Calibration {i}"), None).output().await.expect("run").status.success());
        whole = whole.max(began.elapsed());
    }
    let span = whole.as_micros() as u64 * 6 / 5;
    let mut reported_numbers = Vec::new();
    let mut killed = 0;
    let mut batch_progress = [0; BATCH_RECORDS + 1];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..rounds {
        let key = format!("crash-{round}");
        let keyed = issue(&db, &format!("Keyed round {round}"), Some(&key)).spawn().expect("spawn");
        let plain = issue(&db, &format!("Plain round {round}"), None).spawn().expect("spawn");
        let file = batch_file(round);
        let mut batch = issue_batch(&db, &file).spawn().expect("spawn");
        // A spread of moments, from before the book is open to after the commit (xorshift, seeded).
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        tokio::time::sleep(Duration::from_micros(state % span)).await;
        let mut outcomes = Vec::new();
        for mut child in [keyed, plain] {
            if child.try_wait().expect("poll").is_none() {
                child.start_kill().expect("SIGKILL");
                killed += 1;
            }
            outcomes.push(reported(child).await);
        }
        if batch.try_wait().expect("poll").is_none() {
            batch.start_kill().expect("SIGKILL");
            killed += 1;
        }
        let _ = batch.wait().await;
        let (issued, replayed) = batch_rerun(&db, round, &file).await;
        assert_eq!((issued + replayed) as usize, BATCH_RECORDS, "round {round}: the batch again covers every record");
        // How far the killed run had come: nothing, one chunk, or all of it.
        batch_progress[replayed as usize] += 1;
        let _ = std::fs::remove_file(&file);
        let number = retried(&db, round, &key).await;
        if let Some(first) = &outcomes[0] {
            assert_eq!(&number, first, "round {round}: the retried key answered with another invoice");
        }
        reported_numbers.push(number);
        reported_numbers.extend(outcomes[1].clone());
    }
    assert!(
        killed >= rounds as usize / 2,
        "only {killed} of {} runs were killed: the moments are too late",
        3 * rounds
    );

    let audit = audit_of(&store, "ACME", "INV", "202611").await;
    assert!(audit.gaps.is_empty() && audit.duplicates.is_empty(), "{audit:?}");
    for number in &reported_numbers {
        store.get_invoice("ACME", number).await.unwrap_or_else(|e| panic!("{number} was reported issued: {e}"));
    }
    let keyed = db.count("SELECT count(*) FROM invoice_lines WHERE description LIKE 'Keyed round %'").await;
    assert_eq!(keyed, rounds as i64, "each key takes effect exactly once");
    let distinct =
        db.count("SELECT count(DISTINCT description) FROM invoice_lines WHERE description LIKE 'Keyed round %'").await;
    assert_eq!(distinct, rounds as i64);
    let batched = db.count("SELECT count(*) FROM invoice_lines WHERE description LIKE 'Batch round %'").await;
    let distinct =
        db.count("SELECT count(DISTINCT description) FROM invoice_lines WHERE description LIKE 'Batch round %'").await;
    assert_eq!(
        (batched, distinct),
        ((rounds as usize * BATCH_RECORDS) as i64, (rounds as usize * BATCH_RECORDS) as i64),
        "each batch record issued exactly once"
    );
    eprintln!(
        "{kind:?}: {rounds} rounds, {killed} processes killed, {} invoices, audit clean; batch records the killed \
         run had committed, per round: {batch_progress:?} rounds with 0, 1, 2, 3",
        audit.count
    );
}
