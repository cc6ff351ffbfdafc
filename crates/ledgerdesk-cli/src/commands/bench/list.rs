//! `bench list`: one page of the invoice list, as the desktop asks for it, on a book of N invoices.
//!
//! Phases: the first page again and again; the newest-first walk through the book one page after another
//! (keyset paging); a filtered page (series and period). The baseline is the cheapest read the store has,
//! a single invoice by number, measured in the same run: the ratio says what a page costs over it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::Utc;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, IssueInvoice, NewSeries, Result};
use ledgerdesk_types::{Currency, InvoiceListQuery, LineInput, ResetPolicy};
use rust_decimal::Decimal;
use serde::Serialize;

use super::Phase;
use crate::args::Cli;
use crate::output::{self, Outcome};

const TENANT: &str = "BENCHLIST";
const SEEDERS: u32 = 8;

#[derive(Debug, Serialize)]
pub(super) struct Report {
    backend: &'static str,
    pages: u32,
    invoices: i64,
    baseline_get_one: Phase,
    first_page: Phase,
    walk_pages: Phase,
    filtered_page: Phase,
    first_page_p50_ratio: f64,
}

/// Issues invoices until the BENCHLIST book holds `wanted`; returns how many it holds.
async fn fill(store: &AnyStore, wanted: i64) -> Result<i64> {
    super::scratch_tenant(store, TENANT, "List benchmark").await?;
    let series = NewSeries {
        tenant: TENANT.into(),
        code: "INV".into(),
        format: Some("INV-{SEQ:7}".into()),
        reset: ResetPolicy::Never,
        corrective: false,
    };
    store.add_series(series).await?;
    let held: i64 = store.audit_numbering(TENANT).await?.iter().map(|a| a.count).sum();
    let missing = u32::try_from((wanted - held).max(0)).unwrap_or(u32::MAX);
    if missing > 0 {
        eprintln!("bench list: issuing {missing} invoices to reach {wanted} (once per database)");
    }
    let next = Arc::new(AtomicU32::new(0));
    let workers: Vec<_> = (0..SEEDERS)
        .map(|_| {
            let (store, next) = (store.clone(), Arc::clone(&next));
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < missing {
                    let invoice = IssueInvoice {
                        tenant: TENANT.into(),
                        series: "INV".into(),
                        customer: None,
                        issue_date: Some(Utc::now().date_naive()),
                        currency: Currency::Eur,
                        lines: vec![LineInput {
                            description: "Subscription".into(),
                            quantity: Decimal::ONE,
                            unit_price: Decimal::new(4_990, 2),
                            tax_rate: Decimal::from(20),
                        }],
                        user: "bench".into(),
                        reserved: None,
                    };
                    store.issue_invoice(invoice).await?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for worker in workers {
        worker.await.map_err(|e| Error::Storage { backend: store.backend(), detail: e.to_string() })??;
    }
    Ok(held + i64::from(missing))
}

/// Measures every phase, `pages` pages each, on a book of `invoices` (filled on first use).
pub(super) async fn measure(url: &str, invoices: u32, pages: u32) -> Result<Report> {
    let store = super::open_scratch(url, SEEDERS + 2).await?;
    let held = fill(&store, i64::from(invoices)).await?;
    let newest = store.list_invoices(TENANT, &InvoiceListQuery::default()).await?;
    let Some(top) = newest.first().cloned() else {
        return Err(Error::InvoiceNotFound("any invoice of BENCHLIST".into()));
    };
    let period = top.period.clone();

    let baseline_get_one = super::sequential(pages, |_| {
        let (store, number) = (store.clone(), top.number.clone());
        async move { store.get_invoice(TENANT, &number).await.map(drop) }
    })
    .await?;
    let first_page = super::sequential(pages, |_| {
        let store = store.clone();
        async move { store.list_invoices(TENANT, &InvoiceListQuery::default()).await.map(drop) }
    })
    .await?;
    let cursor = Arc::new(std::sync::Mutex::new(None::<i64>));
    let walk_pages = super::sequential(pages, |_| {
        let (store, cursor) = (store.clone(), Arc::clone(&cursor));
        async move {
            let before_id = *cursor.lock().unwrap_or_else(|p| p.into_inner());
            let page = store.list_invoices(TENANT, &InvoiceListQuery { before_id, ..Default::default() }).await?;
            *cursor.lock().unwrap_or_else(|p| p.into_inner()) = page.last().map(|i| i.id);
            Ok(())
        }
    })
    .await?;
    let filtered_page = super::sequential(pages, |_| {
        let store = store.clone();
        let query = InvoiceListQuery { series: Some("INV".into()), period: Some(period.clone()), ..Default::default() };
        async move { store.list_invoices(TENANT, &query).await.map(drop) }
    })
    .await?;

    Ok(Report {
        backend: store.backend(),
        pages,
        invoices: held,
        first_page_p50_ratio: first_page.p50_ms / baseline_get_one.p50_ms.max(f64::MIN_POSITIVE),
        baseline_get_one,
        first_page,
        walk_pages,
        filtered_page,
    })
}

pub async fn run(cli: &Cli, url: &str, invoices: u32, pages: u32) -> Outcome {
    let report = measure(url, invoices, pages).await?;
    let row = |name: &str, p: &Phase| format!("{name:<28} {:>8.3}  {:>8.3}", p.p50_ms, p.p99_ms);
    output::read(cli.json, &report, |r| {
        [
            format!(
                "bench list: {} with {} invoices, {} pages per phase, 50 rows a page",
                r.backend, r.invoices, r.pages
            ),
            "phase                          p50 ms    p99 ms".into(),
            row("baseline: one invoice", &r.baseline_get_one),
            row("first page", &r.first_page),
            row("walk newest→oldest", &r.walk_pages),
            row("filtered (series, period)", &r.filtered_page),
            format!("first page / baseline (p50): {:.2}x", r.first_page_p50_ratio),
        ]
        .join("\n")
    })
}
