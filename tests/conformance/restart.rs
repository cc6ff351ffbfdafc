//! Postgres restarted during a run: a server of the test's own (`initdb` in a temporary folder, on a
//! port of its own, so the suite's shared server is never touched) is restarted while clerks issue with
//! keys through one store. While it is down, commands fail with `database_unavailable`; once it is back
//! they succeed through the same store, with no restart of the app, and each key took effect once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Opening, StoreOptions};
use ledgerdesk_types::Localized;

use crate::fixtures::{audit_of, date, invoice, seed};

const CLERKS: usize = 3;
const INVOICES: usize = 300;

/// A Postgres cluster of this test's own, stopped when dropped.
struct OwnServer {
    bin: PathBuf,
    data: PathBuf,
    _folder: tempfile::TempDir,
    port: u16,
    /// The server's own options: its port, its address, its socket folder.
    options: String,
}

/// The newest installed Postgres's programs (`/usr/lib/postgresql/N/bin` on Debian).
fn postgres_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Postgres's programs in /usr/lib/postgresql (.ci/run installs postgresql)")
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an initdb")
}

impl OwnServer {
    fn start() -> OwnServer {
        let folder = tempfile::tempdir().expect("a folder for the cluster");
        let data = folder.path().join("data");
        // Postgres refuses to run as root: as root (CI), the cluster belongs to the postgres user.
        if unsafe_free_uid() == 0 {
            run(Command::new("chown").args(["postgres:postgres"]).arg(folder.path()));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().unwrap().port();
        let options = format!("-p {port} -c listen_addresses=127.0.0.1 -k {}", path(folder.path()));
        let server = OwnServer { bin: postgres_bin(), data, _folder: folder, port, options };
        let initdb = server.bin.join("initdb");
        server.pg(&initdb, &["-D", path(&server.data), "-A", "trust", "-U", "postgres", "--no-sync"]);
        server.start_again();
        server
    }

    /// Starts the server (it must be stopped).
    fn start_again(&self) {
        self.pg_ctl(&["start", "-w", "-o", &self.options, "-l", &self.log()]);
    }

    /// The server's log. Every start names it: a server started without one would keep this process's
    /// output pipes open, and waiting for `pg_ctl` would never end.
    fn log(&self) -> String {
        format!("{}/log", path(self.data.parent().expect("the cluster's folder")))
    }

    /// A fast shutdown (sessions cut off), then, `away` later, the server again.
    fn restart_after(&self, away: Duration) {
        self.pg_ctl(&["stop", "-m", "fast", "-w"]);
        std::thread::sleep(away);
        self.start_again();
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs a Postgres program as the cluster's owner.
    fn pg(&self, program: &Path, args: &[&str]) {
        let mut command = if unsafe_free_uid() == 0 {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        run(command.args(args));
    }

    fn pg_ctl(&self, args: &[&str]) {
        let mut all = vec!["-D", path(&self.data)];
        all.extend_from_slice(args);
        self.pg(&self.bin.join("pg_ctl"), &all);
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        // Best effort, and never a panic while a failed test unwinds.
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", path(&self.data), "stop", "-m", "immediate"])
            .output();
        let _ =
            Command::new(self.bin.join("pg_ctl")).args(["-D", path(&self.data), "stop", "-m", "immediate"]).output();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// This process's user id, from `id -u` (no libc call, no unsafe).
fn unsafe_free_uid() -> u32 {
    let output = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&output.stdout).trim().parse().expect("a user id")
}

pub async fn a_restarted_server_is_waited_out_and_nothing_is_issued_twice() {
    let server = OwnServer::start();
    let mut options = StoreOptions { max_connections: CLERKS as u32 + 1, ..StoreOptions::default() };
    options.keys.lease = Duration::from_secs(1);
    options.connect_timeout = Duration::from_secs(2);
    let store =
        AnyStore::open_as(&server.url(), options, Opening::CreateIfMissing).await.expect("the own server's store");
    seed(&store, "ACME").await;

    let next = Arc::new(AtomicUsize::new(0));
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let clerks: Vec<_> = (0..CLERKS)
        .map(|_| {
            let (store, next, seen) = (store.clone(), Arc::clone(&next), Arc::clone(&seen));
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= INVOICES {
                        return numbers;
                    }
                    numbers.push(issue_through(&store, i, &seen).await);
                }
            })
        })
        .collect();
    // Once a tenth is issued, the server goes down and comes back (a fast shutdown: sessions cut off).
    let started = Instant::now();
    while next.load(Ordering::SeqCst) < INVOICES / 10 {
        assert!(started.elapsed() < Duration::from_secs(60), "the clerks never got going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Away for longer than the store waits for a connection (2 s), so requests meanwhile fail, not wait.
    let down = Instant::now();
    let _server = tokio::task::spawn_blocking(move || {
        server.restart_after(Duration::from_secs(4));
        server
    })
    .await
    .expect("the restart");
    eprintln!(
        "postgres: restarted in {} ms while {} invoices were asked for",
        down.elapsed().as_millis(),
        next.load(Ordering::SeqCst)
    );

    let mut numbers = Vec::new();
    for clerk in clerks {
        numbers.extend(clerk.await.expect("a clerk"));
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), INVOICES, "each key answered with a number of its own");
    let audit = audit_of(&store, "ACME", "INV", "202611").await;
    assert!(audit.is_clean() && audit.count == INVOICES as i64, "each key took effect exactly once: {audit:?}");
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().any(|code| code == "database_unavailable"), "the restart was never felt: {seen:?}");
    assert!(
        seen.iter().all(|code| ["database_unavailable", "idempotency_key_in_use"].contains(&code.as_str())),
        "while the server was away, only database_unavailable (and a key still leased): {seen:?}"
    );
    eprintln!("postgres restart: {} failures while it was down ({:?}), then all {INVOICES} issued", seen.len(), {
        let mut codes = seen.clone();
        codes.sort();
        codes.dedup();
        codes
    });
}

/// Issues invoice `i` under key `r-i` until it is answered, as the app retries; notes each failure's code.
async fn issue_through(store: &AnyStore, i: usize, seen: &Mutex<Vec<String>>) -> String {
    let started = Instant::now();
    loop {
        match store.issue_invoice_keyed(invoice("ACME", date(2026, 11, 10)), Some(&format!("r-{i}"))).await {
            Ok(reply) => return reply.value.number,
            Err(e) => {
                seen.lock().unwrap().push(e.code().to_owned());
                assert!(e.is_retryable(), "invoice {i}: {} {e}", e.code());
                assert!(started.elapsed() < Duration::from_secs(60), "invoice {i} never got through: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
