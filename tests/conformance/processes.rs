//! Contracts across OS processes: the real `ledgerdesk` CLI, four at a time, on one database.

use std::collections::BTreeSet;
use std::process::Output;

use ledgerdesk_conformance::{Kind, TestDb, cli_binary};
use tokio::process::Command;

use crate::fixtures::assert_exactly_one_to;

const PROCESSES: usize = 4;
const ISSUES_PER_PROCESS: usize = 15;

async fn ledgerdesk(db: &TestDb, args: &[&str]) -> Output {
    Command::new(cli_binary()).arg("--db").arg(&db.url).args(args).output().await.expect("run ledgerdesk")
}

fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "ledgerdesk failed: {}{}", stdout, String::from_utf8_lossy(&output.stderr));
    stdout
}

/// Runs the same command in four processes at once; all must succeed.
async fn four_at_once(db: &TestDb, args: &[&str]) {
    let runs: Vec<_> = (0..PROCESSES)
        .map(|_| tokio::spawn(Command::new(cli_binary()).arg("--db").arg(&db.url).args(args).output()))
        .collect();
    for run in runs {
        succeeded(&run.await.expect("join").expect("run ledgerdesk"));
    }
}

/// A tenant whose books open in 2020, so the contracts' November 2026 dates are accepted in any year.
const TENANT_ADD: &[&str] =
    &["tenant", "add", "--code", "ACME", "--name", "Acme SL", "--books-open-from", "2020-01-01"];

pub async fn four_cli_processes_issue_into_one_database(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    // Four processes create the schema and the master data of a database nobody has opened yet.
    four_at_once(&db, &["migrate"]).await;
    four_at_once(&db, &[TENANT_ADD, &["--time-zone", "Europe/Madrid"]].concat()).await;
    four_at_once(&db, &["series", "add", "--tenant", "ACME", "--code", "INV"]).await;

    let workers: Vec<_> = (0..PROCESSES)
        .map(|worker| {
            let url = db.url.clone();
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                for i in 0..ISSUES_PER_PROCESS {
                    let line = format!("Process {worker} invoice {i}|1|10.00|21");
                    let output = Command::new(cli_binary())
                        .args(["--db", &url, "invoice", "issue", "--tenant", "ACME", "--series", "INV"])
                        .args(["--date", "2026-11-20", "--line", &line, "--json"])
                        .output()
                        .await
                        .expect("run ledgerdesk");
                    let stdout = succeeded(&output);
                    let json: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
                    assert_eq!(json["total"], "12.10");
                    assert_eq!(json["period"], "202611");
                    numbers.push(json["number"].as_str().expect("number").to_owned());
                }
                numbers
            })
        })
        .collect();
    let mut numbers = BTreeSet::new();
    for worker in workers {
        for number in worker.await.expect("worker") {
            assert!(numbers.insert(number.clone()), "{number} issued twice");
        }
    }
    let total = PROCESSES * ISSUES_PER_PROCESS;
    let expected: BTreeSet<String> = (1..=total).map(|seq| format!("202611-{seq:05}-ACME")).collect();
    assert_eq!(numbers, expected);

    let store = db.open().await;
    assert_exactly_one_to(&store, "ACME", "202611", total as i64).await;
    let audit = succeeded(&ledgerdesk(&db, &["audit", "numbering", "--tenant", "ACME", "--json"]).await);
    let audit: serde_json::Value = serde_json::from_str(&audit).expect("audit JSON");
    assert_eq!(audit[0]["count"], total);
    assert_eq!(audit[0]["gaps"], serde_json::json!([]));
}

pub async fn four_processes_with_one_key_take_effect_once(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    succeeded(&ledgerdesk(&db, &["init"]).await);
    succeeded(&ledgerdesk(&db, TENANT_ADD).await);
    succeeded(&ledgerdesk(&db, &["series", "add", "--tenant", "ACME", "--code", "INV"]).await);
    let issue = [
        "--json",
        "invoice",
        "issue",
        "--tenant",
        "ACME",
        "--series",
        "INV",
        "--date",
        "2026-11-20",
        "--line",
        "Retried by a flaky network|1|10.00|21",
        "--user",
        "clerk",
        "--idempotency-key",
        "net-retry-7",
    ];
    let runs: Vec<_> = (0..PROCESSES)
        .map(|_| tokio::spawn(Command::new(cli_binary()).arg("--db").arg(&db.url).args(issue).output()))
        .collect();
    let (mut effects, mut replays, mut in_use) = (0, 0, 0);
    for run in runs {
        let output = run.await.expect("join").expect("run ledgerdesk");
        if output.status.success() {
            let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
            assert_eq!(json["number"], "202611-00001-ACME", "every answer names the one invoice");
            if json["replayed"] == true { replays += 1 } else { effects += 1 }
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.starts_with("error[idempotency_key_in_use]"), "{stderr}");
            in_use += 1;
        }
    }
    assert_eq!((effects, replays + in_use), (1, PROCESSES - 1));
    assert_exactly_one_to(&db.open().await, "ACME", "202611", 1).await;
}
