//! Running a batch file: its records read as a stream and issued in chunks, one transaction each, for
//! the CLI's `invoice issue-batch` and the desktop's Batch screen alike.
//!
//! Every record carries an idempotency key (its own, or `batch:{batch id}:{ref}`), so a run that was
//! killed or cancelled halfway, started again with the same file, replays the chunks that committed and
//! issues the rest. A record that cannot be read or issued is reported with its line and stops nothing;
//! only a failure of a whole chunk (the database gone, every retry met a lock) stops the run, and
//! nothing of that chunk was committed.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ledgerdesk_types::{
    BatchFilePreview, BatchFileSummary, BatchPreviewRow, BatchRecordError, Currency, Localized, round_money,
};

use super::file::{self, Format, Record};
use super::{BatchIssuing, BatchItem, BatchOutcome, MAX_BATCH};
use crate::error::{Error, Result};
use crate::model::IssueInvoice;

/// Errors a summary lists one by one; past this, only counted.
pub const LISTED_ERRORS: usize = 1_000;

/// Invoices per transaction unless told otherwise.
pub const DEFAULT_CHUNK: usize = 500;

/// What to run.
#[derive(Debug, Clone)]
pub struct FileRun<'a> {
    /// Tenant code.
    pub tenant: &'a str,
    /// The series every invoice is numbered in.
    pub series: &'a str,
    /// Recorded as the author of every invoice.
    pub user: &'a str,
    /// Currency of records that name none.
    pub currency: Currency,
    /// The file: `.csv`, `.jsonl` or `.ndjson`.
    pub path: &'a Path,
    /// Invoices per transaction (1 to [`MAX_BATCH`]).
    pub chunk: usize,
    /// The batch's name in its keys [default: the file's content id, see [`file::content_id`]].
    pub batch_id: Option<&'a str>,
}

/// What a run reports as it goes: after each refused record, and after each chunk.
pub enum Step<'a> {
    /// A record was not issued.
    Refused(&'a BatchRecordError),
    /// A chunk committed (or, checking only, was read).
    Chunk(&'a BatchFileSummary),
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| {
        Error::invalid(
            "from",
            format!("cannot open {}: {e}", path.display()),
            format!("{} açılamıyor: {e}", path.display()),
        )
    })
}

fn records(path: &Path) -> Result<Box<dyn Iterator<Item = Result<Record>> + Send>> {
    file::records(open(path)?, Format::of_path(path)?)
}

/// A summary of `run` before anything is read: its batch id and the file's record count.
fn start(run: &FileRun<'_>, checked_only: bool) -> Result<BatchFileSummary> {
    if !(1..=MAX_BATCH).contains(&run.chunk) {
        return Err(Error::invalid(
            "chunk",
            format!("the chunk must be from 1 to {MAX_BATCH} invoices"),
            format!("parça 1 ile {MAX_BATCH} fatura arasında olmalıdır"),
        ));
    }
    let batch_id = match run.batch_id {
        Some(id) => id.to_owned(),
        None => file::content_id(open(run.path)?).map_err(|e| {
            Error::invalid("from", format!("cannot read {}: {e}", run.path.display()), format!("okunamıyor: {e}"))
        })?,
    };
    // A first pass only counts, for progress and its ETA; the file is read again to issue.
    let total = records(run.path)?.count() as u64;
    Ok(BatchFileSummary {
        file: run.path.display().to_string(),
        batch_id,
        checked_only,
        total,
        running: true,
        ..Default::default()
    })
}

fn refusal(line: u64, reference: Option<String>, error: &Error) -> BatchRecordError {
    BatchRecordError {
        line,
        reference,
        code: error.code().to_owned(),
        message: error.to_string(),
        message_tr: error.message_tr(),
    }
}

