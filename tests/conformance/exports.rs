//! Staged exports: only the workflow's steps, four eyes held by the database too, approvals bound to the
//! exact rows and lapsing, one file per post written whole or not at all, diffs by row id, reversals
//! approved by someone else, and every step in the audit trail.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ledgerdesk_conformance::{Kind, TestDb, cli_binary};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error};
use ledgerdesk_types::{
    EditExport, Export, ExportAction, ExportFormat, ExportSettingsChange, ExportState, ExportStep, Localized,
    NewDestination, PrepareExport, RowField, Snapshot,
};

use crate::fixtures::{date, invoice, seed};

/// A book with ACME, three November invoices and a CSV destination writing into its own folder.
struct Book {
    db: TestDb,
    store: AnyStore,
    folder: tempfile::TempDir,
}

async fn book(kind: Kind, format: ExportFormat) -> Book {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    for day in [3, 4, 5] {
        store.issue_invoice(invoice("ACME", date(2026, 11, day))).await.expect("an invoice");
    }
    let folder = tempfile::tempdir().expect("a folder");
    let destination = NewDestination {
        tenant: "ACME".into(),
        name: "books".into(),
        format,
        folder: folder.path().display().to_string(),
        advisor_number: Some(29098),
        client_number: Some(55003),
    };
    store.add_destination(destination, "admin").await.expect("a destination");
    Book { db, store, folder }
}

impl Book {
    async fn prepare(&self) -> Export {
        let request =
            PrepareExport { tenant: "ACME".into(), destination: "books".into(), period: "202611".into(), series: None };
        self.store.prepare_export(request, "ana", None).await.expect("prepared").value
    }

