//! The DATEV "Buchungsstapel" layout (EXTF, format version 700, category 21): a header line, a line of
//! column headings, then one booking per row; `;` separated, text in double quotes, Windows-1252, CRLF,
//! decimal comma, amounts unsigned with a debit/credit flag (`S`/`H`), document dates as DDMM.
//!
//! Each row books its gross amount on the receivables account (`Konto`, debit) against the revenue
//! account (`Gegenkonto`) with its tax code (`BU-Schlüssel`); a reversal books the same with `H`. The
//! cost centre goes to `KOST1`, column 37: the columns between are written empty.

use chrono::Datelike;
use ledgerdesk_types::JournalRow;
use rust_decimal::Decimal;

use super::FileMeta;

/// DATEV's longest `Buchungstext`.
pub(crate) const TEXT_MAX: usize = 60;

/// DATEV's longest `Belegfeld 1`.
const DOCUMENT_MAX: usize = 36;

/// The first 37 column headings of a Buchungsstapel: up to `KOST1 - Kostenstelle`.
const HEADINGS: [&str; 37] = [
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "WKZ Umsatz",
    "Kurs",
    "Basis-Umsatz",
    "WKZ Basis-Umsatz",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel",
    "Belegdatum",
    "Belegfeld 1",
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
    "Postensperre",
    "Diverse Adressnummer",
    "Geschäftspartnerbank",
    "Sachverhalt",
    "Zinssperre",
    "Beleglink",
    "Beleginfo - Art 1",
    "Beleginfo - Inhalt 1",
    "Beleginfo - Art 2",
    "Beleginfo - Inhalt 2",
    "Beleginfo - Art 3",
    "Beleginfo - Inhalt 3",
    "Beleginfo - Art 4",
    "Beleginfo - Inhalt 4",
    "Beleginfo - Art 5",
    "Beleginfo - Inhalt 5",
    "Beleginfo - Art 6",
    "Beleginfo - Inhalt 6",
    "Beleginfo - Art 7",
    "Beleginfo - Inhalt 7",
    "Beleginfo - Art 8",
    "Beleginfo - Inhalt 8",
    "KOST1 - Kostenstelle",
];