fn note(summary: &mut BatchFileSummary, refused: BatchRecordError, progress: &mut impl FnMut(Step<'_>)) {
    summary.failed += 1;
    progress(Step::Refused(&refused));
    if summary.errors.len() < LISTED_ERRORS {
        summary.errors.push(refused);
    } else {
        summary.errors_not_listed += 1;
    }
}

fn counted(
    summary: &mut BatchFileSummary,
    record: &Record,
    outcome: BatchOutcome,
    progress: &mut impl FnMut(Step<'_>),
) {
    match outcome {
        Ok(reply) => {
            if reply.replayed {
                summary.replayed += 1;
            } else {
                summary.issued += 1;
            }
            summary.first_number.get_or_insert_with(|| reply.value.number.clone());
            summary.last_number = Some(reply.value.number);
        }
        Err(e) => note(summary, refusal(record.line, Some(record.reference.clone()), &e), progress),
    }
}

fn item(run: &FileRun<'_>, batch_id: &str, record: &Record) -> BatchItem {
    BatchItem {
        request: IssueInvoice {
            tenant: run.tenant.to_owned(),
            series: run.series.to_owned(),
            customer: record.customer.clone(),
            issue_date: record.date,
            currency: record.currency.unwrap_or(run.currency),
            lines: record.lines.clone(),
            user: run.user.to_owned(),
            reserved: None,
        },
        key: Some(record.key.clone().unwrap_or_else(|| file::derived_key(batch_id, &record.reference))),
    }
}

/// Issues `run`'s file on `store`, a chunk at a time, until its end or `cancel` (checked after each
/// chunk). Returns the summary and, if a whole chunk failed, the error that stopped the run there.
pub async fn issue_file<S: BatchIssuing>(
    store: &S,
    run: &FileRun<'_>,
    cancel: &AtomicBool,
    mut progress: impl FnMut(Step<'_>),
) -> Result<(BatchFileSummary, Option<Error>)> {
    let mut summary = start(run, false)?;
    let started = Instant::now();
    let mut chunk: Vec<Record> = Vec::with_capacity(run.chunk);
    let mut reader = records(run.path)?;
    let mut stopped = None;
    loop {
        let next = reader.next();
        let end = next.is_none();
        match next {
            Some(Ok(record)) => chunk.push(record),
            Some(Err(e)) => {
                summary.records += 1;
                let line = if let Error::BatchRecordInvalid { line, .. } = &e { *line } else { 0 };
                note(&mut summary, refusal(line, None, &e), &mut progress);
            }
            None => {}
        }
        if chunk.len() == run.chunk || (end && !chunk.is_empty()) {
            let records = std::mem::take(&mut chunk);
            let items = records.iter().map(|record| item(run, &summary.batch_id, record)).collect();
            match store.issue_batch(items).await {
                Ok(outcomes) => {
                    summary.records += records.len() as u64;
                    for (record, outcome) in records.iter().zip(outcomes) {
                        counted(&mut summary, record, outcome, &mut progress);
                    }
                }
                Err(e) => {
                    stopped = Some(e);
                    break;
                }
            }
            summary.seconds = started.elapsed().as_secs_f64();
            progress(Step::Chunk(&summary));
            if cancel.load(Ordering::SeqCst) && !end {
                summary.cancelled = true;
                break;
            }
        }
        if end {
            break;
        }
    }
    summary.running = false;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.issued_per_second = summary.issued as f64 / summary.seconds.max(1e-9);
    summary.stopped_by = stopped.as_ref().map(|e| e.to_body());
    Ok((summary, stopped))
}

/// Reads and checks `run`'s file without issuing anything (its form: columns, amounts, dates,
/// currencies; what only the database knows is checked when issuing); keeps its first `rows` records.
pub fn check_file(run: &FileRun<'_>, rows: usize, mut progress: impl FnMut(Step<'_>)) -> Result<BatchFilePreview> {
    let mut summary = start(run, true)?;
    let mut first = Vec::with_capacity(rows);
    for record in records(run.path)? {
        summary.records += 1;
        match record {
            Ok(record) => {
                if first.len() < rows {
                    first.push(preview_row(&record, run.currency));
                }
            }
            Err(e) => {
                let line = if let Error::BatchRecordInvalid { line, .. } = &e { *line } else { 0 };
                note(&mut summary, refusal(line, None, &e), &mut progress);
            }
        }
    }
    summary.running = false;
    progress(Step::Chunk(&summary));
    Ok(BatchFilePreview { summary, first })
}

fn preview_row(record: &Record, currency: Currency) -> BatchPreviewRow {
    // Checked: amounts from a file can be large enough to overflow; such a record shows no sum here (and
    // is refused when issued).
    let net = record
        .lines
        .iter()
        .try_fold(rust_decimal::Decimal::ZERO, |sum, l| l.quantity.checked_mul(l.unit_price)?.checked_add(sum));
    BatchPreviewRow {
        line: record.line,
        reference: record.reference.clone(),
        customer: record.customer.clone(),
        date: record.date,
        currency: record.currency,
        lines: record.lines.len(),
        net: net.map(|net| round_money(net, record.currency.unwrap_or(currency))),
    }
}
