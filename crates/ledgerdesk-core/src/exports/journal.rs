//! Journal rows: one per invoice and tax rate, built from the invoices of a period and the tenant's
//! account mapping; the hash of a snapshot; a reviewer's field edit applied to a row.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use ledgerdesk_types::text::{parse_plain_decimal, unsafe_char};
use ledgerdesk_types::{AccountMapping, Currency, ExportSettings, JournalRow, RowField};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::trail::hex;

/// The debit account of every row unless the tenant sets another (SKR03 "Forderungen aus L+L").
pub(crate) const DEFAULT_RECEIVABLES: &str = "1400";

/// Longest booking text kept in a row.
const TEXT_MAX: usize = 200;

/// An issued invoice of the period, with its lines summed per tax rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvoiceFacts {
    pub number: String,
    pub series: String,
    pub period: String,
    pub date: NaiveDate,
    pub currency: Currency,
    pub net_total: Decimal,
    pub tax_total: Decimal,
    pub total: Decimal,
    pub customer: Option<String>,
    pub customer_name: Option<String>,
    pub customer_tax_id: Option<String>,
    /// (tax rate, net, tax) per line.
    pub lines: Vec<(Decimal, Decimal, Decimal)>,
}

/// The revenue account and tax code of a rate: the tenant's mapping, else SKR03's automatic accounts
/// (19 % → 8400, 7 % → 8300, 0 % → 8120, other rates 8000) with no tax code. The flag says whether the
/// tenant mapped it.
pub(crate) fn mapping_for(settings: &ExportSettings, rate: Decimal) -> (AccountMapping, bool) {
    if let Some(mapped) = settings.accounts.iter().find(|m| m.tax_rate == rate) {
        return (mapped.clone(), true);
    }
    let account = match rate.normalize().to_string().as_str() {
        "19" => "8400",
        "7" => "8300",
        "0" => "8120",
        _ => "8000",
    };
    (AccountMapping { tax_rate: rate, revenue_account: account.into(), tax_code: String::new() }, false)
}

/// `{invoice}/{rate}`: a row's id, stable across snapshots and preparations.
pub(crate) fn row_id(invoice: &str, rate: Decimal) -> String {
    format!("{invoice}/{}", rate.normalize())
}

/// The rows of `invoices`, in date, number and rate order.
pub(crate) fn build_rows(invoices: &[InvoiceFacts], settings: &ExportSettings) -> Vec<JournalRow> {
    let mut rows = Vec::new();
    let mut ordered: Vec<&InvoiceFacts> = invoices.iter().collect();
    ordered.sort_by(|a, b| (a.date, &a.number).cmp(&(b.date, &b.number)));
    for invoice in ordered {
        let mut per_rate: BTreeMap<Decimal, (Decimal, Decimal)> = BTreeMap::new();
        for (rate, net, tax) in &invoice.lines {
            let sums = per_rate.entry(rate.normalize()).or_default();
            sums.0 += net;
            sums.1 += tax;
        }
        for (rate, (net, tax)) in per_rate {
            let (mapping, _) = mapping_for(settings, rate);
            let who = invoice.customer_name.as_deref().unwrap_or("no customer");
            rows.push(JournalRow {
                row_id: row_id(&invoice.number, rate),
                invoice: invoice.number.clone(),
                date: invoice.date,
                customer: invoice.customer.clone(),
                customer_tax_id: invoice.customer_tax_id.clone(),
                account: settings.receivables_account.clone(),
                contra_account: mapping.revenue_account,
                tax_code: mapping.tax_code,
                tax_rate: rate,
                currency: invoice.currency,
                net,
                tax,
                gross: net + tax,
                cost_centre: String::new(),
                text: truncate(&format!("Invoice {} {who}", invoice.number), TEXT_MAX),
            });
        }
    }
    rows
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A row's canonical JSON, as stored and hashed (fields in declaration order).
pub(crate) fn row_data(row: &JournalRow) -> Result<String> {
    serde_json::to_string(row)
        .map_err(|e| Error::Storage { backend: "core", detail: format!("cannot encode a row: {e}") })
}

/// Reads a stored row back.
pub(crate) fn parse_row(data: &str) -> Result<JournalRow> {
    serde_json::from_str(data)
        .map_err(|e| Error::Storage { backend: "core", detail: format!("cannot read a row: {e}") })
}

/// SHA-256 over the rows in row-id order (`{row_id}\t{data}\n` each): what an approval binds to. The
/// order rows are shown or stored in changes nothing.
pub(crate) fn snapshot_hash<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let sorted: BTreeMap<&str, &str> = rows.into_iter().collect();
    let mut digest = Sha256::new();
    for (id, data) in sorted {
        digest.update(id);
        digest.update(b"\t");
        digest.update(data);
        digest.update(b"\n");
    }
    hex(&digest.finalize())
}

