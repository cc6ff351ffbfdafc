//! Posted files: the bytes of each format, their names, and writing them so that no half-written file
//! is ever visible under its name.
//!
//! A file's bytes depend only on the rows and the export (its "created" stamp is the approval's time),
//! so posting again after a crash writes the same bytes under the same name.

pub(crate) mod csv;
pub(crate) mod datev;
pub(crate) mod json;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerdesk_types::{Destination, ExportFormat, JournalRow, PostedFile};
use sha2::{Digest, Sha256};

use crate::trail::hex;

/// What a file says about the export besides its rows.
#[derive(Debug, Clone)]
pub(crate) struct FileMeta<'a> {
    pub tenant: &'a str,
    pub export: i64,
    pub period: &'a str,
    pub destination: &'a Destination,
    /// First and last day of the period.
    pub range: (NaiveDate, NaiveDate),
    /// The file's "created" stamp: the time of the approval it carries out.
    pub created: DateTime<Utc>,
    /// For a reversal: the file it undoes.
    pub reverses: Option<&'a PostedFile>,
}

/// The file's name in the destination folder.
pub(crate) fn file_name(meta: &FileMeta<'_>) -> String {
    let reversal = if meta.reverses.is_some() { "-reversal" } else { "" };
    match meta.destination.format {
        // DATEV's import looks for EXTF_ files.
        ExportFormat::Datev => format!("EXTF_{}_{}_{}{reversal}.csv", meta.tenant, meta.period, meta.export),
        ExportFormat::Csv => format!("{}-{}-export{}{reversal}.csv", meta.tenant, meta.period, meta.export),
        ExportFormat::Json => format!("{}-{}-export{}{reversal}.json", meta.tenant, meta.period, meta.export),
    }
}

/// The file's bytes.
pub(crate) fn render(meta: &FileMeta<'_>, rows: &[JournalRow]) -> Result<Vec<u8>, String> {
    match meta.destination.format {
        ExportFormat::Csv => csv::render(meta, rows),
        ExportFormat::Json => json::render(meta, rows),
        ExportFormat::Datev => datev::render(meta, rows),
    }
}

/// The rows of a reversal: the same rows with opposite signs.
pub(crate) fn reversed(rows: &[JournalRow]) -> Vec<JournalRow> {
    rows.iter().map(|row| JournalRow { net: -row.net, tax: -row.tax, gross: -row.gross, ..row.clone() }).collect()
}

/// Writes `bytes` to `folder/name` atomically: a hidden temporary file in the same folder, flushed to
/// disk, then renamed over the name (and the folder flushed), so a reader sees the whole file or none.
/// Temporary files an earlier, killed attempt left behind are removed first.
pub(crate) fn write_atomically(
    folder: &Path,
    name: &str,
    bytes: &[u8],
    at: DateTime<Utc>,
) -> std::io::Result<PostedFile> {
    if !folder.is_dir() {
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("{} is not a folder", folder.display())));
    }
    let prefix = format!(".{name}.tmp-");
    for leftover in fs::read_dir(folder)?.flatten() {
        if leftover.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(leftover.path());
        }
    }
    let temporary = folder.join(format!("{prefix}{}", std::process::id()));
    let mut file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(e);
    }
    crate::fault::pause_blocking("export-file-written");
    let path = folder.join(name);
    if let Err(e) = fs::rename(&temporary, &path) {
        let _ = fs::remove_file(&temporary);
        return Err(e);
    }
    File::open(folder)?.sync_all()?;
    Ok(PostedFile {
        path: path.display().to_string(),
        size: bytes.len() as u64,
        sha256: hex(&Sha256::digest(bytes)),
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_leaves_the_whole_file_and_no_temporary() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join(".a.csv.tmp-999"), b"half").unwrap();
        let posted = write_atomically(folder.path(), "a.csv", b"one;two\r\n", Utc::now()).unwrap();
        assert_eq!(std::fs::read(&posted.path).unwrap(), b"one;two\r\n");
        assert_eq!(posted.size, 9);
        assert_eq!(posted.sha256, hex(&Sha256::digest(b"one;two\r\n")));
        let names: Vec<String> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.csv"], "the earlier attempt's temporary file is gone too");
        let missing = write_atomically(&folder.path().join("nope"), "a.csv", b"x", Utc::now()).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }
}
