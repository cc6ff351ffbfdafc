//! Benchmarks: each measures real work and a baseline in the same run, on the same database, and prints
//! both (never a timed test: these machines are shared and noisy).

mod idempotency;
mod list;
mod numbering;

use std::time::Duration;

use ledgerdesk_core::Result;
use serde::Serialize;

use crate::args::{BenchCommand, Cli};

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

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1_000.0
}

pub async fn run(cli: &Cli, url: &str, command: &BenchCommand) -> Result<()> {
    match *command {
        BenchCommand::Numbering { concurrency, count } => numbering::run(cli, url, concurrency, count).await,
        BenchCommand::List { invoices, pages } => list::run(cli, url, invoices, pages).await,
        BenchCommand::Idempotency { concurrency, count } => idempotency::run(cli, url, concurrency, count).await,
    }
}
