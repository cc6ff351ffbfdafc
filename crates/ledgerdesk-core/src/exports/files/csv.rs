//! The CSV layout: UTF-8, a header line, `,` separated, RFC 4180 quoting and CRLF line ends; amounts
//! with a decimal point. A reversal adds a last column naming the file it undoes.

use ledgerdesk_types::JournalRow;

use super::FileMeta;

pub(crate) fn render(meta: &FileMeta<'_>, rows: &[JournalRow]) -> Result<Vec<u8>, String> {
    let mut writer = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    let reverses = meta.reverses.map(|original| format!("{} sha256:{}", original.path, original.sha256));
    // The row id, then every field a diff compares, in the same order.
    let columns: Vec<&str> = std::iter::once("row_id").chain(JournalRow::FIELDS).collect();
    let mut headings = columns.clone();
    if reverses.is_some() {
        headings.push("reverses");
    }
    writer.write_record(&headings).map_err(|e| e.to_string())?;
    for row in rows {
        let mut record: Vec<String> = columns.iter().map(|name| row.field(name).unwrap_or_default()).collect();
        record.extend(reverses.clone());
        writer.write_record(&record).map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}