    async fn step(
        &self,
        export: &Export,
        action: ExportAction,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<Export, Error> {
        self.step_with(export, action, actor, reason, false, None).await
    }

    async fn step_with(
        &self,
        export: &Export,
        action: ExportAction,
        actor: &str,
        reason: Option<&str>,
        acknowledge: bool,
        key: Option<&str>,
    ) -> Result<Export, Error> {
        let request = ExportStep {
            tenant: "ACME".into(),
            export: export.id,
            expected_version: export.version,
            action,
            reason: reason.map(str::to_owned),
            acknowledge,
        };
        self.store.step_export(request, actor, key).await.map(|reply| reply.value)
    }

    async fn edit(
        &self,
        export: &Export,
        row: &str,
        field: RowField,
        value: &str,
        actor: &str,
    ) -> Result<Export, Error> {
        let request = EditExport {
            tenant: "ACME".into(),
            export: export.id,
            expected_version: export.version,
            row_id: row.into(),
            field,
            value: value.into(),
            reason: format!("{actor} checked the contract"),
        };
        self.store.edit_export(request, actor, None).await.map(|reply| reply.value)
    }

    /// Prepared by ana, submitted, approved by bo.
    async fn approved(&self) -> Export {
        let export = self.prepare().await;
        let export = self.step(&export, ExportAction::Submit, "ana", None).await.expect("submitted");
        let export = self.step(&export, ExportAction::Approve, "bo", None).await.expect("approved");
        assert_eq!(export.state, ExportState::Approved);
        export
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.folder.path())
            .expect("the folder")
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    async fn assert_trail_intact(&self) {
        let verdict = self.store.verify_audit("ACME").await.unwrap();
        assert!(verdict.intact(), "{verdict:?}");
    }
}

fn code(result: Result<Export, Error>) -> String {
    match result {
        Ok(export) => format!("ok:{}", export.state),
        Err(e) => e.code().to_owned(),
    }
}

pub async fn only_the_workflows_steps_are_taken(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let export = book.prepare().await;
    assert_eq!((export.state, export.rows, export.version), (ExportState::Prepared, 3, 1));
    assert_eq!(code(book.step(&export, ExportAction::Approve, "bo", None).await), "export_state_invalid");
    assert_eq!(code(book.step(&export, ExportAction::Post, "bo", None).await), "export_state_invalid");
    assert_eq!(code(book.step(&export, ExportAction::Rollback, "bo", Some("why")).await), "export_state_invalid");
    let submitted = book.step(&export, ExportAction::Submit, "ana", None).await.unwrap();
    assert_eq!(
        code(book.step(&export, ExportAction::Submit, "ana", None).await),
        "version_conflict",
        "a stale version"
    );
    assert_eq!(code(book.step(&submitted, ExportAction::Submit, "ana", None).await), "export_state_invalid");
    assert_eq!(code(book.step(&submitted, ExportAction::Reject, "bo", None).await), "reason_required");
    // The database refuses what the app would never do.
    let err =
        book.db.execute(&format!("UPDATE exports SET state = 'POSTED' WHERE id = {}", export.id)).await.unwrap_err();
    assert!(err.contains("export_transition_invalid"), "{err}");
    let err = book.db.execute("DELETE FROM export_rows").await.unwrap_err();
    assert!(err.contains("record_immutable"), "{err}");
    let err = book.db.execute("UPDATE export_rows SET data = '{}' WHERE snapshot = 'prepared'").await.unwrap_err();
    assert!(err.contains("record_immutable"), "{err}");
    let rejected = book.step(&submitted, ExportAction::Reject, "bo", Some("wrong month")).await.unwrap();
    assert_eq!(rejected.state, ExportState::Rejected);
    assert_eq!(code(book.edit(&rejected, "x/21", RowField::Text, "t", "bo").await), "export_state_invalid");
    book.assert_trail_intact().await;
}

pub async fn four_eyes_hold_even_against_the_database(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let export = book.prepare().await;
    let row = book.store.export_rows("ACME", export.id, Snapshot::Approved).await.unwrap()[0].row_id.clone();
    let export = book.edit(&export, &row, RowField::CostCentre, "K-100", "eve").await.unwrap();
    assert_eq!(export.editors, ["eve"]);
    let export = book.step(&export, ExportAction::Submit, "ana", None).await.unwrap();
    assert_eq!(
        code(book.step(&export, ExportAction::Approve, "ana", None).await),
        "four_eyes_violation",
        "the preparer"
    );
    assert_eq!(code(book.step(&export, ExportAction::Approve, "eve", None).await), "four_eyes_violation", "an editor");
    let why: Vec<(ExportAction, bool)> = export.actions.iter().map(|a| (a.action, a.allowed)).collect();
    assert!(why.contains(&(ExportAction::Approve, false)), "ana is shown why not: {why:?}");
    // Straight into the table, as a careless script would: the database's own rule refuses it.
    let insert = |approver: &str| {
        format!(
            "INSERT INTO export_approvals (export_id, kind, round, level, approver, snapshot_hash, acknowledged,
                                           approved_at, lapses_at)
             VALUES ({}, 'export', 1, 1, '{approver}', 'h', {}, '2026-11-23 10:00:00+00:00', '2099-01-01 00:00:00+00:00')",
            export.id,
            if kind == Kind::Sqlite { "0" } else { "false" }
        )
    };
    for approver in ["ana", "eve"] {
        let err = book.db.execute(&insert(approver)).await.unwrap_err();
        assert!(err.contains("four_eyes_violation"), "{approver}: {err}");
    }
    let approved = book.step(&export, ExportAction::Approve, "bo", None).await.unwrap();
    assert_eq!((approved.state, approved.approvals.len()), (ExportState::Approved, 1));
    book.assert_trail_intact().await;
}

