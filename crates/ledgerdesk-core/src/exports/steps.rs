//! What each export command writes, decided once for both databases from what the twin loaded: the
//! twins load a [`Loaded`], call [`prepared`], [`edited`] or [`stepped`], carry out the file job if any
//! ([`FileJob::carry_out`], then [`Changes::file_written`]), and write the [`Changes`].

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{
    Destination, EditExport, ExportAction, ExportSettings, ExportState, ExportStep, JournalRow, PostedFile, Quality,
    RowField,
};
use serde_json::json;

use super::diff::EditRecord;
use super::files::{self, FileMeta};
use super::journal::{self, InvoiceFacts};
use super::quality::{self, Context};
use super::workflow::{self, ApprovalRecord, Facts, Plan, Record, Summary};
use crate::error::ExportError;
use crate::error::{Error, Result};
use crate::trail::Entry;

/// (series, period, missing positions) of numbering periods.
pub(crate) type Gaps = Vec<(String, String, Vec<i64>)>;

/// What a twin loads for a change: the export (locked), its reviewed rows, its edits, and the invoices
/// and numbering gaps of its period as they are now.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub facts: Facts,
    pub rows: Vec<JournalRow>,
    pub edits: Vec<EditRecord>,
    pub invoices: Vec<InvoiceFacts>,
    /// The gaps of the numbering periods the invoices belong to.
    pub gaps: Gaps,
}

/// The numbering periods `invoices` belong to, whose continuity the quality check looks at.
pub(crate) fn numbering_periods(invoices: &[InvoiceFacts]) -> BTreeSet<(String, String)> {
    invoices.iter().map(|i| (i.series.clone(), i.period.clone())).collect()
}

/// Invoices a reviewer changed an amount of.
fn amount_edited(edits: &[EditRecord], rows: &[JournalRow]) -> BTreeSet<String> {
    let amounts = [RowField::Net.as_str(), RowField::Tax.as_str()];
    let edited_rows: BTreeSet<&str> =
        edits.iter().filter(|e| amounts.contains(&e.field.as_str())).map(|e| e.row_id.as_str()).collect();
    rows.iter().filter(|r| edited_rows.contains(r.row_id.as_str())).map(|r| r.invoice.clone()).collect()
}

/// The quality of `rows` against the period as it is now.
pub(crate) fn check(
    rows: &[JournalRow],
    edits: &[EditRecord],
    invoices: &[InvoiceFacts],
    gaps: &[(String, String, Vec<i64>)],
    settings: &ExportSettings,
    destination: &Destination,
) -> Quality {
    let edited = amount_edited(edits, rows);
    quality::check(&Context { rows, invoices, amount_edited: &edited, gaps, settings, format: destination.format })
}

/// The summary of `rows` with their quality.
pub(crate) fn summarize(rows: &[JournalRow], quality: Quality) -> Result<Summary> {
    let (currency, net, tax, gross) = journal::totals(rows);
    Ok(Summary {
        rows: rows.len() as u32,
        currency,
        net,
        tax,
        gross,
        snapshot_hash: journal::hash_rows(rows)?,
        quality,
    })
}

/// A new export: its record (id 0 until inserted) and its rows.
pub(crate) struct NewExport {
    pub record: Record,
    pub rows: Vec<JournalRow>,
}

/// The export of `invoices` prepared by `actor`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn prepared(
    tenant: (i64, &str),
    destination: Destination,
    period: &str,
    series: Option<(i64, String)>,
    settings: &ExportSettings,
    invoices: &[InvoiceFacts],
    gaps: &[(String, String, Vec<i64>)],
    revision_of: Option<i64>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<NewExport> {
    let rows = journal::build_rows(invoices, settings);
    let quality = check(&rows, &[], invoices, gaps, settings, &destination);
    let summary = summarize(&rows, quality)?;
    let (series_id, series) = series.unzip();
    let record = Record {
        id: 0,
        tenant_id: tenant.0,
        tenant: tenant.1.to_owned(),
        destination,
        period: period.to_owned(),
        series_id,
        series,
        state: ExportState::Prepared,
        version: 1,
        review_round: 1,
        revision_of,
        prepared_by: actor.to_owned(),
        prepared_at: now,
        posted: None,
        reversal: None,
        rollback_requested_by: None,
        rollback_reason: None,
        error: None,
        summary,
        updated_by: actor.to_owned(),
        updated_at: now,
    };
    Ok(NewExport { record, rows })
}

