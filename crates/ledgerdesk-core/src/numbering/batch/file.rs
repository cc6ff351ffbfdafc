//! Batch files: one invoice per record, read as a stream so a file of any length takes the same memory.
//!
//! - **JSON Lines** (`.jsonl`, `.ndjson`): one object per line,
//!   `{"ref":"sub-1001","customer":"C1","date":"2026-11-30","currency":"EUR","key":"…","lines":[{"description":"…","quantity":"1","unit_price":"120.00","tax_rate":"21"}]}`;
//!   only `lines` is required, amounts are strings (never floats), blank lines are skipped.
//! - **CSV** (`.csv`): a header row naming the columns `ref, customer, date, currency, description,
//!   quantity, unit_price, tax_rate` and optionally `key`, in any order; one row per invoice line, and the
//!   consecutive rows sharing a `ref` are one invoice (their customer, date, currency and key must agree).
//!
//! Everything in a file is hostile: a line longer than [`MAX_LINE_BYTES`] ends the file with an error
//! (nothing is read past it), a record that cannot be read is reported with its line number and the
//! records after it are still read, and nothing is guessed (an unknown column or field is refused).

use std::io::{BufRead, Read};

use chrono::NaiveDate;
use ledgerdesk_types::text::{parse_plain_decimal, shorten};
use ledgerdesk_types::{Currency, LineInput};
use serde::Deserialize;

use crate::error::{Error, Result};

/// Longest line a batch file may have.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Most lines one invoice of a batch file may have.
pub const MAX_LINES_PER_RECORD: usize = 500;

/// The batch's default id: the first 16 hex digits of the SHA-256 of the file's bytes, read as a stream.
/// The same file run again (within the keys' lifetime) so gives the same keys and replays what it issued.
pub fn content_id(mut input: impl Read) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match input.read(&mut buffer)? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    Ok(crate::trail::hex(&hasher.finalize())[..16].to_owned())
}

/// The idempotency key of a record that gives none: `batch:{batch id}:{ref}`, or, for a ref a key cannot
/// carry (not printable ASCII, or long), the ref's SHA-256 in its place.
pub fn derived_key(batch_id: &str, reference: &str) -> String {
    let printable = reference.len() <= 200 && reference.bytes().all(|b| (b' '..=b'~').contains(&b));
    if printable {
        format!("batch:{batch_id}:{reference}")
    } else {
        use sha2::{Digest, Sha256};
        format!("batch:{batch_id}:sha256-{}", crate::trail::hex(&Sha256::digest(reference.as_bytes())))
    }
}

/// How a batch file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    JsonLines,
    /// A header row, then one row per invoice line.
    Csv,
}

impl Format {
    /// The format a file's name says (`.csv`, `.jsonl`, `.ndjson`), or an error naming the ones known.
    pub fn of_path(path: &std::path::Path) -> Result<Format> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => Ok(Format::Csv),
            Some("jsonl" | "ndjson") => Ok(Format::JsonLines),
            _ => Err(Error::invalid(
                "from",
                format!("{} is neither .csv nor .jsonl", path.display()),
                format!("{} ne .csv ne de .jsonl", path.display()),
            )),
        }
    }
}

/// One invoice as the file gives it; tenant, series and user come from the command.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The line it starts on, from 1.
    pub line: u64,
    /// Its reference in the file (`ref`, or for JSON Lines without one, `line-N`): with the batch's id it
    /// makes the invoice's idempotency key unless the record gives its own.
    pub reference: String,
    /// Customer code.
    pub customer: Option<String>,
    /// Issue date; none means today in the tenant's time zone.
    pub date: Option<NaiveDate>,
    /// Currency; none means the command's.
    pub currency: Option<Currency>,
    /// Its own idempotency key.
    pub key: Option<String>,
    /// Its lines, in order.
    pub lines: Vec<LineInput>,
}

fn bad(line: u64, reason: impl Into<String>, reason_tr: impl Into<String>) -> Error {
    Error::BatchRecordInvalid { line, reason: reason.into(), reason_tr: reason_tr.into() }
}

