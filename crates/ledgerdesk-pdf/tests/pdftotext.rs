//! The rendered PDF read back by poppler's `pdftotext`, as a customer's PDF reader would: the fields
//! art. 226 asks for are there as text, in either language, and the same document renders to the same
//! bytes.

use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use ledgerdesk_core::documents::FixedDocument;
use ledgerdesk_types::{
    CreditOf, CreditStatus, Currency, DocumentLanguage, DocumentParties, InvoiceLine, IssuedInvoice, LineInput, Party,
    PaymentStatus,
};
use rust_decimal::Decimal;

fn line(description: &str, quantity: i64, unit_price: &str, rate: i64) -> LineInput {
    LineInput {
        description: description.into(),
        quantity: Decimal::from(quantity),
        unit_price: unit_price.parse().unwrap(),
        tax_rate: Decimal::from(rate),
    }
}

fn document(language: DocumentLanguage, lines: &[LineInput], currency: Currency) -> FixedDocument {
    let totals = ledgerdesk_types::invoice::compute_totals(currency, lines).unwrap();
    let lines: Vec<InvoiceLine> = totals.lines.clone();
    FixedDocument {
        invoice: IssuedInvoice {
            id: 1,
            number: "INV-2026-00042".into(),
            tenant: "ACME".into(),
            series: "INV".into(),
            period: "2026".into(),
            seq: 42,
            customer: Some("GLOBEX".into()),
            issue_date: NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
            currency,
            net_total: totals.net_total,
            tax_total: totals.tax_total,
            total: totals.total,
            created_by: "ayse".into(),
            created_at: Utc.with_ymd_and_hms(2026, 2, 3, 9, 0, 0).unwrap(),
            lines,
            paid_total: Decimal::ZERO,
            payment_status: PaymentStatus::Open,
            payments: Vec::new(),
            credited_total: Decimal::ZERO,
            credit_status: CreditStatus::Issued,
            credit_of: None,
            credit_notes: Vec::new(),
        },
        parties: DocumentParties {
            supplier: Party {
                name: "Acme Yazılım Ticaret A.Ş.".into(),
                address: vec!["Büyükdere Cad. No: 1".into(), "34394 Şişli / İstanbul".into()],
                vat_id: Some("TR1234567890".into()),
            },
            iban: Some("TR330006100519786457841326".into()),
            customer: Some(Party {
                name: "Globex Ltd".into(),
                address: vec!["1 Main Street".into(), "Dublin D01".into()],
                vat_id: Some("IE6388047V".into()),
            }),
            language,
        },
        logo: None,
        sha256: None,
        fixed_at: Utc.with_ymd_and_hms(2026, 2, 3, 9, 5, 0).unwrap(),
    }
}

/// The text `pdftotext -layout` reads from `pdf`. With `LEDGERDESK_PDF_SAMPLES=DIR` the PDFs are kept
/// there to look at (`pdftoppm -png`).
fn text_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, pdf).unwrap();
    if let Some(samples) = std::env::var_os("LEDGERDESK_PDF_SAMPLES") {
        let name = format!("{}.pdf", ledgerdesk_core::documents::sha256_hex(pdf));
        std::fs::write(std::path::Path::new(&samples).join(name), pdf).unwrap();
    }
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) must be installed: .ci/run installs it");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn two_rates() -> Vec<LineInput> {
    vec![line("Consulting, February", 10, "120.00", 20), line("Books", 3, "15.50", 10), line("Support", 1, "1000", 20)]
}