pub async fn two_approvers_are_needed_above_the_amount(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let change = ExportSettingsChange {
        tenant: "ACME".into(),
        second_approval_above: Some(Some("300".parse().unwrap())),
        ..ExportSettingsChange::default()
    };
    book.store.change_export_settings(change, "admin").await.unwrap();
    let export = book.prepare().await;
    assert_eq!((export.approvals_required, export.gross_total.to_string().as_str()), (2, "363.00"));
    let export = book.step(&export, ExportAction::Submit, "ana", None).await.unwrap();
    let once = book.step(&export, ExportAction::Approve, "bo", None).await.unwrap();
    assert_eq!((once.state, once.approvals.len()), (ExportState::UnderReview, 1), "one of two");
    assert_eq!(code(book.step(&once, ExportAction::Approve, "bo", None).await), "four_eyes_violation");
    assert_eq!(code(book.step(&once, ExportAction::Post, "bo", None).await), "export_state_invalid");
    let twice = book.step(&once, ExportAction::Approve, "cy", None).await.unwrap();
    assert_eq!(twice.state, ExportState::Approved);
    assert_eq!(twice.approvals.iter().map(|a| a.level).collect::<Vec<_>>(), [1, 2]);
}

pub async fn a_change_after_approval_sends_it_back_to_review(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let approved = book.approved().await;
    let row = book.store.export_rows("ACME", approved.id, Snapshot::Approved).await.unwrap()[1].row_id.clone();
    let edited = book.edit(&approved, &row, RowField::Text, "Bookkeeping November", "eve").await.unwrap();
    assert_eq!((edited.state, edited.review_round), (ExportState::UnderReview, 2));
    assert!(!edited.approvals[0].valid, "bo's approval was for other rows");
    let again = book.step(&edited, ExportAction::Approve, "bo", None).await.unwrap();
    assert_eq!(again.state, ExportState::Approved);

    // Behind the app's back, the approved rows change: posting finds out and sends it back.
    let sql = format!(
        "UPDATE export_rows SET data = replace(data, 'Bookkeeping November', 'Bookkeeping, changed') \
          WHERE export_id = {} AND snapshot = 'approved'",
        again.id
    );
    book.db.execute(&sql).await.unwrap();
    let posted = book.step(&again, ExportAction::Post, "ana", None).await.unwrap();
    assert_eq!((posted.state, posted.review_round), (ExportState::UnderReview, 3));
    assert!(
        posted.error.as_deref().unwrap_or_default().contains("rows changed after bo approved"),
        "{:?}",
        posted.error
    );
    assert!(book.files().is_empty(), "nothing written");
    book.assert_trail_intact().await;
}

pub async fn an_approval_past_its_lapse_is_refused(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let export = book.prepare().await;
    let export = book.step(&export, ExportAction::Submit, "ana", None).await.unwrap();
    // An approval given 73 hours ago, for these very rows, written as the app would have.
    let sql = format!(
        "INSERT INTO export_approvals (export_id, kind, round, level, approver, snapshot_hash, acknowledged,
                                       approved_at, lapses_at)
         VALUES ({id}, 'export', 1, 1, 'bo', '{hash}', {no}, '2026-01-01 00:00:00+00:00', '2026-01-04 00:00:00+00:00');
         UPDATE exports SET state = 'APPROVED', version = version + 1 WHERE id = {id};",
        id = export.id,
        hash = export.snapshot_hash,
        no = if kind == Kind::Sqlite { "0" } else { "false" }
    );
    book.db.execute(&sql).await.unwrap();
    let approved = book.store.get_export("ACME", export.id, "ana").await.unwrap();
    assert_eq!(approved.state, ExportState::Approved);
    let posted = book.step(&approved, ExportAction::Post, "ana", None).await.unwrap();
    assert_eq!(posted.state, ExportState::UnderReview);
    assert!(posted.error.as_deref().unwrap_or_default().contains("lapsed"), "{:?}", posted.error);
    assert!(book.files().is_empty());
    // bo approves afresh, in the new round.
    let approved = book.step(&posted, ExportAction::Approve, "bo", None).await.unwrap();
    assert_eq!(book.step(&approved, ExportAction::Post, "ana", None).await.unwrap().state, ExportState::Posted);
}