/// Reads the records of a batch file from `input`, one at a time. The header of a CSV file is read (and
/// checked) here, so a file that cannot be a batch is refused before anything is issued.
pub fn records(
    input: impl Read + Send + 'static,
    format: Format,
) -> Result<Box<dyn Iterator<Item = Result<Record>> + Send>> {
    let input = std::io::BufReader::new(LineLimit::new(input));
    Ok(match format {
        Format::JsonLines => Box::new(JsonLines { input, line: 0, done: false }),
        Format::Csv => Box::new(CsvRecords::new(input)?),
    })
}

/// Refuses, as an I/O error, a line longer than [`MAX_LINE_BYTES`], so a hostile file cannot make a
/// reader buffer without end.
struct LineLimit<R> {
    inner: R,
    since_newline: usize,
}

impl<R> LineLimit<R> {
    fn new(inner: R) -> Self {
        LineLimit { inner, since_newline: 0 }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        for &byte in &buf[..read] {
            self.since_newline = if byte == b'\n' { 0 } else { self.since_newline + 1 };
            if self.since_newline > MAX_LINE_BYTES {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("a line is longer than {MAX_LINE_BYTES} bytes"),
                ));
            }
        }
        Ok(read)
    }
}

/// A record of a JSON Lines file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRecord {
    #[serde(rename = "ref")]
    reference: Option<String>,
    customer: Option<String>,
    date: Option<String>,
    currency: Option<String>,
    key: Option<String>,
    lines: Vec<JsonLine>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonLine {
    description: String,
    quantity: String,
    unit_price: String,
    tax_rate: String,
}

struct JsonLines<R> {
    input: R,
    line: u64,
    done: bool,
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        let mut text = String::new();
        while !self.done {
            text.clear();
            self.line += 1;
            match self.input.read_line(&mut text) {
                Ok(0) => self.done = true,
                Ok(_) if text.trim().is_empty() => continue,
                Ok(_) => return Some(json_record(self.line, &text)),
                Err(e) => {
                    self.done = true;
                    return Some(Err(unreadable(self.line, &e)));
                }
            }
        }
        None
    }
}

fn unreadable(line: u64, e: &std::io::Error) -> Error {
    bad(line, format!("the file cannot be read on from here: {e}"), format!("dosya buradan sonra okunamıyor: {e}"))
}

fn json_record(line: u64, text: &str) -> Result<Record> {
    let record: JsonRecord = serde_json::from_str(text).map_err(|e| {
        let why = shorten(&e.to_string(), 160).into_owned();
        bad(line, format!("not an invoice record: {why}"), format!("bir fatura kaydı değil: {why}"))
    })?;
    let reference = record.reference.unwrap_or_else(|| format!("line-{line}"));
    let mut lines = Vec::with_capacity(record.lines.len());
    for (i, l) in record.lines.iter().enumerate() {
        lines.push(line_input(line, i + 1, &l.description, &l.quantity, &l.unit_price, &l.tax_rate)?);
    }
    if lines.len() > MAX_LINES_PER_RECORD {
        return Err(too_many_lines(line));
    }
    Ok(Record {
        line,
        reference,
        customer: record.customer.filter(|c| !c.is_empty()),
        date: date(line, record.date.as_deref())?,
        currency: currency(line, record.currency.as_deref())?,
        key: record.key.filter(|k| !k.is_empty()),
        lines,
    })
}

fn too_many_lines(line: u64) -> Error {
    bad(
        line,
        format!("an invoice has more than {MAX_LINES_PER_RECORD} lines"),
        format!("bir fatura {MAX_LINES_PER_RECORD} satırdan fazla"),
    )
}

fn date(line: u64, text: Option<&str>) -> Result<Option<NaiveDate>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some).map_err(|_| {
            let shown = shorten(text, 40);
            bad(line, format!("date {shown:?} is not YYYY-MM-DD"), format!("tarih {shown:?} YYYY-AA-GG değil"))
        }),
    }
}

fn currency(line: u64, text: Option<&str>) -> Result<Option<Currency>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            let shown = shorten(text, 40);
            bad(line, format!("unknown currency {shown:?}"), format!("bilinmeyen para birimi {shown:?}"))
        }),
    }
}

