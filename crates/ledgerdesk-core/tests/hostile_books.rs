//! A SQLite book under fire: files that are not books, a damaged book, a book from a newer version,
//! and a disk that fills up. Each gets a clear error with a stable code; the file is never modified
//! (its bytes hash the same before and after); a full disk loses nothing already written, leaves the
//! book intact (`PRAGMA integrity_check`), and issuing resumes once space is freed.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{IssueInvoice, NewSeries, NewTenant, Opening, SqliteStore, StoreOptions};
use ledgerdesk_types::{Currency, LineInput, Localized, ResetPolicy};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

fn sha(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).expect("read the file")).to_vec()
}

async fn open(path: &Path) -> Result<SqliteStore, String> {
    SqliteStore::open(path, StoreOptions::default()).await.map_err(|e| e.code().to_owned())
}

/// A new book at `path` with tenant ACME and a yearly series INV.
async fn new_book(path: &Path) -> SqliteStore {
    let store = SqliteStore::open_as(path, StoreOptions::default(), Opening::New).await.expect("a new book");
    let tenant = NewTenant {
        code: "ACME".into(),
        name: "Acme".into(),
        time_zone: "UTC".into(),
        books_open_from: NaiveDate::from_ymd_opt(2026, 1, 1),
        future_days_allowed: Some(366),
    };
    store.add_tenant(tenant).await.expect("tenant");
    let series = NewSeries {
        tenant: "ACME".into(),
        code: "INV".into(),
        format: Some("INV{YYYY}-{SEQ:6}".into()),
        reset: ResetPolicy::Yearly,
        corrective: false,
    };
    store.add_series(series).await.expect("series");
    store
}

/// An invoice of `lines` lines, each with a long description: about `lines` KB on disk.
fn invoice(lines: usize) -> IssueInvoice {
    let line = LineInput {
        description: "Consulting hours, as agreed in the framework contract; ".repeat(18),
        quantity: Decimal::ONE,
        unit_price: Decimal::new(10_000, 2),
        tax_rate: Decimal::from(20),
    };
    IssueInvoice {
        tenant: "ACME".into(),
        series: "INV".into(),
        customer: None,
        issue_date: NaiveDate::from_ymd_opt(2026, 12, 1),
        currency: Currency::Eur,
        lines: vec![line; lines],
        user: "clerk".into(),
        reserved: None,
    }
}

/// The book's file on its own: the WAL folded into it and emptied, so its bytes are the whole book
/// (still in WAL mode, as every book is).
fn checkpoint(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open the book");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).expect("checkpoint");
}

#[tokio::test]
async fn files_that_are_not_books_are_refused_and_left_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let random = dir.path().join("random.db");
    std::fs::write(&random, (0..20_000_u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>())
        .unwrap();
    let pdf = dir.path().join("invoice.db");
    std::fs::write(&pdf, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n".repeat(50)).unwrap();
    let other = dir.path().join("other-program.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    for path in [&random, &pdf, &other] {
        let before = sha(path);
        let refused = open(path).await.err();
        assert_eq!(refused.as_deref(), Some("not_a_book"), "{}", path.display());
        assert_eq!(sha(path), before, "{} was modified", path.display());
    }
}

#[tokio::test]
async fn a_damaged_book_is_reported_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite3");
    let store = new_book(&path).await;
    for _ in 0..40 {
        store.issue_invoice(invoice(20)).await.expect("issue");
    }
    drop(store);
    checkpoint(&path);
    let whole = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(whole / 2).unwrap();
    drop(file);
    let before = sha(&path);

    // Opening may already find the damage; if not, the first read or write that reaches it does.
    let damaged = match open(&path).await {
        Err(code) => code,
        Ok(store) => {
            let read = store.audit_numbering("ACME").await.map(drop).map_err(|e| e.code().to_owned());
            let write = store.issue_invoice(invoice(1)).await.map(drop).map_err(|e| e.code().to_owned());
            read.err().or(write.err()).expect("a half book cannot be read and written whole")
        }
    };
    assert_eq!(damaged, "book_damaged");
    assert_eq!(sha(&path), before, "the damaged book was modified");
}

#[tokio::test]
async fn a_book_from_a_newer_version_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite3");
    drop(new_book(&path).await);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', '2030-01-01')",
        [],
    )
    .unwrap();
    drop(conn);
    checkpoint(&path);
    let before = sha(&path);
    assert_eq!(open(&path).await.err().as_deref(), Some("schema_too_new"));
    assert_eq!(sha(&path), before, "a newer book was modified");
}

/// A tmpfs of `size` mounted at a new folder for as long as it lives.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "mounting a tmpfs needs root (.ci/run runs the tests as root)");
        SmallDisk { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[tokio::test]
async fn a_full_disk_refuses_cleanly_and_issuing_resumes_once_space_is_freed() {
    let disk = SmallDisk::mount("3m");
    let path = disk.path("book.sqlite3");
    let store = new_book(&path).await;
    // Leave the book a little room: a filler takes most of the disk.
    let filler = disk.path("filler");
    std::fs::write(&filler, vec![0_u8; 2 * 1024 * 1024]).unwrap();

    let mut issued = Vec::new();
    let mut refusal = None;
    for _ in 0..200 {
        match store.issue_invoice(invoice(40)).await {
            Ok(invoice) => issued.push(invoice.number),
            Err(e) => {
                refusal = Some(e);
                break;
            }
        }
    }
    let refusal = refusal.expect("the disk never filled up");
    assert_eq!(refusal.code(), "disk_full", "{refusal}");
    assert!(refusal.message_tr().contains("disk dolu"));
    assert!(!issued.is_empty(), "some invoices fit before the disk filled up");

    // Nothing partial: every invoice reported issued is there, whole, and the series has no gap.
    let audit = store.audit_numbering("ACME").await.expect("the audit reads a full disk's book");
    assert_eq!(audit[0].count, issued.len() as i64);
    assert!(audit[0].gaps.is_empty() && audit[0].duplicates.is_empty(), "{:?}", audit[0]);
    for number in &issued {
        assert_eq!(store.get_invoice("ACME", number).await.expect("issued").lines.len(), 40);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(conn);

    // Space freed: the next issue takes the next number.
    std::fs::remove_file(&filler).unwrap();
    let next = store.issue_invoice(invoice(40)).await.expect("issuing resumes");
    assert_eq!(next.seq, issued.len() as i64 + 1);
    drop(store);
}