/// The audit entry of a prepared export, once it has its id.
pub(crate) fn prepared_entry(record: &Record, actor: &str) -> Entry {
    Entry::new(actor, "export.prepare", format!("export:{}", record.id)).after(&json!({
        "destination": record.destination.name,
        "period": record.period,
        "series": record.series,
        "revision_of": record.revision_of,
        "rows": record.summary.rows,
        "gross_total": record.summary.gross,
        "snapshot_hash": record.summary.snapshot_hash,
        "quality": record.summary.quality.score,
    }))
}

/// A file to write outside the database's statements.
#[derive(Debug, Clone)]
pub(crate) struct FileJob {
    pub folder: PathBuf,
    pub name: String,
    pub bytes: std::result::Result<Vec<u8>, String>,
    pub reversal: bool,
    pub at: DateTime<Utc>,
}

impl FileJob {
    /// Writes the file (blocking I/O: the Postgres twin runs it on the blocking pool).
    pub(crate) fn carry_out(self) -> (FileJob, std::result::Result<PostedFile, String>) {
        let written = match &self.bytes {
            Ok(bytes) => files::write_atomically(&self.folder, &self.name, bytes, self.at).map_err(|e| e.to_string()),
            Err(e) => Err(e.clone()),
        };
        (self, written)
    }
}

/// Everything one change writes.
#[derive(Debug, Clone)]
pub(crate) struct Changes {
    /// The export as it is to be saved (`UPDATE … WHERE version = old_version`).
    pub record: Record,
    pub old_version: i64,
    /// A reviewed row's new data.
    pub row: Option<(String, String)>,
    pub edit: Option<EditRecord>,
    pub approval: Option<ApprovalRecord>,
    /// The posted snapshot to store: (row id, position, data).
    pub posted_rows: Vec<(String, i64, String)>,
    pub file: Option<FileJob>,
    pub audit: Entry,
    /// A revise: the twin prepares a new export revising this one.
    pub revise: bool,
}

impl Changes {
    fn of(record: &Record, actor: &str, now: DateTime<Utc>, audit: Entry) -> Changes {
        let mut next = record.clone();
        next.version += 1;
        next.updated_by = actor.to_owned();
        next.updated_at = now;
        Changes {
            record: next,
            old_version: record.version,
            row: None,
            edit: None,
            approval: None,
            posted_rows: Vec::new(),
            file: None,
            audit,
            revise: false,
        }
    }

    /// Records what writing the file did: POSTED (or ROLLED_BACK for a reversal) with the file, or, for
    /// a post, FAILED with the error. A reversal that cannot be written fails the whole step.
    pub(crate) fn file_written(
        &mut self,
        job: &FileJob,
        written: std::result::Result<PostedFile, String>,
    ) -> Result<()> {
        let path = job.folder.join(&job.name).display().to_string();
        match (written, job.reversal) {
            (Ok(file), false) => {
                self.record.state = ExportState::Posted;
                self.record.error = None;
                self.audit.after =
                    Some(json!({"state": "POSTED", "file": file.path, "size": file.size, "sha256": file.sha256}));
                self.record.posted = Some(file);
            }
            (Ok(file), true) => {
                self.audit.after = Some(
                    json!({"state": "ROLLED_BACK", "reversal": file.path, "size": file.size, "sha256": file.sha256}),
                );
                self.record.reversal = Some(file);
            }
            (Err(detail), false) => {
                self.record.state = ExportState::Failed;
                self.record.error = Some(format!("could not write {path}: {detail}"));
                self.posted_rows.clear();
                self.audit.after = Some(json!({"state": "FAILED", "error": self.record.error}));
            }
            (Err(detail), true) => return Err(ExportError::FileFailed { path, detail }.into()),
        }
        Ok(())
    }
}

