//! `bench numbering`: real invoice issues against a raw baseline measured in the same run, on the same
//! database, at the same concurrency: a bare counter-row increment and commit.

use chrono::Utc;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, IssueInvoice, NewSeries, Result};
use ledgerdesk_types::{Currency, LineInput, ResetPolicy};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{Phase, ROUNDS, Timings, baseline_first, slice};
use crate::args::Cli;
use crate::output::{self, Outcome};

#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub backend: &'static str,
    pub concurrency: u32,
    operations: u32,
    tenant: String,
    pub raw_counter: Phase,
    pub invoice_issue: Phase,
    /// Issue throughput divided by raw throughput.
    pub throughput_ratio: f64,
    /// Issue p99 divided by raw p99.
    p99_ratio: f64,
    /// The continuity audit of the issued invoices came back clean and complete.
    pub audit_clean: bool,
}

#[derive(Clone, Copy)]
enum Operation {
    RawIncrement,
    Issue,
}

/// Runs `count` of `operation` over `concurrency` tasks.
async fn round(store: &AnyStore, tenant: &str, concurrency: u32, count: u32, operation: Operation) -> Result<Timings> {
    let (store, tenant) = (store.clone(), tenant.to_owned());
    super::timed(concurrency, count, move |_| {
        let (store, tenant) = (store.clone(), tenant.clone());
        async move {
            match operation {
                Operation::RawIncrement => store.bench_counter_increment(&tenant, "RAW", "raw").await.map(drop),
                Operation::Issue => store.issue_invoice(sample_invoice(&tenant)).await.map(drop),
            }
        }
    })
    .await
}

/// Both phases, `count` operations each, in [`ROUNDS`] alternating rounds, the raw counter first in even ones.
async fn measure(store: &AnyStore, tenant: &str, concurrency: u32, count: u32) -> Result<(Phase, Phase)> {
    let (mut raw, mut issue) = (Timings::default(), Timings::default());
    for turn in 0..ROUNDS {
        let size = slice(count, ROUNDS, turn).len() as u32;
        if size == 0 {
            continue;
        }
        let order = if baseline_first(turn) {
            [Operation::RawIncrement, Operation::Issue]
        } else {
            [Operation::Issue, Operation::RawIncrement]
        };
        for operation in order {
            let timings = round(store, tenant, concurrency, size, operation).await?;
            match operation {
                Operation::RawIncrement => raw.add(timings),
                Operation::Issue => issue.add(timings),
            }
        }
    }
    Ok((raw.phase(), issue.phase()))
}

pub(super) fn sample_invoice(tenant: &str) -> IssueInvoice {
    IssueInvoice {
        tenant: tenant.to_owned(),
        series: "INV".into(),
        customer: None,
        issue_date: None,
        currency: Currency::Eur,
        lines: vec![
            LineInput {
                description: "Bookkeeping, monthly".into(),
                quantity: Decimal::ONE,
                unit_price: Decimal::new(12_000, 2),
                tax_rate: Decimal::from(21),
            },
            LineInput {
                description: "Payroll runs".into(),
                quantity: Decimal::from(3),
                unit_price: Decimal::new(1_550, 2),
                tax_rate: Decimal::from(21),
            },
        ],
        user: "bench".into(),
        reserved: None,
    }
}

/// Measures both phases at `concurrency`, `count` operations each, on a fresh tenant.
pub(super) async fn measure_at(url: &str, concurrency: u32, count: u32) -> Result<Report> {
    if !(1..=256).contains(&concurrency) || count < 1 {
        return Err(Error::invalid(
            "concurrency",
            "--concurrency must be from 1 to 256 and --count at least 1",
            "--concurrency 1 ile 256 arasında, --count en az 1 olmalıdır",
        ));
    }
    let store = super::open_scratch(url, concurrency + 2).await?;
    let tenant = format!("BENCH{}", Utc::now().format("%Y%m%d%H%M%S%3f"));
    super::scratch_tenant(&store, &tenant, "Benchmark").await?;
    for (code, format, reset) in
        [("INV", "{YYYY}{MM}-{SEQ:5}-{SUFFIX}", ResetPolicy::Monthly), ("RAW", "RAW-{SEQ:8}", ResetPolicy::Never)]
    {
        let series = NewSeries {
            tenant: tenant.clone(),
            code: code.into(),
            format: Some(format.into()),
            reset,
            corrective: false,
        };
        store.add_series(series).await?;
    }

    let (raw_counter, invoice_issue) = measure(&store, &tenant, concurrency, count).await?;
    // The RAW series only has a counter, no invoices: audit the invoices' series alone.
    let audit: Vec<_> = store.audit_numbering(&tenant).await?.into_iter().filter(|a| a.series == "INV").collect();
    let issued: i64 = audit.iter().map(|a| a.count).sum();
    let audit_clean = audit.iter().all(|a| a.is_clean()) && issued == i64::from(count);

    Ok(Report {
        backend: store.backend(),
        concurrency,
        operations: count,
        tenant,
        throughput_ratio: invoice_issue.per_second / raw_counter.per_second,
        p99_ratio: invoice_issue.p99_ms / raw_counter.p99_ms,
        raw_counter,
        invoice_issue,
        audit_clean,
    })
}

pub async fn run(cli: &Cli, url: &str, concurrency: u32, count: u32) -> Outcome {
    let report = measure_at(url, concurrency, count).await?;
    output::read(cli.json, &report, |r| {
        format!(
            "bench numbering: {} at concurrency {}, {} operations per phase (tenant {})\n\
             phase            ops/s     p50 ms    p99 ms\n\
             raw counter   {:>8.1}  {:>8.2}  {:>8.2}\n\
             invoice issue {:>8.1}  {:>8.2}  {:>8.2}\n\
             ratio issue/raw: throughput {:.2}x, p99 {:.2}x\n\
             audit: {}",
            r.backend,
            r.concurrency,
            r.operations,
            r.tenant,
            r.raw_counter.per_second,
            r.raw_counter.p50_ms,
            r.raw_counter.p99_ms,
            r.invoice_issue.per_second,
            r.invoice_issue.p50_ms,
            r.invoice_issue.p99_ms,
            r.throughput_ratio,
            r.p99_ratio,
            super::audit_line(r.audit_clean)
        )
    })?;
    super::audit_verdict(report.backend, report.audit_clean)
}
