//! The batch file reader over random files: invoices written as CSV (quoted by the `csv` crate) or as
//! JSON Lines are read back exactly, and any bytes at all are read or refused without a panic. The
//! fuzz target `batch_file` runs the second property far longer by hand.

use chrono::NaiveDate;
use ledgerdesk_core::batch::file::{Format, Record, records};
use ledgerdesk_types::{Currency, LineInput};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// An invoice of a file: ref, customer, date, currency, lines (description, quantity, price, rate).
type Invoice = (String, Option<String>, Option<NaiveDate>, Option<Currency>, Vec<(String, Decimal, Decimal, Decimal)>);

fn amount() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000_i64..1_000_000_000, 0_u32..5).prop_map(|(units, scale)| Decimal::new(units, scale))
}

fn invoice() -> impl Strategy<Value = Invoice> {
    (
        "[a-z0-9-]{1,12}",
        proptest::option::of("[A-Z0-9]{1,8}"),
        proptest::option::of(
            (0_u64..3_000_000).prop_map(|d| NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Days::new(d)),
        ),
        proptest::option::of(proptest::sample::select(Currency::ALL.to_vec())),
        proptest::collection::vec(("[^\\x00-\\x1f]{0,20}", amount(), amount(), 0_i64..100), 1..4),
    )
        .prop_map(|(reference, customer, date, currency, lines)| {
            let lines = lines.into_iter().map(|(d, q, p, r)| (d, q, p, Decimal::from(r))).collect();
            (reference, customer, date, currency, lines)
        })
}

/// Distinct consecutive refs, so each invoice stays one record.
fn invoices() -> impl Strategy<Value = Vec<Invoice>> {
    proptest::collection::vec(invoice(), 0..12).prop_map(|mut list| {
        for (i, invoice) in list.iter_mut().enumerate() {
            invoice.0 = format!("{}-{i}", invoice.0);
        }
        list
    })
}

fn csv_file(list: &[Invoice]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["ref", "customer", "date", "currency", "description", "quantity", "unit_price", "tax_rate"])
        .unwrap();
    for (reference, customer, date, currency, lines) in list {
        for (description, quantity, price, rate) in lines {
            writer
                .write_record([
                    reference.clone(),
                    customer.clone().unwrap_or_default(),
                    date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                    currency.map(|c| c.code().to_owned()).unwrap_or_default(),
                    description.clone(),
                    quantity.to_string(),
                    price.to_string(),
                    rate.to_string(),
                ])
                .unwrap();
        }
    }
    writer.into_inner().unwrap()
}

fn jsonl_file(list: &[Invoice]) -> Vec<u8> {
    let mut out = String::new();
    for (reference, customer, date, currency, lines) in list {
        let lines: Vec<_> = lines
            .iter()
            .map(|(d, q, p, r)| serde_json::json!({"description": d, "quantity": q.to_string(), "unit_price": p.to_string(), "tax_rate": r.to_string()}))
            .collect();
        let record = serde_json::json!({
            "ref": reference, "customer": customer, "date": date.map(|d| d.format("%Y-%m-%d").to_string()),
            "currency": currency.map(|c| c.code()), "lines": lines,
        });
        out.push_str(&record.to_string());
        out.push('\n');
    }
    out.into_bytes()
}

fn read(bytes: Vec<u8>, format: Format) -> Vec<Record> {
    records(std::io::Cursor::new(bytes), format).expect("a readable file").map(|r| r.expect("a valid record")).collect()
}

fn same(list: &[Invoice], read: &[Record]) -> Result<(), TestCaseError> {
    prop_assert_eq!(read.len(), list.len());
    for ((reference, customer, date, currency, lines), record) in list.iter().zip(read) {
        prop_assert_eq!(&record.reference, reference);
        prop_assert_eq!(&record.customer, customer);
        prop_assert_eq!(record.date, *date);
        prop_assert_eq!(record.currency, *currency);
        let expected: Vec<LineInput> = lines
            .iter()
            .map(|(d, q, p, r)| LineInput {
                description: d.trim().to_owned(),
                quantity: *q,
                unit_price: *p,
                tax_rate: *r,
            })
            .collect();
        let got: Vec<LineInput> = record
            .lines
            .iter()
            .map(|l| LineInput { description: l.description.trim().to_owned(), ..l.clone() })
            .collect();
        prop_assert_eq!(got, expected);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn invoices_written_as_csv_read_back_exactly(list in invoices()) {
        same(&list, &read(csv_file(&list), Format::Csv))?;
    }

    #[test]
    fn invoices_written_as_json_lines_read_back_exactly(list in invoices()) {
        same(&list, &read(jsonl_file(&list), Format::JsonLines))?;
    }

    #[test]
    fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for format in [Format::Csv, Format::JsonLines] {
            if let Ok(read) = records(std::io::Cursor::new(bytes.clone()), format) {
                for record in read.take(1_000) {
                    if let Err(e) = record {
                        prop_assert_eq!(ledgerdesk_types::Localized::code(&e), "batch_record_invalid");
                    }
                }
            }
        }
    }
}
