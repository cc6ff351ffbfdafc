//! `invoice issue-batch`: a file of invoices issued in chunks, one transaction each, with a progress bar.
//!
//! Every record carries an idempotency key (its own, or `batch:{batch id}:{ref}`), so a run that was
//! killed or cancelled halfway, started again with the same file, replays the chunks that committed and
//! issues the rest. A record that cannot be read or issued is reported with its line and stops nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ledgerdesk_core::batch::file::{self, Format, Record};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, BatchItem, BatchOutcome, Error, IssueInvoice, Result};
use ledgerdesk_types::{Currency, Localized};
use serde::Serialize;

use crate::output::{self, Failure, Outcome};

/// Errors listed one by one in the summary; past this, only counted.
const LISTED_ERRORS: usize = 1_000;

/// What `issue-batch` was asked to do.
pub struct BatchArgs<'a> {
    pub tenant: &'a str,
    pub series: &'a str,
    pub from: &'a Path,
    pub currency: Currency,
    pub chunk: usize,
    pub batch_id: Option<&'a str>,
    pub check: bool,
    pub user: String,
}

#[derive(Debug, Serialize)]
struct RecordError {
    line: u64,
    #[serde(rename = "ref")]
    reference: Option<String>,
    code: String,
    message: String,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    file: PathBuf,
    batch_id: String,
    /// Only read and checked: nothing was issued.
    checked_only: bool,
    records: u64,
    issued: u64,
    replayed: u64,
    failed: u64,
    first_number: Option<String>,
    last_number: Option<String>,
    /// Stopped by Ctrl-C after a chunk committed: running the same command again issues the rest.
    cancelled: bool,
    seconds: f64,
    issued_per_second: f64,
    errors: Vec<RecordError>,
    errors_not_listed: u64,
    /// The process's peak resident memory (Linux's VmHWM), to show it stays flat however long the file.
    peak_rss_kib: Option<u64>,
}

/// The process's peak resident set so far, in KiB, where the system tells it (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Summary {
    fn failed(&mut self, line: u64, reference: Option<String>, error: &Error, bar: &ProgressBar, json: bool) {
        self.failed += 1;
        let message = if output::turkish() { error.message_tr() } else { error.to_string() };
        if !json {
            // A record the file could not give says its line itself; one the database refused gets it here.
            let place = match &reference {
                Some(r) => format!("line {line} (ref {r}): "),
                None => String::new(),
            };
            let text = format!("{place}error[{}]: {}", error.code(), message.replace('\n', " "));
            // Above the bar on a terminal; plain lines on stderr otherwise (the bar is then not drawn).
            if bar.is_hidden() { eprintln!("{text}") } else { bar.println(text) }
        }
        if self.errors.len() < LISTED_ERRORS {
            self.errors.push(RecordError { line, reference, code: error.code().to_owned(), message });
        } else {
            self.errors_not_listed += 1;
        }
    }

    fn outcome(&mut self, record: &Record, outcome: BatchOutcome, bar: &ProgressBar, json: bool) {
        match outcome {
            Ok(reply) => {
                if reply.replayed {
                    self.replayed += 1;
                } else {
                    self.issued += 1;
                }
                self.first_number.get_or_insert_with(|| reply.value.number.clone());
                self.last_number = Some(reply.value.number);
            }
            Err(e) => self.failed(record.line, Some(record.reference.clone()), &e, bar, json),
        }
    }

    fn describe(&self) -> String {
        let mut text = if self.checked_only {
            format!("{}: {} records read, {} cannot be issued", self.file.display(), self.records, self.failed)
        } else {
            format!(
                "{}: {} records, {} issued, {} replayed (issued by an earlier run), {} failed; {:.1} s, {:.0} invoices/s",
                self.file.display(),
                self.records,
                self.issued,
                self.replayed,
                self.failed,
                self.seconds,
                self.issued_per_second
            )
        };
        if let (Some(first), Some(last)) = (&self.first_number, &self.last_number) {
            text.push_str(&format!("\nnumbers {first} … {last}"));
        }
        text.push_str(&format!("\nbatch id {} (keys batch:{}:REF)", self.batch_id, self.batch_id));
        if self.cancelled {
            text.push_str("\ncancelled: run the same command again to issue the rest");
        }
        if let Some(kib) = self.peak_rss_kib {
            text.push_str(&format!("\npeak memory {:.1} MiB", kib as f64 / 1024.0));
        }
        if self.errors_not_listed > 0 {
            text.push_str(&format!("\n{} more errors not listed (see --json)", self.errors_not_listed));
        }
        text
    }
}

fn open_file(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| {
        Error::invalid(
            "from",
            format!("cannot open {}: {e}", path.display()),
            format!("{} açılamıyor: {e}", path.display()),
        )
    })
}

fn records(path: &Path) -> Result<Box<dyn Iterator<Item = Result<Record>>>> {
    file::records(open_file(path)?, Format::of_path(path)?)
}

