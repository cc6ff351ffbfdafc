//! Batch billing as the CLI and the desktop report it: a file's records issued in chunks.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Currency;

/// A record of a batch file that was not issued, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecordError {
    /// The file's line the record starts on (0 if unknown).
    pub line: u64,
    /// Its ref, when it was read far enough to have one.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Stable error code.
    pub code: String,
    /// English message.
    pub message: String,
    /// Turkish message.
    pub message_tr: String,
}

/// Where a batch run stands, or how it ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchFileSummary {
    /// The file.
    pub file: String,
    /// The batch's name in its keys (`batch:ID:REF`).
    pub batch_id: String,
    /// Only read and checked: nothing was issued.
    pub checked_only: bool,
    /// Records in the file (counted before the run).
    pub total: u64,
    /// Records handled so far.
    pub records: u64,
    /// Invoices issued by this run.
    pub issued: u64,
    /// Invoices an earlier run had issued (their keys replayed).
    pub replayed: u64,
    /// Records not issued.
    pub failed: u64,
    /// The first number this run issued or replayed.
    pub first_number: Option<String>,
    /// The last one.
    pub last_number: Option<String>,
    /// Stopped on request after a chunk committed: running the same file again issues the rest.
    pub cancelled: bool,
    /// Still running.
    pub running: bool,
    /// Seconds since it started.
    pub seconds: f64,
    /// Invoices issued per second.
    pub issued_per_second: f64,
    /// The first errors, in file order.
    pub errors: Vec<BatchRecordError>,
    /// Errors past those listed, only counted.
    pub errors_not_listed: u64,
    /// Why the run stopped before the end of the file (nothing of the chunk it was in committed).
    pub stopped_by: Option<crate::error::ErrorBody>,
    /// The process's peak resident memory in KiB, where the system tells it.
    pub peak_rss_kib: Option<u64>,
}

/// The first records of a batch file as the desktop previews them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchPreviewRow {
    /// Line it starts on.
    pub line: u64,
    /// Its ref.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Customer code.
    pub customer: Option<String>,
    /// Issue date (none: today).
    pub date: Option<NaiveDate>,
    /// Currency (none: the run's).
    pub currency: Option<Currency>,
    /// Its invoice lines.
    pub lines: usize,
    /// The sum of its lines' net amounts, before tax (none if it does not fit a decimal).
    pub net: Option<Decimal>,
}

/// What a batch file holds, read and checked, before anything is issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchFilePreview {
    /// The read (and checked) file, as a summary with nothing issued.
    pub summary: BatchFileSummary,
    /// Its first records.
    pub first: Vec<BatchPreviewRow>,
}

/// A batch run the desktop starts; tenant and user come from the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchFileRequest {
    /// The file (.csv or .jsonl).
    pub path: String,
    /// Series code.
    pub series: String,
    /// Currency of records that name none.
    pub currency: Currency,
}
