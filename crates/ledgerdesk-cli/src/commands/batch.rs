//! `invoice issue-batch`: a file of invoices issued in chunks (see `ledgerdesk_core::batch::run`), with
//! a progress bar on a terminal, the refused records on stderr, and a summary (or `--json`) at the end.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ledgerdesk_core::batch::run::{self, FileRun, Step};
use ledgerdesk_core::{AnyStore, Error, Result};
use ledgerdesk_types::{BatchFileSummary, BatchRecordError, Currency};

use crate::output::{self, Failure, Outcome};

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

fn describe(summary: &BatchFileSummary) -> String {
    let mut text = if summary.checked_only {
        format!("{}: {} records read, {} cannot be issued", summary.file, summary.records, summary.failed)
    } else {
        format!(
            "{}: {} records, {} issued, {} replayed (issued by an earlier run), {} failed; {:.1} s, {:.0} invoices/s",
            summary.file,
            summary.records,
            summary.issued,
            summary.replayed,
            summary.failed,
            summary.seconds,
            summary.issued_per_second
        )
    };
    if let (Some(first), Some(last)) = (&summary.first_number, &summary.last_number) {
        text.push_str(&format!("\nnumbers {first} … {last}"));
    }
    text.push_str(&format!("\nbatch id {} (keys batch:{}:REF)", summary.batch_id, summary.batch_id));
    if summary.cancelled {
        text.push_str("\ncancelled: run the same command again to issue the rest");
    }
    if summary.stopped_by.is_some() {
        text.push_str("\nstopped: nothing of the chunk it stopped in was issued; run the same command again");
    }
    if let Some(kib) = summary.peak_rss_kib {
        text.push_str(&format!("\npeak memory {:.1} MiB", kib as f64 / 1024.0));
    }
    if summary.errors_not_listed > 0 {
        text.push_str(&format!("\n{} more errors not listed (see --json)", summary.errors_not_listed));
    }
    text
}

/// The process's peak resident set so far, in KiB, where the system tells it (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn progress_bar(json: bool) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if json {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} invoices, {per_sec}, ETA {eta} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.with_style(style)
}

/// One refused record on stderr: above the bar on a terminal, a plain line otherwise. A record the file
/// could not give says its line itself; one the database refused gets it here.
fn report(bar: &ProgressBar, json: bool, refused: &BatchRecordError) {
    if json {
        return;
    }
    let place = match &refused.reference {
        Some(r) => format!("line {} (ref {r}): ", refused.line),
        None => String::new(),
    };
    let message = if output::turkish() { &refused.message_tr } else { &refused.message };
    let text = format!("{place}error[{}]: {}", refused.code, message.replace('\n', " "));
    if bar.is_hidden() { eprintln!("{text}") } else { bar.println(text) }
}

/// Runs `issue-batch`.
pub async fn run(json: bool, store: impl Future<Output = Result<AnyStore>>, args: BatchArgs<'_>) -> Outcome {
    let file_run = FileRun {
        tenant: args.tenant,
        series: args.series,
        user: &args.user,
        currency: args.currency,
        path: args.from,
        chunk: args.chunk,
        batch_id: args.batch_id,
    };
    let bar = progress_bar(json);
    let on_step = |step: Step<'_>| match step {
        Step::Refused(refused) => report(&bar, json, refused),
        Step::Chunk(summary) => {
            bar.set_length(summary.total);
            bar.set_position(summary.records);
        }
    };
    let (mut summary, stopped) = if args.check {
        (run::check_file(&file_run, 0, on_step)?.summary, None)
    } else {
        let store = store.await?;
        let cancel = Arc::new(AtomicBool::new(false));
        let on_signal = Arc::clone(&cancel);
        // Ctrl-C stops the run after the chunk in flight commits (or fails whole): nothing is half done.
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_signal.store(true, Ordering::SeqCst);
            }
        });
        run::issue_file(&store, &file_run, &cancel, on_step).await?
    };
    bar.finish_and_clear();
    summary.peak_rss_kib = peak_rss_kib();
    output::read(json, &summary, describe)?;
    if let Some(error) = stopped {
        return Err(error.into());
    }
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