fn state_entry(action: &'static str, record: &Record, actor: &str, reason: Option<&str>) -> Entry {
    Entry::new(actor, action, format!("export:{}", record.id))
        .reason(reason)
        .before(&json!({"state": record.state, "version": record.version}))
}

/// An edit of one field of one reviewed row.
pub(crate) fn edited(loaded: &Loaded, request: &EditExport, actor: &str, now: DateTime<Utc>) -> Result<Changes> {
    let record = &loaded.facts.record;
    if record.version != request.expected_version {
        return Err(ExportError::VersionConflict {
            export: record.id,
            expected: request.expected_version,
            current: record.version,
        }
        .into());
    }
    workflow::check_edit(&loaded.facts)?;
    let mut rows = loaded.rows.clone();
    let row = rows
        .iter_mut()
        .find(|r| r.row_id == request.row_id)
        .ok_or_else(|| ExportError::RowNotFound { export: record.id, row: request.row_id.clone() })?;
    let (old, new) = journal::apply_edit(row, request.field, &request.value)?;
    if old == new {
        return Err(Error::invalid("value", "is the value the field has already", "alanın zaten sahip olduğu değer"));
    }
    let data = journal::row_data(row)?;
    let edit = EditRecord {
        row_id: request.row_id.clone(),
        field: request.field.as_str().to_owned(),
        old_value: old.clone(),
        new_value: new.clone(),
        reason: request.reason.trim().to_owned(),
        actor: actor.to_owned(),
        at: now,
    };
    let mut edits = loaded.edits.clone();
    edits.push(edit.clone());
    let quality = check(&rows, &edits, &loaded.invoices, &loaded.gaps, &loaded.facts.settings, &record.destination);
    let audit = Entry::new(actor, "export.edit", format!("export:{}", record.id))
        .reason(Some(&edit.reason))
        .before(&json!({"row": request.row_id, "field": edit.field, "value": old, "state": record.state}))
        .after(&json!({"row": request.row_id, "field": edit.field, "value": new}));
    let mut changes = Changes::of(record, actor, now, audit);
    let (state, new_round) = workflow::after_edit(record.state);
    changes.record.state = state;
    if new_round {
        changes.record.review_round += 1;
    }
    changes.record.summary = summarize(&rows, quality)?;
    changes.row = Some((request.row_id.clone(), data));
    changes.edit = Some(edit);
    Ok(changes)
}

