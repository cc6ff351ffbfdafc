//! Benchmarks: each measures real work and a baseline in the same run, on the same database, and prints
//! both (never a timed test: these machines are shared and noisy).

mod batch;
mod documents;
mod exports;
mod idempotency;
mod list;
mod numbering;
mod report;
mod webhooks;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, NewSeries, NewTenant, Opening, Result, StoreOptions};
use ledgerdesk_types::ResetPolicy;
use serde::Serialize;

use crate::args::{BenchCommand, Cli};
use crate::output::Outcome;

/// The book a benchmark writes into: pointed at a scratch book, which it creates if there is none.
async fn open_scratch(url: &str, max_connections: u32) -> Result<AnyStore> {
    AnyStore::open_as(url, StoreOptions { max_connections, ..StoreOptions::default() }, Opening::CreateIfMissing).await
}

/// Adds the benchmark's own tenant `code`, in UTC.
async fn scratch_tenant(store: &AnyStore, code: &str, name: &str) -> Result<()> {
    let tenant = NewTenant {
        code: code.to_owned(),
        name: name.to_owned(),
        time_zone: "UTC".into(),
        books_open_from: None,
        future_days_allowed: None,
    };
    store.add_tenant(tenant).await.map(drop)
}

/// A fresh tenant `{prefix}{now}` with series INV (`{YYYY}{MM}-{SEQ:6}-{SUFFIX}`, monthly), for a
/// benchmark that issues invoices; returns its code.
async fn scratch_invoicing(store: &AnyStore, prefix: &str) -> Result<String> {
    let tenant = format!("{prefix}{}", chrono::Utc::now().format("%Y%m%d%H%M%S%3f"));
    scratch_tenant(store, &tenant, "Benchmark").await?;
    let series = NewSeries {
        tenant: tenant.clone(),
        code: "INV".into(),
        format: Some("{YYYY}{MM}-{SEQ:6}-{SUFFIX}".into()),
        reset: ResetPolicy::Monthly,
        corrective: false,
    };
    store.add_series(series).await?;
    Ok(tenant)
}

/// How a benchmark's numbering audit reads in its report.
fn audit_line(clean: bool) -> &'static str {
    if clean { "clean, every number issued once" } else { "BROKEN" }
}

/// A benchmark whose numbering audit is not clean fails, whatever its figures.
fn audit_verdict(backend: &'static str, clean: bool) -> Outcome {
    if clean {
        Ok(())
    } else {
        Err(Error::Storage { backend, detail: "the benchmark's numbering audit is not clean".into() }.into())
    }
}

/// Throughput and latency of one measured phase.
#[derive(Debug, Serialize)]
pub struct Phase {
    operations: u32,
    seconds: f64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Phase {
    /// Summarizes per-operation `latencies` measured over `elapsed` wall time.
    pub fn of(mut latencies: Vec<Duration>, elapsed: Duration) -> Phase {
        latencies.sort_unstable();
        let operations = latencies.len() as u32;
        let seconds = elapsed.as_secs_f64();
        Phase {
            operations,
            seconds,
            per_second: f64::from(operations) / seconds,
            p50_ms: percentile(&latencies, 0.50),
            p99_ms: percentile(&latencies, 0.99),
        }
    }
}

/// Operations timed so far: their latencies and the wall time they took, over one or more rounds.
#[derive(Debug, Default)]
pub(crate) struct Timings {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Timings {
    /// Adds a further round.
    pub(crate) fn add(&mut self, round: Timings) {
        self.latencies.extend(round.latencies);
        self.elapsed += round.elapsed;
    }

    pub(crate) fn phase(self) -> Phase {
        Phase::of(self.latencies, self.elapsed)
    }
}

/// Runs `operation(i)` for i in 0..count over `concurrency` tasks.
pub(crate) async fn measure<F, Fut>(concurrency: u32, count: u32, operation: F) -> Result<Phase>
where
    F: Fn(u32) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send,
{
    timed(concurrency, count, operation).await.map(Timings::phase)
}

/// As [`measure`], but gives the timings themselves, for a phase measured in rounds.
pub(crate) async fn timed<F, Fut>(concurrency: u32, count: u32, operation: F) -> Result<Timings>
where
    F: Fn(u32) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send,
{
    let (next, operation) = (Arc::new(AtomicU32::new(0)), Arc::new(operation));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, operation) = (Arc::clone(&next), Arc::clone(&operation));
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return Ok::<_, Error>(latencies);
                    }
                    let began = Instant::now();
                    operation(i).await?;
                    latencies.push(began.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(count as usize);
    for worker in workers {
        latencies.extend(worker.await.map_err(|e| Error::Storage { backend: "bench", detail: e.to_string() })??);
    }
    Ok(Timings { latencies, elapsed: started.elapsed() })
}

/// Runs `operation(i)` for i in 0..count, one after another, timing each.
pub(crate) async fn sequential<F, Fut>(count: u32, operation: F) -> Result<Phase>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    sequential_timed(0..count, operation).await.map(Timings::phase)
}

/// As [`sequential`], over `range`, giving the timings themselves, for a phase measured in rounds.
pub(crate) async fn sequential_timed<F, Fut>(range: std::ops::Range<u32>, mut operation: F) -> Result<Timings>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut latencies = Vec::with_capacity(range.len());
    let started = Instant::now();
    for i in range {
        let began = Instant::now();
        operation(i).await?;
        latencies.push(began.elapsed());
    }
    Ok(Timings { latencies, elapsed: started.elapsed() })
}

/// Rounds a benchmark's phases are cut into. Its baseline and its real work take turns (the baseline
/// first in even rounds, last in odd ones: [`baseline_first`]), so a shared machine that slows down or
/// speeds up during the run weighs on both alike and their ratio stays a comparison: run one phase after
/// the other, a disk that got slower halfway moved the ratio by 2x between runs.
pub(crate) const ROUNDS: u32 = 10;

/// Whether the baseline runs first in `round`.
pub(crate) fn baseline_first(round: u32) -> bool {
    round.is_multiple_of(2)
}

/// The `round`th of `rounds` near-equal slices of 0..count.
pub(crate) fn slice(count: u32, rounds: u32, round: u32) -> std::ops::Range<u32> {
    let at = |r: u32| (u64::from(count) * u64::from(r) / u64::from(rounds)) as u32;
    at(round)..at(round + 1)
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1_000.0
}

pub async fn run(cli: &Cli, url: &str, command: &BenchCommand) -> Outcome {
    match *command {
        BenchCommand::Numbering { concurrency, count } => numbering::run(cli, url, concurrency, count).await,
        BenchCommand::Batch { count, chunk } => batch::run(cli, url, count, chunk).await,
        BenchCommand::Report { ref out, count, list_invoices, batch_invoices } => {
            report::run(cli, url, out, report::Sizes { count, list_invoices, batch_invoices }).await
        }
        BenchCommand::List { invoices, pages } => list::run(cli, url, invoices, pages).await,
        BenchCommand::Idempotency { concurrency, count } => idempotency::run(cli, url, concurrency, count).await,
        BenchCommand::Diff { rows, edits, repeat } => exports::diff(cli, url, rows, edits, repeat).await,
        BenchCommand::Audit { entries, repeat } => exports::audit(cli, url, entries, repeat).await,
        BenchCommand::Pdf { count } => documents::run(cli, url, count).await,
        BenchCommand::Webhooks { concurrency, count, deliveries, poll_ms } => {
            webhooks::run(cli, url, webhooks::Sizes { concurrency, count, deliveries, poll_ms }).await
        }
    }
}