#[test]
fn the_english_document_shows_number_both_vat_ids_each_rate_and_the_total() {
    let pdf = ledgerdesk_pdf::render(&document(DocumentLanguage::En, &two_rates(), Currency::Eur)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    for expected in [
        "Invoice",
        "INV-2026-00042",
        "3 February 2026",
        "VAT ID: TR1234567890",
        "VAT ID: IE6388047V",
        "Globex Ltd",
        "Consulting, February",
        "1,200.00",
        // 20 %: base 1,200.00 + 1,000.00, VAT 440.00; 10 %: base 46.50, VAT 4.65.
        "2,200.00",
        "440.00",
        "46.50",
        "4.65",
        "2,691.15 EUR",
        "TR33 0006 1005 1978 6457 8413 26",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in:\n{text}");
    }
}

#[test]
fn the_turkish_document_shows_its_characters_and_separators() {
    let pdf = ledgerdesk_pdf::render(&document(DocumentLanguage::Tr, &two_rates(), Currency::Try)).unwrap();
    let text = text_of(&pdf);
    for expected in [
        "Fatura",
        "3 Şubat 2026",
        "Acme Yazılım Ticaret A.Ş.",
        "34394 Şişli / İstanbul",
        "Vergi no: TR1234567890",
        "Oranlara göre KDV",
        "Matrah",
        "%20",
        "2.200,00",
        "2.691,15 TRY",
        "ALICI",
        "SATICI",
        "Sayfa 1 / 1",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in:\n{text}");
    }
}

#[test]
fn a_credit_note_says_so_and_cites_the_invoice_it_corrects() {
    let mut credit = document(DocumentLanguage::En, &[line("Books", 1, "15.50", 10)], Currency::Eur);
    let invoice = &mut credit.invoice;
    invoice.number = "R2026-00001".into();
    for line in &mut invoice.lines {
        line.quantity = -line.quantity;
        line.net_amount = -line.net_amount;
        line.tax_amount = -line.tax_amount;
    }
    (invoice.net_total, invoice.tax_total, invoice.total) = (-invoice.net_total, -invoice.tax_total, -invoice.total);
    invoice.credit_of = Some(CreditOf {
        number: "INV-2026-00042".into(),
        issue_date: NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
        reason: "One book returned damaged €".into(),
    });
    let text = text_of(&ledgerdesk_pdf::render(&credit).unwrap());
    for expected in [
        "Credit note",
        "R2026-00001",
        "Corrects invoice:",
        "INV-2026-00042 · 3 February 2026",
        "returned damaged €",
        "-17.05 EUR",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in:\n{text}");
    }
    assert!(!text.contains("IBAN"), "a credit note asks for no payment:\n{text}");
}

#[test]
fn the_same_document_renders_to_the_same_bytes() {
    let document = document(DocumentLanguage::Tr, &two_rates(), Currency::Try);
    let (first, second) = (ledgerdesk_pdf::render(&document).unwrap(), ledgerdesk_pdf::render(&document).unwrap());
    assert!(first == second, "two renders differ");
    let mut moved = document.clone();
    moved.parties.supplier.address[0] = "Büyükdere Cad. No: 2".into();
    assert!(ledgerdesk_pdf::render(&moved).unwrap() != first, "a different address renders the same bytes");
}

#[test]
fn a_thousand_lines_break_into_pages_each_with_its_footer() {
    let lines: Vec<LineInput> =
        (1..=1_000).map(|n| line(&format!("Item {n} with a longer description ₺"), 1, "1.00", 20)).collect();
    let text = text_of(&ledgerdesk_pdf::render(&document(DocumentLanguage::En, &lines, Currency::Eur)).unwrap());
    let pages = text.matches("INV-2026-00042 · Page ").count();
    assert!(pages > 10, "{pages} pages for 1,000 lines");
    assert!(text.contains(&format!("Page {pages} of {pages}")));
    assert!(text.contains("Item 1000 with a longer description ₺"));
    assert!(text.contains("1,200.00 EUR"));
}

#[test]
fn a_logo_is_drawn_and_a_damaged_one_is_refused_not_a_panic() {
    let mut with_logo = document(DocumentLanguage::En, &two_rates(), Currency::Eur);
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, 40, 20);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[200u8; 40 * 20 * 3]).unwrap();
    }
    with_logo.logo = Some(png.clone());
    let pdf = ledgerdesk_pdf::render(&with_logo).unwrap();
    assert!(pdf.windows(b"/Image".len()).any(|w| w == b"/Image"), "no image in the PDF");
    with_logo.logo = Some(png[..png.len() / 2].to_vec());
    // Logos are checked whole before they are stored; one damaged since is refused, not a panic.
    let refused = ledgerdesk_pdf::render(&with_logo).unwrap_err();
    assert_eq!(ledgerdesk_types::Localized::code(&refused), "document_render_failed");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Whatever valid lines an invoice has — any script in its descriptions (glyphs DejaVu lacks
    /// included), long words, many lines, any amounts the issue accepts — it renders, to the same bytes
    /// twice, and never panics.
    #[test]
    fn any_valid_invoice_renders_the_same_twice(
        descriptions in proptest::collection::vec("[a-zA-Z0-9 çğıİşöüÇĞŞÖÜ€₺日本語🧾\\-,.]{1,120}", 1..40),
        quantity in 1_i64..10_000,
        cents in -100_000_i64..10_000_000,
        rate in proptest::sample::select(vec![0_i64, 1, 8, 10, 18, 20, 21]),
        turkish in proptest::bool::ANY,
    ) {
        let lines: Vec<LineInput> = descriptions
            .iter()
            .enumerate()
            .map(|(i, description)| {
                // The first line outweighs any discount, so the total is never negative.
                let price = if i == 0 { Decimal::new(cents.abs() * 100 + 1, 2) } else { Decimal::new(cents, 2) };
                let description = if description.trim().is_empty() { "x".to_owned() } else { description.clone() };
                LineInput { description, quantity: Decimal::from(quantity), unit_price: price, tax_rate: Decimal::from(rate) }
            })
            .collect();
        let language = if turkish { DocumentLanguage::Tr } else { DocumentLanguage::En };
        let Ok(_) = ledgerdesk_types::invoice::compute_totals(Currency::Eur, &lines) else {
            return Ok(()); // refused at issue (a negative total): never stored, never printed
        };
        let document = document(language, &lines, Currency::Eur);
        let first = ledgerdesk_pdf::render(&document).expect("renders");
        proptest::prop_assert!(first.starts_with(b"%PDF-"));
        proptest::prop_assert!(ledgerdesk_pdf::render(&document).expect("renders again") == first);
    }
}
