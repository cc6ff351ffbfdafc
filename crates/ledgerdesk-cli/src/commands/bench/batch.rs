//! `bench batch`: N invoices issued one by one (each with its key, one transaction and one durable commit
//! each: the baseline) against the same N issued as batches of `--chunk` (one transaction each), in the
//! same run, on the same database, in alternating rounds. Both phases' numbering is audited.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{BatchItem, Error, Result};
use serde::Serialize;

use super::numbering::sample_invoice;
use super::{Phase, ROUNDS, Timings, baseline_first, slice};
use crate::args::Cli;
use crate::output::{self, Outcome};

#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub backend: &'static str,
    invoices: u32,
    chunk: u32,
    pub single_issues: Phase,
    /// One operation is one chunk here; its rate in invoices is `batch_invoices_per_second`.
    batches: Phase,
    pub batch_invoices_per_second: f64,
    /// Batch invoices/s divided by single issues/s.
    pub speedup: f64,
    audit_clean: bool,
}

/// Measures both phases with `invoices` each, the batches in chunks of `chunk`.
pub(super) async fn measure(url: &str, invoices: u32, chunk: u32) -> Result<Report> {
    if invoices < 1 || !(1..=ledgerdesk_core::batch::MAX_BATCH as u32).contains(&chunk) {
        return Err(Error::invalid(
            "chunk",
            "--count must be at least 1 and --chunk from 1 to 2000",
            "--count en az 1, --chunk 1 ile 2000 arasında olmalıdır",
        ));
    }
    let store = super::open_scratch(url, 4).await?;
    let single_tenant = super::scratch_invoicing(&store, "BENCHONE").await?;
    let batch_tenant = super::scratch_invoicing(&store, "BENCHMANY").await?;
    let chunks = invoices.div_ceil(chunk);
    // The phases take turns (see ROUNDS), in at most one round per chunk.
    let rounds = ROUNDS.min(chunks);
    let (mut single_issues, mut batches) = (Timings::default(), Timings::default());
    for round in 0..rounds {
        let singles = || {
            super::sequential_timed(slice(invoices, rounds, round), |i| {
                let (store, tenant) = (&store, &single_tenant);
                async move {
                    let key = format!("single-{i}");
                    store.issue_invoice_keyed(sample_invoice(tenant), Some(&key)).await.map(drop)
                }
            })
        };
        let batched = || {
            super::sequential_timed(slice(chunks, rounds, round), |c| {
                let (store, tenant) = (&store, &batch_tenant);
                async move {
                    let items = (c * chunk..((c + 1) * chunk).min(invoices))
                        .map(|i| BatchItem { request: sample_invoice(tenant), key: Some(format!("batch-{i}")) })
                        .collect();
                    for outcome in store.issue_batch(items).await? {
                        outcome?;
                    }
                    Ok(())
                }
            })
        };
        if baseline_first(round) {
            single_issues.add(singles().await?);
            batches.add(batched().await?);
        } else {
            batches.add(batched().await?);
            single_issues.add(singles().await?);
        }
    }
    let (single_issues, batches) = (single_issues.phase(), batches.phase());

    let mut audit_clean = true;
    for tenant in [&single_tenant, &batch_tenant] {
        let audit = store.audit_numbering(tenant).await?;
        audit_clean &=
            audit.iter().all(|a| a.is_clean()) && audit.iter().map(|a| a.count).sum::<i64>() == i64::from(invoices);
    }
    let batch_invoices_per_second = f64::from(invoices) / batches.seconds;
    Ok(Report {
        backend: store.backend(),
        invoices,
        chunk,
        speedup: batch_invoices_per_second / single_issues.per_second,
        single_issues,
        batches,
        batch_invoices_per_second,
        audit_clean,
    })
}

pub async fn run(cli: &Cli, url: &str, invoices: u32, chunk: u32) -> Outcome {
    let report = measure(url, invoices, chunk).await?;
    output::read(cli.json, &report, |r| {
        format!(
            "bench batch: {} invoices on {}, keyed, chunks of {}\n\
             single issues   {:>9.1} invoices/s  ({:.1} s)\n\
             batches         {:>9.1} invoices/s  ({:.1} s; a chunk p50 {:.1} ms, p99 {:.1} ms)\n\
             speedup batch/single: {:.1}x\n\
             audit: {}",
            r.invoices,
            r.backend,
            r.chunk,
            r.single_issues.per_second,
            r.single_issues.seconds,
            r.batch_invoices_per_second,
            r.batches.seconds,
            r.batches.p50_ms,
            r.batches.p99_ms,
            r.speedup,
            super::audit_line(r.audit_clean)
        )
    })?;
    super::audit_verdict(report.backend, report.audit_clean)
}