fn line_input(
    line: u64,
    position: usize,
    description: &str,
    quantity: &str,
    price: &str,
    rate: &str,
) -> Result<LineInput> {
    let amount = |field: &str, what: &str, what_tr: &str| {
        parse_plain_decimal(field).map_err(|e| {
            bad(
                line,
                format!("invoice line {position}: the {what} {e}"),
                format!("fatura satırı {position}: {what_tr} {}", e.message_tr()),
            )
        })
    };
    Ok(LineInput {
        description: description.to_owned(),
        quantity: amount(quantity, "quantity", "miktar")?,
        unit_price: amount(price, "unit price", "birim fiyat")?,
        tax_rate: amount(rate.trim().trim_end_matches('%'), "tax rate", "vergi oranı")?,
    })
}

/// The columns of a CSV batch file, by their place in its header.
struct Columns {
    reference: usize,
    customer: usize,
    date: usize,
    currency: usize,
    description: usize,
    quantity: usize,
    unit_price: usize,
    tax_rate: usize,
    key: Option<usize>,
}

impl Columns {
    fn of(header: &csv::StringRecord) -> Result<Columns> {
        const KNOWN: [&str; 9] =
            ["ref", "customer", "date", "currency", "description", "quantity", "unit_price", "tax_rate", "key"];
        let names: Vec<String> =
            header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
        if let Some(unknown) = names.iter().find(|n| !KNOWN.contains(&n.as_str())) {
            let shown = shorten(unknown, 40);
            return Err(bad(
                1,
                format!("unknown column {shown:?}; the columns are {}", KNOWN.join(", ")),
                format!("bilinmeyen sütun {shown:?}; sütunlar: {}", KNOWN.join(", ")),
            ));
        }
        let find = |name: &str| names.iter().position(|n| n == name);
        let need = |name: &str| {
            find(name).ok_or_else(|| {
                bad(1, format!("the header has no {name} column"), format!("başlıkta {name} sütunu yok"))
            })
        };
        Ok(Columns {
            reference: need("ref")?,
            customer: need("customer")?,
            date: need("date")?,
            currency: need("currency")?,
            description: need("description")?,
            quantity: need("quantity")?,
            unit_price: need("unit_price")?,
            tax_rate: need("tax_rate")?,
            key: find("key"),
        })
    }
}

struct CsvRecords<R> {
    rows: csv::ByteRecordsIntoIter<R>,
    columns: Columns,
    width: usize,
    /// The invoice being gathered, by its ref: its rows so far, or the error of the first bad one (the
    /// rest of its rows are then passed over, so no invoice is ever issued with part of its lines).
    pending: Option<(String, Result<Record>)>,
    done: bool,
}

impl<R: Read> CsvRecords<R> {
    fn new(input: R) -> Result<Self> {
        // Flexible: a row with a missing or extra field is that row's error, not the end of the file.
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
        let header = reader
            .headers()
            .map_err(|e| bad(1, format!("no readable header: {e}"), format!("okunabilir başlık yok: {e}")))?;
        let columns = Columns::of(header)?;
        let width = header.len();
        Ok(CsvRecords { rows: reader.into_byte_records(), columns, width, pending: None, done: false })
    }

    /// The row's ref, if it has a readable one, and the one-line record it makes, or why not.
    fn row(&self, line: u64, row: &csv::ByteRecord) -> (Option<String>, Result<Record>) {
        let field = |i: usize| std::str::from_utf8(row.get(i).unwrap_or(b"")).map(str::trim);
        let reference = field(self.columns.reference).ok().filter(|r| !r.is_empty()).map(str::to_owned);
        let record = match &reference {
            None => Err(bad(line, "the ref is empty or not UTF-8", "ref boş veya UTF-8 değil")),
            Some(_) if row.len() != self.width => Err(bad(
                line,
                format!("has {} fields, the header {}", row.len(), self.width),
                format!("{} alanı var, başlığın {}", row.len(), self.width),
            )),
            Some(reference) => self.fields(line, reference, &field),
        };
        (reference, record)
    }

