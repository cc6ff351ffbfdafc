//! `bench diff` and `bench audit`: what the export diff and the audit trail's verification cost, each
//! against reading the same rows without the work, in the same run on the same database.
//!
//! - diff: an export of N rows (N invoices of this month, one tax rate each), E of them edited; the diff
//!   prepared → approved against reading both snapshots' rows (the diff's own reads, parsed alike).
//! - audit: a chain of N entries (a `BENCHAUDIT` tenant filled with real invoice issues on first use);
//!   `verify` against `scan`, which reads every entry in the same batches and hashes nothing.

use chrono::Utc;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, NewSeries};
use ledgerdesk_types::{EditExport, ExportFormat, NewDestination, PrepareExport, ResetPolicy, RowField, Snapshot};
use serde::Serialize;

use super::numbering::sample_invoice;
use super::{Phase, measure, sequential};
use crate::args::Cli;
use crate::output::{self, Outcome};

/// Concurrent issuers filling a book.
const FILLERS: u32 = 8;

#[derive(Debug, Serialize)]
struct DiffReport {
    backend: &'static str,
    rows: u32,
    edits: u32,
    read_both_snapshots: Phase,
    diff: Phase,
    /// Diff p50 divided by the read's p50.
    diff_p50_ratio: f64,
    verified: bool,
}

fn verification_failed(store: &AnyStore, what: &str) -> Error {
    Error::Storage { backend: store.backend(), detail: format!("the benchmark's {what} do not add up") }
}

pub async fn diff(cli: &Cli, url: &str, rows: u32, edits: u32, repeat: u32) -> Outcome {
    if !(1..=200_000).contains(&rows) || edits > rows.min(1_000) || !(1..=100).contains(&repeat) {
        return Err(Error::invalid(
            "rows",
            "--rows must be 1 to 200000, --edits at most --rows and 1000, --repeat 1 to 100",
            "--rows 1 ile 200000, --edits en fazla --rows ve 1000, --repeat 1 ile 100 arasında olmalıdır",
        )
        .into());
    }
    let store = super::open_scratch(url, FILLERS + 2).await?;
    let tenant = super::scratch_invoicing(&store, "BENCHDIFF").await?;
    eprintln!("bench diff: issuing {rows} invoices (tenant {tenant})");
    let issuer = {
        let (store, tenant) = (store.clone(), tenant.clone());
        move |_| {
            let (store, tenant) = (store.clone(), tenant.clone());
            async move { store.issue_invoice(sample_invoice(&tenant)).await.map(drop) }
        }
    };
    measure(FILLERS, rows, issuer).await?;
    let folder = std::env::temp_dir().join(format!("ledgerdesk-bench-{tenant}"));
    std::fs::create_dir_all(&folder)
        .map_err(|e| Error::Storage { backend: "bench", detail: format!("{}: {e}", folder.display()) })?;
    let destination = NewDestination {
        tenant: tenant.clone(),
        name: "bench".into(),
        format: ExportFormat::Csv,
        folder: folder.display().to_string(),
        advisor_number: None,
        client_number: None,
    };
    store.add_destination(destination, "bench").await?;
    let period = Utc::now().format("%Y%m").to_string();
    let request = PrepareExport { tenant: tenant.clone(), destination: "bench".into(), period, series: None };
    let mut export = store.prepare_export(request, "bench", None).await?.value;
    let row_ids: Vec<String> =
        store.export_rows(&tenant, export.id, Snapshot::Approved).await?.into_iter().map(|r| r.row_id).collect();
    eprintln!("bench diff: prepared {} rows; editing {edits}", row_ids.len());
    for (i, row_id) in
        row_ids.iter().step_by((row_ids.len() / edits.max(1) as usize).max(1)).take(edits as usize).enumerate()
    {
        let edit = EditExport {
            tenant: tenant.clone(),
            export: export.id,
            expected_version: export.version,
            row_id: row_id.clone(),
            field: RowField::CostCentre,
            value: format!("K{i}"),
            reason: "benchmark".into(),
        };
        export = store.edit_export(edit, "bench-editor", None).await?.value;
    }
    let read_both_snapshots = sequential(repeat, |_| {
        let (store, tenant) = (store.clone(), tenant.clone());
        async move {
            store.export_rows(&tenant, export.id, Snapshot::Prepared).await?;
            store.export_rows(&tenant, export.id, Snapshot::Approved).await.map(drop)
        }
    })
    .await?;
    let diff = sequential(repeat, |_| {
        let (store, tenant) = (store.clone(), tenant.clone());
        async move { store.diff_export(&tenant, export.id, Snapshot::Prepared, Snapshot::Approved).await.map(drop) }
    })
    .await?;
    let result = store.diff_export(&tenant, export.id, Snapshot::Prepared, Snapshot::Approved).await?;
    let verified = result.rows_compared == rows && result.changes.len() == edits as usize;
    let report = DiffReport {
        backend: store.backend(),
        rows,
        edits,
        diff_p50_ratio: diff.p50_ms / read_both_snapshots.p50_ms,
        read_both_snapshots,
        diff,
        verified,
    };
    output::read(cli.json, &report, |r| {
        [
            format!(
                "bench diff: {}, an export of {} rows with {} edited fields, {repeat} runs",
                r.backend, r.rows, r.edits
            ),
            format!("{:<34} {:>8}  {:>8}", "phase", "p50 ms", "p99 ms"),
            format!(
                "{:<34} {:>8.1}  {:>8.1}",
                "read both snapshots (raw)", r.read_both_snapshots.p50_ms, r.read_both_snapshots.p99_ms
            ),
            format!("{:<34} {:>8.1}  {:>8.1}", "diff prepared → approved", r.diff.p50_ms, r.diff.p99_ms),
            format!("the diff takes {:.2}x the time of reading its rows", r.diff_p50_ratio),
            format!("verified: {}", if r.verified { "every row compared, every edit found" } else { "NO" }),
        ]
        .join("\n")
    })?;
    if verified { Ok(()) } else { Err(verification_failed(&store, "diff results").into()) }
}