fn progress(total: u64, json: bool) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if json {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} invoices, {per_sec}, ETA {eta} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.with_style(style)
}

/// Runs `issue-batch`.
pub async fn run(json: bool, store: impl Future<Output = Result<AnyStore>>, args: BatchArgs<'_>) -> Outcome {
    if !(1..=ledgerdesk_core::batch::MAX_BATCH).contains(&args.chunk) {
        return Err(Error::invalid(
            "chunk",
            format!("--chunk must be from 1 to {}", ledgerdesk_core::batch::MAX_BATCH),
            format!("--chunk 1 ile {} arasında olmalıdır", ledgerdesk_core::batch::MAX_BATCH),
        )
        .into());
    }
    let batch_id = match args.batch_id {
        Some(id) => id.to_owned(),
        None => file::content_id(open_file(args.from)?).map_err(|e| {
            Error::invalid("from", format!("cannot read {}: {e}", args.from.display()), format!("okunamıyor: {e}"))
        })?,
    };
    // A first pass only counts, for the progress bar's length and ETA; the file is read again to issue.
    let total = records(args.from)?.count() as u64;
    let mut summary = Summary { file: args.from.to_owned(), batch_id, checked_only: args.check, ..Summary::default() };
    let bar = progress(total, json);
    let started = Instant::now();
    let store = if args.check { None } else { Some(store.await?) };
    let cancelled = Arc::new(AtomicBool::new(false));
    let on_signal = Arc::clone(&cancelled);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.store(true, Ordering::SeqCst);
        }
    });

    let mut chunk: Vec<Record> = Vec::with_capacity(args.chunk);
    let mut reader = records(args.from)?;
    loop {
        let next = reader.next();
        let end = next.is_none();
        match next {
            Some(Ok(record)) => chunk.push(record),
            Some(Err(e)) => {
                summary.records += 1;
                let line = match &e {
                    Error::BatchRecordInvalid { line, .. } => *line,
                    _ => 0,
                };
                summary.failed(line, None, &e, &bar, json);
                bar.inc(1);
            }
            None => {}
        }
        if chunk.len() == args.chunk || (end && !chunk.is_empty()) {
            let records = std::mem::take(&mut chunk);
            summary.records += records.len() as u64;
            if let Some(store) = &store {
                let batch_id = summary.batch_id.clone();
                if let Err(e) = issue_chunk(store, &args, &batch_id, records, &mut summary, &bar, json).await {
                    // Nothing of this chunk committed: what the summary counts did, and the same command
                    // again starts where this one stopped.
                    bar.abandon();
                    summary.seconds = started.elapsed().as_secs_f64();
                    output::read(json, &summary, Summary::describe)?;
                    return Err(e.into());
                }
            } else {
                bar.inc(records.len() as u64);
            }
            if cancelled.load(Ordering::SeqCst) {
                summary.cancelled = true;
                break;
            }
        }
        if end {
            break;
        }
    }
    bar.finish_and_clear();
    summary.seconds = started.elapsed().as_secs_f64();
    summary.issued_per_second = summary.issued as f64 / summary.seconds.max(1e-9);
    summary.peak_rss_kib = peak_rss_kib();
    output::read(json, &summary, Summary::describe)?;
    match summary.failed {
        0 => Ok(()),
        failed if args.check => Err(Error::invalid(
            "from",
            format!(
                "{failed} of {} records cannot be issued as written; nothing was issued (--check)",
                summary.records
            ),
            format!(
                "{} kaydın {failed} tanesi yazıldığı gibi kesilemez; hiçbir şey kesilmedi (--check)",
                summary.records
            ),
        )
        .into()),
        failed => Err(Failure::PartlyFailed { failed: failed as usize, total: summary.records as usize }),
    }
}

async fn issue_chunk(
    store: &AnyStore,
    args: &BatchArgs<'_>,
    batch_id: &str,
    records: Vec<Record>,
    summary: &mut Summary,
    bar: &ProgressBar,
    json: bool,
) -> Result<()> {
    let items = records
        .iter()
        .map(|record| BatchItem {
            request: IssueInvoice {
                tenant: args.tenant.to_owned(),
                series: args.series.to_owned(),
                customer: record.customer.clone(),
                issue_date: record.date,
                currency: record.currency.unwrap_or(args.currency),
                lines: record.lines.clone(),
                user: args.user.clone(),
                reserved: None,
            },
            key: Some(record.key.clone().unwrap_or_else(|| file::derived_key(batch_id, &record.reference))),
        })
        .collect();
    // An error for the whole chunk (the database gone, every retry met a lock) committed nothing of it:
    // the run stops there, and the same command again starts where it stopped.
    let outcomes = store.issue_batch(items).await?;
    for (record, outcome) in records.iter().zip(outcomes) {
        summary.outcome(record, outcome, bar, json);
    }
    bar.inc(records.len() as u64);
    Ok(())
}