pub async fn posting_twice_writes_one_file(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let approved = book.approved().await;
    let first = book.step_with(&approved, ExportAction::Post, "ana", None, false, Some("post-1")).await.unwrap();
    let replay = book.step_with(&approved, ExportAction::Post, "ana", None, false, Some("post-1")).await.unwrap();
    assert_eq!(first, replay, "the retry replays");
    assert_eq!(code(book.step(&first, ExportAction::Post, "ana", None).await), "export_state_invalid");
    let file = first.posted.expect("the file");
    assert_eq!(book.files(), ["ACME-202611-export1.csv"]);
    let bytes = std::fs::read(&file.path).unwrap();
    assert_eq!(bytes.len() as u64, file.size);
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.lines().count(), 4, "a header and three rows: {text}");
    assert!(text.contains("\r\n") && text.contains(",121.00,"), "{text}");
    let diff = book.store.diff_export("ACME", first.id, Snapshot::Approved, Snapshot::Posted).await.unwrap();
    assert!(diff.changes.is_empty() && diff.rows_compared == 3, "posted what was approved");
    book.assert_trail_intact().await;
}

/// Starts `ledgerdesk export post` paused once its file is written, before it is renamed into place.
fn paused_post(db: &TestDb, export: &Export) -> tokio::process::Child {
    tokio::process::Command::new(cli_binary())
        .args(["--db", &db.url, "export", "post", "--tenant", "ACME", &export.id.to_string()])
        .args(["--version", &export.version.to_string(), "--user", "ana"])
        .env("LEDGERDESK_PAUSE_AT", "export-file-written")
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start ledgerdesk")
}

fn hidden_files(folder: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect()
}

pub async fn a_post_killed_midway_leaves_no_partial_file(kind: Kind) {
    let book = book(kind, ExportFormat::Datev).await;
    let approved = book.approved().await;
    let mut post = paused_post(&book.db, &approved);
    let deadline = Instant::now() + Duration::from_secs(60);
    while hidden_files(book.folder.path()).is_empty() {
        assert!(Instant::now() < deadline, "the post never reached its pause");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    post.start_kill().expect("SIGKILL");
    let _ = post.wait().await;
    assert!(!book.files().iter().any(|f| f.starts_with("EXTF_")), "no file under its name: {:?}", book.files());
    let still = book.store.get_export("ACME", approved.id, "ana").await.unwrap();
    assert_eq!((still.state, still.version), (ExportState::Approved, approved.version), "still postable");
    let posted = book.step(&still, ExportAction::Post, "ana", None).await.unwrap();
    assert_eq!(posted.state, ExportState::Posted);
    assert_eq!(book.files(), ["EXTF_ACME_202611_1.csv"], "the killed attempt's temporary file is gone");
}

pub async fn reordered_rows_diff_to_nothing(kind: Kind) {
    let book = book(kind, ExportFormat::Json).await;
    let export = book.prepare().await;
    let rows = book.store.export_rows("ACME", export.id, Snapshot::Approved).await.unwrap();
    let export = book.edit(&export, &rows[2].row_id, RowField::Net, "90.00", "eve").await.unwrap();
    // Reverse the reviewed copy's order behind the app's back.
    book.db
        .execute(&format!(
            "UPDATE export_rows SET position = 100 - position WHERE export_id = {} AND snapshot = 'approved'",
            export.id
        ))
        .await
        .unwrap();
    let reordered = book.store.export_rows("ACME", export.id, Snapshot::Approved).await.unwrap();
    assert_eq!(reordered[0].row_id, rows[2].row_id, "the order did change");
    let diff = book.store.diff_export("ACME", export.id, Snapshot::Prepared, Snapshot::Approved).await.unwrap();
    let changed: Vec<(&str, &str, &str)> =
        diff.changes.iter().map(|c| (c.row_id.as_str(), c.field.as_str(), c.by.as_deref().unwrap_or("?"))).collect();
    assert_eq!(changed, [(rows[2].row_id.as_str(), "net", "eve"), (rows[2].row_id.as_str(), "gross", "eve")]);
    // The amount was changed with a reason: the approver must acknowledge it, and the order changes nothing.
    let export = book.step(&export, ExportAction::Submit, "ana", None).await.unwrap();
    assert!(export.quality.needs_acknowledgement());
    assert_eq!(code(book.step(&export, ExportAction::Approve, "bo", None).await), "acknowledgement_required");
    let approved = book.step_with(&export, ExportAction::Approve, "bo", None, true, None).await.unwrap();
    let posted = book.step(&approved, ExportAction::Post, "ana", None).await.unwrap();
    assert_eq!(posted.state, ExportState::Posted, "{:?}", posted.error);
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(posted.posted.unwrap().path).unwrap()).unwrap();
    assert_eq!(document["totals"]["gross"], "353.00");
}