/// Whether every text of `row` that goes into a DATEV file can be written in Windows-1252.
pub(crate) fn representable(row: &JournalRow) -> bool {
    [&row.text, &row.invoice, &row.cost_centre, &row.account, &row.contra_account, &row.tax_code]
        .iter()
        .all(|text| !encoding_rs::WINDOWS_1252.encode(text).2)
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn amount(value: Decimal) -> String {
    format!("{:.2}", value.abs()).replace('.', ",")
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn header(meta: &FileMeta<'_>, currency: &str) -> Vec<String> {
    let (from, to) = meta.range;
    let day = |d: chrono::NaiveDate| d.format("%Y%m%d").to_string();
    let fiscal_year_start = chrono::NaiveDate::from_ymd_opt(from.year(), 1, 1).unwrap_or(from);
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let title = if meta.reverses.is_some() { "Storno" } else { "Ledgerdesk" };
    vec![
        quoted("EXTF"),
        "700".into(),
        "21".into(),
        quoted("Buchungsstapel"),
        "13".into(),
        meta.created.format("%Y%m%d%H%M%S%3f").to_string(),
        String::new(),
        quoted("LD"),
        quoted("Ledgerdesk"),
        quoted(""),
        number(meta.destination.advisor_number),
        number(meta.destination.client_number),
        day(fiscal_year_start),
        "4".into(),
        day(from),
        day(to),
        quoted(&cut(&format!("{title} {} {} #{}", meta.tenant, meta.period, meta.export), 30)),
        quoted(""),
        "1".into(),
        "0".into(),
        "0".into(),
        quoted(currency),
        String::new(),
        quoted(""),
        String::new(),
        String::new(),
        quoted(""),
        String::new(),
        quoted(""),
        quoted(""),
        quoted(""),
    ]
}

fn booking(row: &JournalRow) -> Vec<String> {
    // Amounts are written unsigned: a negative one (a reversal's rows) books on the credit side.
    let debit = row.gross >= Decimal::ZERO;
    let mut fields = vec![
        amount(row.gross),
        quoted(if debit { "S" } else { "H" }),
        quoted(row.currency.code()),
        String::new(),
        String::new(),
        quoted(""),
        row.account.clone(),
        row.contra_account.clone(),
        quoted(&row.tax_code),
        row.date.format("%d%m").to_string(),
        quoted(&cut(&row.invoice, DOCUMENT_MAX)),
        quoted(""),
        String::new(),
        quoted(&cut(&row.text, TEXT_MAX)),
    ];
    fields.resize(HEADINGS.len() - 1, String::new());
    fields.push(quoted(&row.cost_centre));
    fields
}

pub(crate) fn render(meta: &FileMeta<'_>, rows: &[JournalRow]) -> Result<Vec<u8>, String> {
    let currency = rows.first().map(|r| r.currency.code()).unwrap_or("EUR");
    let mut lines =
        vec![header(meta, currency).join(";"), HEADINGS.iter().map(|h| quoted(h)).collect::<Vec<_>>().join(";")];
    lines.extend(rows.iter().map(|row| booking(row).join(";")));
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    if unmappable {
        return Err("a text holds a character Windows-1252 cannot write (the quality check names the row)".into());
    }
    Ok(bytes.into_owned())
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use ledgerdesk_types::{Currency, Destination, ExportFormat};

    use super::*;
    use crate::exports::files::reversed;

    fn row() -> JournalRow {
        JournalRow {
            row_id: "202611-00001-ACME/19".into(),
            invoice: "202611-00001-ACME".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            customer: Some("C1".into()),
            customer_tax_id: None,
            account: "1400".into(),
            contra_account: "8400".into(),
            tax_code: "".into(),
            tax_rate: "19".parse().unwrap(),
            currency: Currency::Eur,
            net: "1000.00".parse().unwrap(),
            tax: "190.00".parse().unwrap(),
            gross: "1190.00".parse().unwrap(),
            cost_centre: "K100".into(),
            text: "Rechnung Müller \"Straße\"".into(),
        }
    }

    #[test]
    fn a_booking_line_in_windows_1252_with_crlf_and_decimal_comma() {
        let destination = Destination {
            id: 1,
            tenant: "ACME".into(),
            name: "datev".into(),
            format: ExportFormat::Datev,
            folder: "/tmp".into(),
            advisor_number: Some(29098),
            client_number: Some(55003),
            created_by: "admin".into(),
            created_at: Utc::now(),
        };
        let meta = FileMeta {
            tenant: "ACME",
            export: 7,
            period: "202611",
            destination: &destination,
            range: (NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
            created: Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap(),
            reverses: None,
        };
        let bytes = render(&meta, &[row()]).unwrap();
        let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
        assert!(!bad && bytes.contains(&0xFC), "ü is one Windows-1252 byte");
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(
            lines[0].starts_with("\"EXTF\";700;21;\"Buchungsstapel\";13;20261123093000000;;\"LD\";"),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains(";29098;55003;20260101;4;20261101;20261130;"), "{}", lines[0]);
        assert!(lines[1].starts_with("\"Umsatz (ohne Soll/Haben-Kz)\";\"Soll/Haben-Kennzeichen\""));
        let booking: Vec<&str> = lines[2].split(';').collect();
        assert_eq!(
            &booking[..11],
            ["1190,00", "\"S\"", "\"EUR\"", "", "", "\"\"", "1400", "8400", "\"\"", "0311", "\"202611-00001-ACME\""]
        );
        assert_eq!(booking[13], "\"Rechnung Müller \"\"Straße\"\"\"");
        assert_eq!((booking.len(), booking[36]), (37, "\"K100\""));
        assert_eq!(lines[3], "", "the file ends with CRLF");

        let undo = reversed(&[row()]);
        let bytes = render(&meta, &undo).unwrap();
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
        assert!(text.split("\r\n").nth(2).unwrap().starts_with("1190,00;\"H\";"), "a reversal books on the other side");
    }
}
