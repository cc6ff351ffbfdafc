//! The quality check, run on prepare, on every edit and again before each step: errors block
//! submission and approval, warnings lower the score, and amounts a reviewer changed must be
//! acknowledged by the approver.
//!
//! Findings are grouped by code (one finding lists every row it was found in), and the score is
//! `100 − 25 × kinds of error − 5 × kinds of warning`: a thousand rows without a tax id are one warning,
//! not a thousand.

use std::collections::{BTreeMap, BTreeSet};

use ledgerdesk_types::{ExportFormat, ExportSettings, Finding, JournalRow, Quality, Severity};
use rust_decimal::Decimal;

use super::files::datev;
use super::journal::{InvoiceFacts, mapping_for};

/// Examples kept per finding.
const EXAMPLES: usize = 20;

/// What the check looks at.
pub(crate) struct Context<'a> {
    /// The reviewed copy.
    pub rows: &'a [JournalRow],
    /// Every issued invoice of the export's period (and series).
    pub invoices: &'a [InvoiceFacts],
    /// Invoices a reviewer changed an amount of (with a reason).
    pub amount_edited: &'a BTreeSet<String>,
    /// (series, period, missing positions) of the numbering periods the export touches.
    pub gaps: &'a [(String, String, Vec<i64>)],
    pub settings: &'a ExportSettings,
    pub format: ExportFormat,
}