#[derive(Debug, Serialize)]
struct AuditReport {
    backend: &'static str,
    entries: u64,
    scan: Phase,
    verify: Phase,
    /// Verify p50 divided by the scan's p50.
    verify_p50_ratio: f64,
    intact: bool,
}

const AUDIT_TENANT: &str = "BENCHAUDIT";

pub async fn audit(cli: &Cli, url: &str, entries: u32, repeat: u32) -> Outcome {
    if !(1..=10_000_000).contains(&entries) || !(1..=100).contains(&repeat) {
        return Err(Error::invalid(
            "entries",
            "--entries must be 1 to 10000000, --repeat 1 to 100",
            "--entries 1 ile 10000000, --repeat 1 ile 100 arasında olmalıdır",
        )
        .into());
    }
    let store = super::open_scratch(url, FILLERS + 2).await?;
    super::scratch_tenant(&store, AUDIT_TENANT, "Audit benchmark").await?;
    let series = NewSeries {
        tenant: AUDIT_TENANT.into(),
        code: "INV".into(),
        format: Some("AUD-{SEQ:8}".into()),
        reset: ResetPolicy::Never,
        corrective: false,
    };
    store.add_series(series).await?;
    let held = store.scan_audit(AUDIT_TENANT).await?;
    let missing = u64::from(entries).saturating_sub(held) as u32;
    if missing > 0 {
        eprintln!("bench audit: issuing {missing} invoices to reach {entries} entries (once per database)");
        let issuer = {
            let store = store.clone();
            move |_| {
                let store = store.clone();
                async move { store.issue_invoice(sample_invoice(AUDIT_TENANT)).await.map(drop) }
            }
        };
        measure(FILLERS, missing, issuer).await?;
    }
    let scan = sequential(repeat, |_| {
        let store = store.clone();
        async move { store.scan_audit(AUDIT_TENANT).await.map(drop) }
    })
    .await?;
    let verify = sequential(repeat, |_| {
        let store = store.clone();
        async move { store.verify_audit(AUDIT_TENANT).await.map(drop) }
    })
    .await?;
    let verdict = store.verify_audit(AUDIT_TENANT).await?;
    let report = AuditReport {
        backend: store.backend(),
        entries: verdict.entries,
        verify_p50_ratio: verify.p50_ms / scan.p50_ms,
        scan,
        verify,
        intact: verdict.intact(),
    };
    output::read(cli.json, &report, |r| {
        [
            format!(
                "bench audit: {}, a chain of {} entries (tenant {AUDIT_TENANT}), {repeat} runs",
                r.backend, r.entries
            ),
            format!("{:<34} {:>8}  {:>8}", "phase", "p50 ms", "p99 ms"),
            format!("{:<34} {:>8.1}  {:>8.1}", "scan: read every entry (raw)", r.scan.p50_ms, r.scan.p99_ms),
            format!("{:<34} {:>8.1}  {:>8.1}", "verify: read, hash and check", r.verify.p50_ms, r.verify.p99_ms),
            format!("verify takes {:.2}x the time of reading the entries", r.verify_p50_ratio),
            format!("chain: {}", if r.intact { "intact" } else { "BROKEN" }),
        ]
        .join("\n")
    })?;
    if report.intact { Ok(()) } else { Err(verification_failed(&store, "chain").into()) }
}