pub async fn a_rollback_needs_another_persons_approval(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let approved = book.approved().await;
    let posted = book.step(&approved, ExportAction::Post, "ana", None).await.unwrap();
    assert_eq!(code(book.step(&posted, ExportAction::Rollback, "bo", None).await), "reason_required");
    let asked = book.step(&posted, ExportAction::Rollback, "bo", Some("booked in the wrong month")).await.unwrap();
    assert_eq!(asked.state, ExportState::RollbackRequested);
    assert_eq!(code(book.step(&asked, ExportAction::Approve, "bo", None).await), "four_eyes_violation");
    let undone = book.step(&asked, ExportAction::Approve, "cy", None).await.unwrap();
    assert_eq!(undone.state, ExportState::RolledBack);
    let reversal = undone.reversal.expect("a reversal file");
    let text = std::fs::read_to_string(&reversal.path).unwrap();
    assert!(text.contains(",-121.00,") && text.contains(&posted.posted.unwrap().sha256), "{text}");
    assert_eq!(book.files(), ["ACME-202611-export1-reversal.csv", "ACME-202611-export1.csv"]);
    book.assert_trail_intact().await;
    let trail = book
        .store
        .list_audit("ACME", &ledgerdesk_types::AuditQuery { subject: Some("export:1".into()), ..Default::default() })
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "export.prepare",
            "export.submit",
            "export.approve",
            "export.post",
            "export.rollback",
            "export.rollback.approve"
        ]
    );
}

pub async fn an_incomplete_period_is_rejected_and_revised(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let approved = book.approved().await;
    // An invoice issued into the period after approval: posting would send an incomplete month.
    book.store.issue_invoice(invoice("ACME", date(2026, 11, 6))).await.unwrap();
    assert_eq!(code(book.step(&approved, ExportAction::Post, "ana", None).await), "quality_insufficient");
    let rejected = book.step(&approved, ExportAction::Reject, "bo", Some("an invoice is missing")).await.unwrap();
    let revision = book.step(&rejected, ExportAction::Revise, "ana", None).await.unwrap();
    assert_eq!((revision.state, revision.rows, revision.revision_of), (ExportState::Prepared, 4, Some(rejected.id)));
    assert_eq!(code(book.step(&rejected, ExportAction::Revise, "ana", None).await), "export_revised_already");
    book.assert_trail_intact().await;
}

pub async fn concurrent_approvals_on_one_version_have_one_winner(kind: Kind) {
    let book = book(kind, ExportFormat::Csv).await;
    let export = book.prepare().await;
    let export = book.step(&export, ExportAction::Submit, "ana", None).await.unwrap();
    let tries: Vec<_> = (0..8)
        .map(|i| {
            let (store, export) = (book.store.clone(), export.clone());
            tokio::spawn(async move {
                let request = ExportStep {
                    tenant: "ACME".into(),
                    export: export.id,
                    expected_version: export.version,
                    action: ExportAction::Approve,
                    reason: None,
                    acknowledge: false,
                };
                store.step_export(request, &format!("approver-{i}"), None).await.map(|r| r.value)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for attempt in tries {
        outcomes.push(code(attempt.await.expect("an approver")));
    }
    outcomes.sort();
    assert_eq!(outcomes.iter().filter(|o| *o == "ok:APPROVED").count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| *o == "version_conflict").count(), 7, "{outcomes:?}");
    let approved = book.store.get_export("ACME", export.id, "ana").await.unwrap();
    assert_eq!(approved.approvals.len(), 1, "one approval recorded");
    book.assert_trail_intact().await;
}