#[derive(Default)]
struct Findings {
    found: BTreeMap<(u8, &'static str), Vec<String>>,
}

impl Findings {
    fn add(&mut self, severity: Severity, code: &'static str, example: impl Into<String>) {
        let rank = if severity == Severity::Error { 0 } else { 1 };
        self.found.entry((rank, code)).or_default().push(example.into());
    }
}

/// Runs every check.
pub(crate) fn check(ctx: &Context<'_>) -> Quality {
    let mut findings = Findings::default();
    let rows = ctx.rows;
    if rows.is_empty() {
        findings.add(Severity::Error, "export_empty", "-");
    }
    let currencies: BTreeSet<&str> = rows.iter().map(|r| r.currency.code()).collect();
    if currencies.len() > 1 {
        findings.add(Severity::Error, "currency_mix", currencies.into_iter().collect::<Vec<_>>().join(", "));
    }
    let mut rates_unmapped = BTreeSet::new();
    for row in rows {
        if row.account.trim().is_empty() || row.contra_account.trim().is_empty() {
            findings.add(Severity::Error, "account_missing", &row.row_id);
        }
        if row.customer_tax_id.as_deref().is_none_or(|id| id.trim().is_empty()) {
            findings.add(Severity::Warning, "customer_tax_id_missing", &row.row_id);
        }
        if row.gross.is_zero() {
            findings.add(Severity::Warning, "zero_amount", &row.row_id);
        }
        if !mapping_for(ctx.settings, row.tax_rate).1 && rates_unmapped.insert(row.tax_rate.normalize()) {
            findings.add(Severity::Warning, "mapping_default", format!("{}%", row.tax_rate.normalize()));
        }
        if ctx.format == ExportFormat::Datev {
            if !datev::representable(row) {
                findings.add(Severity::Error, "not_windows_1252", &row.row_id);
            }
            if row.text.chars().count() > datev::TEXT_MAX {
                findings.add(Severity::Warning, "text_truncated", &row.row_id);
            }
        }
    }
    check_against_invoices(ctx, &mut findings);
    for (series, period, gaps) in ctx.gaps {
        for seq in gaps {
            findings.add(Severity::Error, "numbering_gap", format!("{series} {period} #{seq}"));
        }
    }
    quality(findings, ctx.settings.quality_threshold)
}

/// Each invoice's rows add up to its totals (or a reviewer changed them, with a reason), and every
/// invoice of the period has rows.
fn check_against_invoices(ctx: &Context<'_>, findings: &mut Findings) {
    let mut sums: BTreeMap<&str, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    for row in ctx.rows {
        let sum = sums.entry(row.invoice.as_str()).or_default();
        sum.0 += row.net;
        sum.1 += row.tax;
        sum.2 += row.gross;
    }
    let known: BTreeSet<&str> = ctx.invoices.iter().map(|i| i.number.as_str()).collect();
    for invoice in ctx.invoices {
        let Some(&(net, tax, gross)) = sums.get(invoice.number.as_str()) else {
            findings.add(Severity::Error, "invoice_missing", &invoice.number);
            continue;
        };
        if (net, tax, gross) != (invoice.net_total, invoice.tax_total, invoice.total) {
            if ctx.amount_edited.contains(&invoice.number) {
                findings.add(Severity::Warning, "amount_edited", &invoice.number);
            } else {
                findings.add(Severity::Error, "totals_mismatch", &invoice.number);
            }
        }
    }
    for number in sums.keys().filter(|n| !known.contains(*n)) {
        findings.add(Severity::Error, "invoice_unknown", *number);
    }
}

fn quality(findings: Findings, threshold: u8) -> Quality {
    let mut errors = 0u32;
    let mut warnings = 0u32;
    let findings: Vec<Finding> = findings
        .found
        .into_iter()
        .map(|((rank, code), examples)| {
            let severity = if rank == 0 { Severity::Error } else { Severity::Warning };
            if severity == Severity::Error {
                errors += 1
            } else {
                warnings += 1
            }
            let (message, message_tr) = describe(code, examples.len());
            Finding {
                severity,
                code: code.into(),
                count: examples.len() as u32,
                examples: examples.into_iter().take(EXAMPLES).collect(),
                message,
                message_tr,
            }
        })
        .collect();
    let score = 100i64 - 25 * i64::from(errors) - 5 * i64::from(warnings);
    Quality { score: score.clamp(0, 100) as u8, threshold, findings }
}

fn describe(code: &str, n: usize) -> (String, String) {
    let (en, tr) = match code {
        "export_empty" => {
            ("the period has no issued invoices to export", "dönemde dışa aktarılacak kesilmiş fatura yok")
        }
        "currency_mix" => ("rows in more than one currency", "birden fazla para biriminde satır var"),
        "account_missing" => {
            ("rows without an account or contra account", "hesabı ya da karşı hesabı olmayan satırlar")
        }
        "totals_mismatch" => (
            "invoices whose rows no longer add up to their totals, with no edit to explain it",
            "satırları tutarlarını tutmayan ve bunu açıklayan bir düzeltme olmayan faturalar",
        ),
        "invoice_missing" => (
            "invoices of the period not in the export (issued since it was prepared: revise it)",
            "dışa aktarımda olmayan dönem faturaları (hazırlandıktan sonra kesilmiş: yeniden hazırlayın)",
        ),
        "invoice_unknown" => {
            ("rows of invoices not issued in this period", "bu dönemde kesilmemiş faturaların satırları")
        }
        "numbering_gap" => {
            ("numbers missing from the period's continuity audit", "dönemin süreklilik denetiminde eksik numaralar")
        }
        "not_windows_1252" => (
            "rows with characters DATEV files cannot hold (Windows-1252)",
            "DATEV dosyalarının tutamayacağı karakterler içeren satırlar (Windows-1252)",
        ),
        "amount_edited" => (
            "invoices whose amounts a reviewer changed: the approver must acknowledge the difference",
            "tutarları bir denetçi tarafından değiştirilen faturalar: onaylayan farkı kabul etmelidir",
        ),
        "customer_tax_id_missing" => {
            ("rows whose customer has no tax id", "müşterisinin vergi numarası olmayan satırlar")
        }
        "zero_amount" => ("rows of zero amount", "sıfır tutarlı satırlar"),
        "mapping_default" => (
            "tax rates with no revenue account of the tenant's: the default is used",
            "kiracının gelir hesabı tanımlamadığı vergi oranları: varsayılan kullanılıyor",
        ),
        "text_truncated" => {
            ("booking texts longer than DATEV's 60 characters", "DATEV'in 60 karakterinden uzun kayıt metinleri")
        }
        _ => ("a finding", "bir bulgu"),
    };
    (format!("{n} × {en}"), format!("{n} × {tr}"))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use ledgerdesk_types::{AccountMapping, Currency};

    use super::*;
    use crate::exports::journal::build_rows;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn invoice(number: &str) -> InvoiceFacts {
        InvoiceFacts {
            number: number.into(),
            series: "INV".into(),
            period: "202611".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            currency: Currency::Eur,
            net_total: d("100.00"),
            tax_total: d("19.00"),
            total: d("119.00"),
            customer: Some("C1".into()),
            customer_name: Some("Client".into()),
            customer_tax_id: Some("DE123".into()),
            lines: vec![(d("19"), d("100.00"), d("19.00"))],
        }
    }

    fn settings() -> ExportSettings {
        ExportSettings {
            tenant: "ACME".into(),
            quality_threshold: 70,
            approval_hours: 72,
            second_approval_above: None,
            receivables_account: "1400".into(),
            accounts: vec![AccountMapping { tax_rate: d("19"), revenue_account: "8400".into(), tax_code: "".into() }],
        }
    }

    fn run(rows: &[JournalRow], invoices: &[InvoiceFacts], edited: &[&str]) -> Quality {
        let amount_edited = edited.iter().map(|s| (*s).to_owned()).collect();
        let settings = settings();
        let ctx = Context {
            rows,
            invoices,
            amount_edited: &amount_edited,
            gaps: &[],
            settings: &settings,
            format: ExportFormat::Datev,
        };
        check(&ctx)
    }

    fn codes(quality: &Quality) -> Vec<&str> {
        quality.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn a_clean_export_scores_100() {
        let invoices = [invoice("A-1"), invoice("A-2")];
        let rows = build_rows(&invoices, &settings());
        let quality = run(&rows, &invoices, &[]);
        assert_eq!((quality.score, codes(&quality)), (100, vec![]));
        assert!(quality.submittable() && !quality.needs_acknowledgement());
    }

    #[test]
    fn a_changed_amount_is_an_error_unless_an_edit_explains_it() {
        let invoices = [invoice("A-1")];
        let mut rows = build_rows(&invoices, &settings());
        rows[0].net = d("90.00");
        rows[0].gross = d("109.00");
        let unexplained = run(&rows, &invoices, &[]);
        assert_eq!(codes(&unexplained), ["totals_mismatch"]);
        assert!(!unexplained.submittable());
        let explained = run(&rows, &invoices, &["A-1"]);
        assert_eq!((codes(&explained), explained.score), (vec!["amount_edited"], 95));
        assert!(explained.submittable() && explained.needs_acknowledgement());
    }

    #[test]
    fn findings_are_grouped_and_errors_come_first() {
        let mut invoices = vec![invoice("A-1"), invoice("A-2"), invoice("A-3")];
        for i in &mut invoices {
            i.customer_tax_id = None;
        }
        let mut rows = build_rows(&invoices[..2], &settings());
        rows[0].account.clear();
        rows[1].text = "Straße → ok? no: →".into();
        let quality = run(&rows, &invoices, &[]);
        assert_eq!(
            codes(&quality),
            ["account_missing", "invoice_missing", "not_windows_1252", "customer_tax_id_missing"]
        );
        let tax_ids = &quality.findings[3];
        assert_eq!((tax_ids.count, tax_ids.examples.len()), (2, 2));
        assert_eq!(quality.score, 100 - 3 * 25 - 5);
        assert!(!quality.submittable());
        assert_eq!(run(&[], &[], &[]).findings[0].code, "export_empty");
    }
}