/// A workflow step: the quality is checked again against the period as it is now, then the step is
/// decided ([`workflow::plan`]) and turned into writes.
pub(crate) fn stepped(loaded: &Loaded, request: &ExportStep, actor: &str, now: DateTime<Utc>) -> Result<Changes> {
    if request.action == ExportAction::Edit {
        return Err(Error::invalid(
            "action",
            "edits are made field by field, with a reason",
            "düzeltmeler alan alan, gerekçeyle yapılır",
        ));
    }
    let mut facts = loaded.facts.clone();
    let record = &loaded.facts.record;
    // Re-check against the period now (new invoices, gaps) and re-hash the rows as stored: an approval
    // binds to what is in the database, not to a summary.
    let quality =
        check(&loaded.rows, &loaded.edits, &loaded.invoices, &loaded.gaps, &facts.settings, &record.destination);
    facts.record.summary = summarize(&loaded.rows, quality)?;
    let plan = workflow::plan(&facts, request, actor, now)?;
    let reason = request.reason.as_deref().map(str::trim);
    let action = match request.action {
        ExportAction::Submit => "export.submit",
        ExportAction::Approve if record.state == ExportState::RollbackRequested => "export.rollback.approve",
        ExportAction::Approve => "export.approve",
        ExportAction::Reject if record.state == ExportState::RollbackRequested => "export.rollback.reject",
        ExportAction::Reject => "export.reject",
        ExportAction::Post => "export.post",
        ExportAction::Rollback => "export.rollback",
        ExportAction::Revise => "export.revise",
        ExportAction::Edit => "export.edit",
    };
    let mut changes = Changes::of(&facts.record, actor, now, state_entry(action, record, actor, reason));
    let next = &mut changes.record;
    match plan {
        Plan::Move { to } => {
            next.state = to;
            next.error = None;
        }
        Plan::Approve { level, new_round, completes, lapses_at, acknowledged } => {
            if new_round {
                next.review_round += 1;
            }
            if completes {
                next.state = ExportState::Approved;
            }
            next.error = None;
            changes.approval = Some(ApprovalRecord {
                kind: workflow::EXPORT.into(),
                round: next.review_round,
                level,
                approver: actor.to_owned(),
                snapshot_hash: next.summary.snapshot_hash.clone(),
                acknowledged,
                approved_at: now,
                lapses_at,
            });
        }
        Plan::SendBack { detail, detail_tr } => {
            next.state = ExportState::UnderReview;
            next.review_round += 1;
            next.error = Some(ExportError::ApprovalInvalid { export: record.id, detail, detail_tr }.to_string());
        }
        Plan::Post { created } => {
            let job = file_job(next, &loaded.rows, created, None, now)?;
            changes.posted_rows = positioned(&loaded.rows)?;
            changes.file = Some(job);
        }
        Plan::RequestRollback => {
            next.state = ExportState::RollbackRequested;
            next.rollback_requested_by = Some(actor.to_owned());
            next.rollback_reason = reason.map(str::to_owned);
        }
        Plan::ApproveRollback { lapses_at } => {
            next.state = ExportState::RolledBack;
            let original = next.posted.clone().ok_or_else(|| Error::Storage {
                backend: "core",
                detail: format!("posted export {} has no file recorded", record.id),
            })?;
            // The reviewed copy is frozen once posted: it is what the original file holds.
            let reversal = files::reversed(&loaded.rows);
            changes.file = Some(file_job(next, &reversal, now, Some(&original), now)?);
            changes.approval = Some(ApprovalRecord {
                kind: workflow::ROLLBACK.into(),
                round: next.review_round,
                level: 1,
                approver: actor.to_owned(),
                snapshot_hash: original.sha256,
                acknowledged: false,
                approved_at: now,
                lapses_at,
            });
        }
        Plan::CancelRollback => {
            next.state = ExportState::Posted;
            next.rollback_requested_by = None;
            next.rollback_reason = None;
        }
        Plan::Revise => {
            changes.revise = true;
            changes.record = facts.record.clone();
        }
    }
    if changes.audit.after.is_none() {
        changes.audit.after = Some(json!({"state": changes.record.state, "version": changes.record.version}));
    }
    Ok(changes)
}

fn positioned(rows: &[JournalRow]) -> Result<Vec<(String, i64, String)>> {
    rows.iter().enumerate().map(|(i, r)| Ok((r.row_id.clone(), i as i64, journal::row_data(r)?))).collect()
}

fn file_job(
    record: &Record,
    rows: &[JournalRow],
    created: DateTime<Utc>,
    reverses: Option<&PostedFile>,
    now: DateTime<Utc>,
) -> Result<FileJob> {
    let meta = FileMeta {
        tenant: &record.tenant,
        export: record.id,
        period: &record.period,
        destination: &record.destination,
        range: journal::period_range(&record.period)?,
        created,
        reverses,
    };
    Ok(FileJob {
        folder: PathBuf::from(&record.destination.folder),
        name: files::file_name(&meta),
        bytes: files::render(&meta, rows),
        reversal: reverses.is_some(),
        at: now,
    })
}