    fn fields<'a>(
        &self,
        line: u64,
        reference: &str,
        field: &dyn Fn(usize) -> std::result::Result<&'a str, std::str::Utf8Error>,
    ) -> Result<Record> {
        let c = &self.columns;
        let text = |i: usize| field(i).map_err(|_| bad(line, "a field is not UTF-8", "bir alan UTF-8 değil"));
        let optional = |i: usize| text(i).map(|t| Some(t.to_owned()).filter(|t| !t.is_empty()));
        Ok(Record {
            line,
            reference: reference.to_owned(),
            customer: optional(c.customer)?,
            date: date(line, Some(text(c.date)?))?,
            currency: currency(line, Some(text(c.currency)?))?,
            key: c.key.map(optional).transpose()?.flatten(),
            lines: vec![line_input(
                line,
                1,
                text(c.description)?,
                text(c.quantity)?,
                text(c.unit_price)?,
                text(c.tax_rate)?,
            )?],
        })
    }
}

/// Adds `row` (another line of the same ref) to `record`, if its invoice fields agree.
fn join(record: &mut Record, row: Record) -> Result<()> {
    if (&row.customer, row.date, row.currency, &row.key)
        != (&record.customer, record.date, record.currency, &record.key)
    {
        return Err(bad(
            row.line,
            format!("its customer, date, currency or key differ from line {}'s", record.line),
            format!("müşterisi, tarihi, para birimi veya anahtarı satır {} ile farklı", record.line),
        ));
    }
    if record.lines.len() >= MAX_LINES_PER_RECORD {
        return Err(too_many_lines(record.line));
    }
    record.lines.extend(row.lines);
    Ok(())
}

impl<R: Read> Iterator for CsvRecords<R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        while !self.done {
            let row = match self.rows.next() {
                None => {
                    self.done = true;
                    break;
                }
                Some(Ok(row)) => row,
                Some(Err(e)) => {
                    // Only reading itself fails here (flexible rows, bytes not yet decoded): the file ends.
                    self.done = true;
                    let line = e.position().map_or(0, |p| p.line());
                    let error = unreadable(line, &std::io::Error::other(e.to_string()));
                    // The invoice being gathered may have lost rows to the failure: it is refused too.
                    if let Some((_, Ok(record))) = &self.pending {
                        let first = record.line;
                        self.pending = None;
                        return Some(Err(bad(
                            first,
                            format!("the file cannot be read past line {line}, inside this invoice: {e}"),
                            format!("dosya bu faturanın içinde, satır {line} sonrasında okunamıyor: {e}"),
                        )));
                    }
                    return Some(self.pending.take().map_or(Err(error), |(_, record)| record));
                }
            };
            let line = row.position().map_or(0, |p| p.line());
            let (reference, parsed) = self.row(line, &row);
            // A row without a readable ref is taken as a row of the invoice being gathered, which is then
            // refused whole: better no invoice than one missing a line.
            let reference = match (reference, &self.pending) {
                (None, Some((gathering, _))) => Some(gathering.clone()),
                (reference, _) => reference,
            };
            // A row of the invoice being gathered joins it (or, after a bad row of it, is passed over);
            // a row of another ref hands the gathered one out and starts the next.
            if let (Some((gathering, gathered)), Some(reference)) = (&mut self.pending, &reference)
                && gathering == reference
            {
                if let Ok(record) = gathered {
                    let (first, reference) = (record.line, record.reference.clone());
                    if let Err(e) = parsed.and_then(|row| join(record, row)) {
                        *gathered = Err(match e {
                            Error::BatchRecordInvalid { line, reason, reason_tr } => bad(
                                first,
                                format!("the invoice of ref {reference:?} is refused: line {line}: {reason}"),
                                format!("ref {reference:?} faturası reddedildi: satır {line}: {reason_tr}"),
                            ),
                            other => other,
                        });
                    }
                }
                continue;
            }
            let next = (reference.unwrap_or_default(), parsed);
            if let Some((_, done)) = self.pending.replace(next) {
                return Some(done);
            }
        }
        self.pending.take().map(|(_, record)| record)
    }
}
