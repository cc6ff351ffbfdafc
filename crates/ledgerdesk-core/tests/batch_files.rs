//! The batch file reader: what a finance user's CSV or JSON Lines file gives, record by record, and
//! what it refuses (with the line), without ever reading past a hostile line.

use ledgerdesk_core::batch::file::{Format, MAX_LINE_BYTES, Record, derived_key, records};
use ledgerdesk_core::{Error, Result};
use ledgerdesk_types::{Currency, Localized};

fn read(text: &str, format: Format) -> Vec<Result<Record>> {
    records(std::io::Cursor::new(text.as_bytes().to_vec()), format).expect("a readable file").collect()
}

fn failure(result: &Result<Record>) -> (u64, String) {
    match result {
        Err(Error::BatchRecordInvalid { line, reason, .. }) => (*line, reason.clone()),
        other => panic!("expected a refused record, got {other:?}"),
    }
}

const HEADER: &str = "ref,customer,date,currency,description,quantity,unit_price,tax_rate\n";

#[test]
fn csv_rows_of_one_ref_make_one_invoice() {
    let file = format!(
        "{HEADER}sub-1,C1,2026-12-01,TRY,Aylık abonelik,1,1200.00,20\n\
         sub-1,C1,2026-12-01,TRY,\"Ek kullanıcı, 3 kişi\",3,150.00,20%\n\
         sub-2,C2,,,Danışmanlık,2,500,20\n"
    );
    let got = read(&file, Format::Csv);
    assert_eq!(got.len(), 2);
    let first = got[0].as_ref().expect("sub-1");
    assert_eq!((first.line, first.reference.as_str(), first.lines.len()), (2, "sub-1", 2));
    assert_eq!(first.currency, Some(Currency::Try));
    assert_eq!(first.lines[1].description, "Ek kullanıcı, 3 kişi");
    assert_eq!(first.lines[1].tax_rate, 20.into());
    let second = got[1].as_ref().expect("sub-2");
    assert_eq!((second.date, second.currency, second.line), (None, None, 4));
}

#[test]
fn a_bad_row_refuses_its_whole_invoice_and_nothing_else() {
    let file = format!(
        "{HEADER}a,C1,2026-12-01,EUR,One,1,10.00,21\n\
         a,C1,2026-12-01,EUR,Two,1,1O.00,21\n\
         a,C1,2026-12-01,EUR,Three,1,10.00,21\n\
         b,C1,2026-12-01,EUR,Other,1,10.00,21\n\
         c,C1,2026-12-01,EUR,Date,1,10.00,21\n\
         c,C1,2026-12-02,EUR,Moved,1,10.00,21\n\
         d,C1,2026-13-01,EUR,Month,1,10.00,21\n\
         e,C1,2026-12-01,XXX,Money,1,10.00,21\n\
         f,C1,2026-12-01\n"
    );
    let got = read(&file, Format::Csv);
    assert_eq!(got.len(), 6, "{got:?}");
    let (line, reason) = failure(&got[0]);
    assert_eq!(line, 2, "reported at the invoice's first line");
    assert!(reason.contains("line 3") && reason.contains("unit price"), "{reason}");
    assert_eq!(got[1].as_ref().expect("b").reference, "b");
    assert!(failure(&got[2]).1.contains("differ from line 6"), "{:?}", got[2]);
    assert!(failure(&got[3]).1.contains("YYYY-MM-DD"));
    assert!(failure(&got[4]).1.contains("currency"));
    assert!(failure(&got[5]).1.contains("fields"), "{:?}", got[5]);
}

#[test]
fn a_header_that_is_not_a_batch_is_refused_before_any_record() {
    for header in [
        "ref,customer,date,currency,description,quantity,unit_price\n",
        "ref,customer,date,currency,description,quantity,unit_price,tax_rate,discount\n",
    ] {
        let refused = records(std::io::Cursor::new(header.as_bytes().to_vec()), Format::Csv).err().expect("refused");
        assert_eq!(refused.code(), "batch_record_invalid");
        assert!(!refused.message_tr().is_empty());
    }
}

#[test]
fn json_lines_are_read_strictly() {
    let file = "{\"ref\":\"x\",\"customer\":\"C1\",\"lines\":[{\"description\":\"A\",\"quantity\":\"1\",\"unit_price\":\"5\",\"tax_rate\":\"0\"}]}\n\
                \n\
                {\"lines\":[{\"description\":\"B\",\"quantity\":\"1\",\"unit_price\":5,\"tax_rate\":\"0\"}]}\n\
                {\"lines\":[],\"colour\":\"red\"}\n\
                not json\n\
                {\"lines\":[{\"description\":\"C\",\"quantity\":\"2\",\"unit_price\":\"1.5\",\"tax_rate\":\"8\"}]}\n";
    let got = read(file, Format::JsonLines);
    assert_eq!(got.len(), 5);
    assert_eq!(got[0].as_ref().expect("x").reference, "x");
    assert_eq!(failure(&got[1]).0, 3, "an amount written as a JSON number is refused: no floats");
    assert!(failure(&got[2]).1.contains("colour"));
    assert_eq!(failure(&got[3]).0, 5);
    let last = got[4].as_ref().expect("line 6");
    assert_eq!((last.line, last.reference.as_str()), (6, "line-6"));
}

#[test]
fn a_line_past_the_limit_ends_the_file_there() {
    let ok = "{\"lines\":[{\"description\":\"A\",\"quantity\":\"1\",\"unit_price\":\"5\",\"tax_rate\":\"0\"}]}\n";
    let file = format!("{ok}{}\n{ok}", "x".repeat(MAX_LINE_BYTES + 10));
    let got = read(&file, Format::JsonLines);
    assert!(got[0].is_ok());
    assert!(failure(&got[1]).1.contains("cannot be read"), "{:?}", got[1]);
    assert_eq!(got.len(), 2, "nothing is read past the hostile line");
}

#[test]
fn derived_keys_are_valid_keys_for_any_ref() {
    assert_eq!(derived_key("0d6261d85c1377b1", "sub-1"), "batch:0d6261d85c1377b1:sub-1");
    for reference in ["abonelik-ü", &"r".repeat(300), "tab\there"] {
        let key = derived_key("id", reference);
        assert!(key.len() <= 255 && key.bytes().all(|b| (b' '..=b'~').contains(&b)), "{key}");
        assert_ne!(key, derived_key("id", "other"));
    }
}
