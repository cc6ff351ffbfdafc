//! Shared set-up for the contracts: a tenant, a series, a customer, and invoice requests.

use chrono::NaiveDate;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, IssueInvoice, NewCustomer, NewSeries, NewTenant};
use ledgerdesk_types::{Currency, LineInput, NumberingAudit, ResetPolicy};

pub const FORMAT: &str = "{YYYY}{MM}-{SEQ:5}-{SUFFIX}";

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// A tenant whose books open in 2020 and accept dates up to a year ahead, so the contracts' fixed dates
/// (2026-11 to 2027-02) stay accepted whatever day they run on.
pub fn tenant(code: &str) -> NewTenant {
    NewTenant {
        code: code.into(),
        name: format!("{code} Ltd"),
        time_zone: "Europe/Madrid".into(),
        books_open_from: Some(date(2020, 1, 1)),
        future_days_allowed: Some(366),
    }
}

/// Tenant `code` with a monthly series INV and a customer C1.
pub async fn seed(store: &AnyStore, code: &str) {
    store.add_tenant(tenant(code)).await.expect("tenant");
    store
        .add_series(NewSeries {
            tenant: code.into(),
            code: "INV".into(),
            format: Some(FORMAT.into()),
            reset: ResetPolicy::Monthly,
            corrective: false,
        })
        .await
        .expect("series");
    store
        .add_customer(NewCustomer {
            tenant: code.into(),
            code: "C1".into(),
            name: "First Customer".into(),
            tax_id: None,
        })
        .await
        .expect("customer");
}

pub fn line(description: &str, quantity: &str, unit_price: &str, tax_rate: &str) -> LineInput {
    LineInput {
        description: description.into(),
        quantity: quantity.parse().expect("quantity"),
        unit_price: unit_price.parse().expect("unit price"),
        tax_rate: tax_rate.parse().expect("tax rate"),
    }
}

/// A one-line EUR invoice of `tenant`'s INV series dated `on`.
pub fn invoice(tenant: &str, on: NaiveDate) -> IssueInvoice {
    IssueInvoice {
        tenant: tenant.into(),
        series: "INV".into(),
        customer: Some("C1".into()),
        issue_date: Some(on),
        currency: Currency::Eur,
        lines: vec![line("Bookkeeping", "1", "100.00", "21")],
        user: "conformance".into(),
        reserved: None,
    }
}

/// The audit row of (`series`, `period`), which must exist.
pub async fn audit_of(store: &AnyStore, tenant: &str, series: &str, period: &str) -> NumberingAudit {
    store
        .audit_numbering(tenant)
        .await
        .expect("audit")
        .into_iter()
        .find(|a| a.series == series && a.period == period)
        .unwrap_or_else(|| panic!("no audit row for {series} {period}"))
}

/// Asserts that (`series`, `period`) holds exactly positions 1..=n, nothing voided.
pub async fn assert_exactly_one_to(store: &AnyStore, tenant: &str, period: &str, n: i64) {
    let audit = audit_of(store, tenant, "INV", period).await;
    assert!(audit.is_clean(), "{audit:?}");
    assert_eq!((audit.count, audit.first, audit.last, audit.next_value), (n, Some(1), Some(n), n + 1), "{audit:?}");
    assert!(audit.voided.is_empty() && audit.reserved.is_empty(), "{audit:?}");
}

/// A one-year, five-seat license of `holder` in `tenant`.
pub fn license(tenant: &str, holder: &str) -> ledgerdesk_types::AssignLicense {
    ledgerdesk_types::AssignLicense {
        tenant: tenant.into(),
        holder: holder.into(),
        product: "books".into(),
        plan: "pro".into(),
        seats: 5,
        starts_at: None,
        expires_at: chrono::Utc::now() + chrono::Duration::days(365),
    }
}