/// The hash of rows not yet stored.
pub(crate) fn hash_rows(rows: &[JournalRow]) -> Result<String> {
    let data: Vec<(String, String)> =
        rows.iter().map(|r| Ok((r.row_id.clone(), row_data(r)?))).collect::<Result<_>>()?;
    Ok(snapshot_hash(data.iter().map(|(id, d)| (id.as_str(), d.as_str()))))
}

/// Net, tax and gross totals, and the currency when all rows share one.
pub(crate) fn totals(rows: &[JournalRow]) -> (Option<Currency>, Decimal, Decimal, Decimal) {
    let currency = rows.first().map(|r| r.currency).filter(|c| rows.iter().all(|r| r.currency == *c));
    let sum = |f: fn(&JournalRow) -> Decimal| rows.iter().map(f).sum::<Decimal>();
    (currency, sum(|r| r.net), sum(|r| r.tax), sum(|r| r.gross))
}

/// The dates a period covers: `202611` a month, `2026` a year.
pub(crate) fn period_range(period: &str) -> Result<(NaiveDate, NaiveDate)> {
    let invalid = || {
        Error::invalid(
            "period",
            "must be a month like 202611 or a year like 2026",
            "202611 gibi bir ay ya da 2026 gibi bir yıl olmalıdır",
        )
    };
    if !period.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let year: i32 =
        period.get(..4).and_then(|y| y.parse().ok()).filter(|y| (1..=9999).contains(y)).ok_or_else(invalid)?;
    match period.len() {
        4 => Ok((
            NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(invalid)?,
            NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(invalid)?,
        )),
        6 => {
            let month: u32 = period[4..].parse().map_err(|_| invalid())?;
            let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(invalid)?;
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)
            };
            let last = next.and_then(|d| d.pred_opt()).ok_or_else(invalid)?;
            debug_assert_eq!(last.month(), month);
            Ok((first, last))
        }
        _ => Err(invalid()),
    }
}

/// Applies a reviewer's edit to `row`; returns the field's old and new text. Amounts are plain decimals
/// with at most the currency's minor units (never rounded), and `gross` follows `net` and `tax`.
pub(crate) fn apply_edit(row: &mut JournalRow, field: RowField, value: &str) -> Result<(String, String)> {
    let old = row.field(field.as_str()).unwrap_or_default();
    let value = value.trim();
    match field {
        RowField::Net | RowField::Tax => {
            let amount = parse_plain_decimal(value)
                .map_err(|e| Error::invalid(field.as_str(), e.to_string(), e.message_tr()))?;
            if amount.scale() > row.currency.minor_units() {
                return Err(Error::invalid(
                    field.as_str(),
                    format!("has more decimals than {} allows ({})", row.currency, row.currency.minor_units()),
                    format!(
                        "{} için izin verilenden fazla ondalık içeriyor ({})",
                        row.currency,
                        row.currency.minor_units()
                    ),
                ));
            }
            if amount.abs() >= Decimal::from(1_000_000_000_000i64) {
                return Err(Error::invalid(field.as_str(), "must stay below 10^12", "10^12'nin altında kalmalıdır"));
            }
            let amount = amount.round_dp(row.currency.minor_units());
            if field == RowField::Net {
                row.net = amount
            } else {
                row.tax = amount
            }
            row.gross = row.net + row.tax;
        }
        RowField::Account | RowField::ContraAccount => {
            check_text(field, value, 1, 20, |c| c.is_ascii_alphanumeric())?;
            if field == RowField::Account { row.account = value.into() } else { row.contra_account = value.into() }
        }
        RowField::TaxCode => {
            check_text(field, value, 0, 10, |c| c.is_ascii_alphanumeric())?;
            row.tax_code = value.into();
        }
        RowField::CostCentre => {
            check_text(field, value, 0, 36, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))?;
            row.cost_centre = value.into();
        }
        RowField::Text => {
            check_text(field, value, 1, TEXT_MAX, |c| unsafe_char(&c.to_string()).is_none())?;
            row.text = value.into();
        }
    }
    let new = row.field(field.as_str()).unwrap_or_default();
    Ok((old, new))
}

