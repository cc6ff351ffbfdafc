//! `bench idempotency`: what an idempotency key costs. Each command runs without a key (the raw
//! baseline), with a fresh key (claim + effect + stored answer), and again with a finished key (a replay),
//! in the same run, on the same database, at the same concurrency, in alternating rounds.

use chrono::{Duration, Utc};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{Error, Result};
use ledgerdesk_types::{AssignLicense, IdempotencyQuery, KeyStatus};
use serde::Serialize;

use super::numbering::sample_invoice;
use super::{Phase, ROUNDS, Timings, baseline_first, slice, timed};
use crate::args::Cli;
use crate::output::{self, Outcome};

#[derive(Debug, Serialize)]
pub(super) struct Report {
    backend: &'static str,
    concurrency: u32,
    operations: u32,
    tenant: String,
    invoice_without_key: Phase,
    invoice_with_key: Phase,
    invoice_replay: Phase,
    license_without_key: Phase,
    license_with_key: Phase,
    /// Invoice issue with a key: time per operation divided by the same without a key.
    invoice_cost_ratio: f64,
    /// License assign with a key: time per operation divided by the same without a key.
    license_cost_ratio: f64,
    /// Replay p99 divided by the p99 of issuing without a key.
    replay_p99_ratio: f64,
    /// Every keyed invoice was issued once, every replay answered without a new invoice.
    verified: bool,
}

fn license(tenant: &str, holder: String) -> AssignLicense {
    AssignLicense {
        tenant: tenant.to_owned(),
        holder,
        product: "books".into(),
        plan: "pro".into(),
        seats: 5,
        starts_at: None,
        expires_at: Utc::now() + Duration::days(365),
    }
}

/// Measures every phase at `concurrency`, `count` operations each, on a fresh tenant.
pub(super) async fn measure_at(url: &str, concurrency: u32, count: u32) -> Result<Report> {
    if !(1..=256).contains(&concurrency) || count < 1 {
        return Err(Error::invalid(
            "concurrency",
            "--concurrency must be from 1 to 256 and --count at least 1",
            "--concurrency 1 ile 256 arasında, --count en az 1 olmalıdır",
        ));
    }
    let store = super::open_scratch(url, concurrency + 2).await?;
    let tenant = super::scratch_invoicing(&store, "BENCHKEY").await?;

    // Operation `i` of a round starting at `first` is the phase's operation `first + i`: a replay round
    // replays exactly the keys its fresh-key round finished.
    let issue = |keyed: bool, first: u32| {
        let (store, tenant) = (store.clone(), tenant.clone());
        move |i: u32| {
            let (store, tenant) = (store.clone(), tenant.clone());
            async move {
                let key = keyed.then(|| format!("bench-invoice-{}", first + i));
                store.issue_invoice_keyed(sample_invoice(&tenant), key.as_deref()).await.map(drop)
            }
        }
    };
    let assign = |keyed: bool, first: u32| {
        let (store, tenant) = (store.clone(), tenant.clone());
        move |i: u32| {
            let (store, tenant) = (store.clone(), tenant.clone());
            async move {
                let i = first + i;
                let holder = format!("{}-{i}", if keyed { "keyed" } else { "plain" });
                let key = keyed.then(|| format!("bench-license-{i}"));
                store.assign_license(license(&tenant, holder), "bench", key.as_deref()).await.map(drop)
            }
        }
    };

    // The phases take turns over ROUNDS rounds, the commands without a key being the baseline; a round's
    // replays always follow its fresh keys.
    let mut phases: [Timings; 5] = Default::default();
    for round in 0..ROUNDS {
        let slice = slice(count, ROUNDS, round);
        let (first, size) = (slice.start, slice.len() as u32);
        if size == 0 {
            continue;
        }
        let raw_first = baseline_first(round);
        if raw_first {
            phases[0].add(timed(concurrency, size, issue(false, first)).await?);
        }
        phases[1].add(timed(concurrency, size, issue(true, first)).await?);
        phases[2].add(timed(concurrency, size, issue(true, first)).await?);
        if !raw_first {
            phases[0].add(timed(concurrency, size, issue(false, first)).await?);
        }
        let licenses = if raw_first { [(3, false), (4, true)] } else { [(4, true), (3, false)] };
        for (phase, keyed) in licenses {
            phases[phase].add(timed(concurrency, size, assign(keyed, first)).await?);
        }
    }
    let [invoice_without_key, invoice_with_key, invoice_replay, license_without_key, license_with_key] =
        phases.map(Timings::phase);

    // Every keyed issue took effect once and was replayed once: 2 × count invoices in all, each key
    // completed with exactly one replay.
    let issued: i64 = store.audit_numbering(&tenant).await?.iter().map(|a| a.count).sum();
    let query = IdempotencyQuery { command: Some("invoice.issue".into()), limit: Some(500), ..Default::default() };
    let records = store.list_idempotency_records(&tenant, &query).await?;
    let verified = issued == 2 * i64::from(count)
        && records.iter().all(|r| r.status == KeyStatus::Completed && r.replays == 1)
        && records.len() == (count as usize).min(500);

    Ok(Report {
        backend: store.backend(),
        concurrency,
        operations: count,
        tenant,
        invoice_cost_ratio: invoice_without_key.per_second / invoice_with_key.per_second,
        license_cost_ratio: license_without_key.per_second / license_with_key.per_second,
        replay_p99_ratio: invoice_replay.p99_ms / invoice_without_key.p99_ms,
        invoice_without_key,
        invoice_with_key,
        invoice_replay,
        license_without_key,
        license_with_key,
        verified,
    })
}

pub async fn run(cli: &Cli, url: &str, concurrency: u32, count: u32) -> Outcome {
    let report = measure_at(url, concurrency, count).await?;
    output::read(cli.json, &report, |r| {
        let row =
            |name: &str, p: &Phase| format!("{name:<22} {:>8.1}  {:>8.2}  {:>8.2}", p.per_second, p.p50_ms, p.p99_ms);
        [
            format!(
                "bench idempotency: {} at concurrency {}, {} operations per phase (tenant {})",
                r.backend, r.concurrency, r.operations, r.tenant
            ),
            format!("{:<22} {:>8}  {:>8}  {:>8}", "phase", "ops/s", "p50 ms", "p99 ms"),
            row("invoice, no key (raw)", &r.invoice_without_key),
            row("invoice, fresh key", &r.invoice_with_key),
            row("invoice, replay", &r.invoice_replay),
            row("license, no key (raw)", &r.license_without_key),
            row("license, fresh key", &r.license_with_key),
            format!(
                "cost of a key: invoice {:.2}x, license {:.2}x the time of the same command without one",
                r.invoice_cost_ratio, r.license_cost_ratio
            ),
            format!(
                "replay p99: {:.2} ms ({:.2}x the p99 of an issue without a key)",
                r.invoice_replay.p99_ms, r.replay_p99_ratio
            ),
            format!(
                "verified: {}",
                if r.verified { "each keyed issue took effect once; each replay wrote nothing" } else { "NO" }
            ),
        ]
        .join("\n")
    })?;
    if report.verified {
        Ok(())
    } else {
        Err(Error::Storage { backend: report.backend, detail: "the benchmark's effects do not add up".into() }.into())
    }
}
