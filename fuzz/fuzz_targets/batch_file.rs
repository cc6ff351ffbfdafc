//! The batch file reader (a file from outside, as CSV and as JSON Lines): never panics, never gives an
//! invoice with too many lines, and reports every record with a line number inside the file.
#![no_main]

use ledgerdesk_core::batch::file::{Format, MAX_LINES_PER_RECORD, records};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64 + 1;
    for format in [Format::Csv, Format::JsonLines] {
        let Ok(read) = records(std::io::Cursor::new(data.to_vec()), format) else { continue };
        for record in read.take(10_000) {
            match record {
                Ok(record) => {
                    assert!(record.lines.len() <= MAX_LINES_PER_RECORD, "{record:?}");
                    assert!(record.line >= 1 && record.line <= lines, "{record:?}");
                    assert!(!record.reference.is_empty());
                }
                Err(e) => assert_eq!(ledgerdesk_types::Localized::code(&e), "batch_record_invalid", "{e}"),
            }
        }
    }
});