fn check_text(field: RowField, value: &str, min: usize, max: usize, allowed: impl Fn(char) -> bool) -> Result<()> {
    let length = value.chars().count();
    if length < min || length > max || !value.chars().all(allowed) {
        return Err(Error::invalid(
            field.as_str(),
            format!("must be {min} to {max} characters of the kind this field takes"),
            format!("bu alanın aldığı türden {min} ile {max} arasında karakter olmalıdır"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ledgerdesk_types::Localized;

    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn settings() -> ExportSettings {
        ExportSettings {
            tenant: "ACME".into(),
            quality_threshold: 70,
            approval_hours: 72,
            second_approval_above: None,
            receivables_account: DEFAULT_RECEIVABLES.into(),
            accounts: vec![AccountMapping { tax_rate: d("21"), revenue_account: "7000".into(), tax_code: "9".into() }],
        }
    }

    fn invoice(number: &str, day: u32) -> InvoiceFacts {
        InvoiceFacts {
            number: number.into(),
            series: "INV".into(),
            period: "202611".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            currency: Currency::Eur,
            net_total: d("135.50"),
            tax_total: d("21.00"),
            total: d("156.50"),
            customer: Some("C1".into()),
            customer_name: Some("Client One".into()),
            customer_tax_id: None,
            lines: vec![
                (d("21"), d("100.00"), d("21.00")),
                (d("0"), d("35.50"), d("0.00")),
                (d("21.0"), d("0"), d("0")),
            ],
        }
    }

    #[test]
    fn one_row_per_invoice_and_rate_with_mapped_or_default_accounts() {
        let rows = build_rows(&[invoice("B-2", 4), invoice("A-1", 3)], &settings());
        let ids: Vec<&str> = rows.iter().map(|r| r.row_id.as_str()).collect();
        assert_eq!(ids, ["A-1/0", "A-1/21", "B-2/0", "B-2/21"], "date order, then rates; 21 and 21.0 are one rate");
        let mapped = &rows[1];
        assert_eq!((mapped.contra_account.as_str(), mapped.tax_code.as_str()), ("7000", "9"));
        assert_eq!((mapped.net, mapped.tax, mapped.gross), (d("100.00"), d("21.00"), d("121.00")));
        assert_eq!(rows[0].contra_account, "8120", "0 % falls back to SKR03's tax-free revenue");
        let (currency, net, tax, gross) = totals(&rows);
        assert_eq!((currency, net, tax, gross), (Some(Currency::Eur), d("271.00"), d("42.00"), d("313.00")));
    }

    #[test]
    fn the_hash_ignores_order_and_sees_every_byte() {
        let rows = build_rows(&[invoice("A-1", 3), invoice("B-2", 4)], &settings());
        let mut reversed = rows.clone();
        reversed.reverse();
        assert_eq!(hash_rows(&rows).unwrap(), hash_rows(&reversed).unwrap());
        let mut edited = rows.clone();
        edited[0].cost_centre = "K1".into();
        assert_ne!(hash_rows(&rows).unwrap(), hash_rows(&edited).unwrap());
    }

    #[test]
    fn edits_are_checked_and_gross_follows() {
        let mut row = build_rows(&[invoice("A-1", 3)], &settings()).remove(1);
        assert_eq!(apply_edit(&mut row, RowField::Net, "90.50").unwrap(), ("100.00".into(), "90.50".into()));
        assert_eq!(row.gross, d("111.50"));
        for bad in ["1e3", "90.505", "ninety", ""] {
            assert_eq!(apply_edit(&mut row, RowField::Net, bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
        assert_eq!(row.net, d("90.50"), "a refused edit changes nothing");
        apply_edit(&mut row, RowField::CostCentre, "KST-100").unwrap();
        assert!(apply_edit(&mut row, RowField::Account, "").is_err());
        assert!(apply_edit(&mut row, RowField::Text, "bad\u{202E}text").is_err());
    }

    #[test]
    fn periods_are_months_or_years() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(period_range("202602").unwrap(), (day(2026, 2, 1), day(2026, 2, 28)));
        assert_eq!(period_range("202612").unwrap(), (day(2026, 12, 1), day(2026, 12, 31)));
        assert_eq!(period_range("2026").unwrap(), (day(2026, 1, 1), day(2026, 12, 31)));
        for bad in ["202613", "20261", "all", "0000", "2026-11"] {
            assert!(period_range(bad).is_err(), "{bad}");
        }
    }
}
