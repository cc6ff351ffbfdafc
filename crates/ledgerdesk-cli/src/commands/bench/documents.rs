//! `bench pdf`: what an invoice document costs. The first print of one invoice (fonts read, document
//! fixed, rendered, hash recorded), then N first prints in a row and N reprints, against rendering the
//! same document N times with no database at all (the raw baseline), in the same run.

use std::time::Instant;

use ledgerdesk_core::documents::{LogoChange, SupplierChange};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{Error, IssueInvoice};
use ledgerdesk_types::DocumentLanguage;
use serde::Serialize;

use super::numbering::sample_invoice;
use super::{Phase, sequential};
use crate::args::Cli;
use crate::output::{self, Outcome};

#[derive(Debug, Serialize)]
struct Report {
    backend: &'static str,
    /// The very first print of the process: fonts loaded, document fixed, rendered, hash recorded.
    first_print_ms: f64,
    first_prints: Phase,
    reprints: Phase,
    render_only: Phase,
    /// Bytes of one document.
    bytes: usize,
    /// A first print's time divided by a render's (what the database adds).
    first_print_ratio: f64,
    /// A reprint's time divided by a render's.
    reprint_ratio: f64,
    /// Every reprint was identical to its first print.
    verified: bool,
}

pub async fn run(cli: &Cli, url: &str, count: u32) -> Outcome {
    if count < 1 {
        return Err(Error::invalid("count", "--count must be at least 1", "--count en az 1 olmalıdır").into());
    }
    let store = super::open_scratch(url, 4).await?;
    let tenant = super::scratch_invoicing(&store, "BENCHPDF").await?;
    let details = SupplierChange {
        tenant: tenant.clone(),
        address: vec!["Büyükdere Cad. No: 1".into(), "34394 Şişli / İstanbul".into()],
        vat_id: Some("TR1234567890".into()),
        iban: Some("TR330006100519786457841326".into()),
        language: DocumentLanguage::Tr,
        logo: LogoChange::Keep,
        user: "bench".into(),
    };
    store.set_supplier_details(details).await?;
    let mut numbers = Vec::with_capacity(count as usize + 1);
    for _ in 0..=count {
        let invoice: IssueInvoice = sample_invoice(&tenant);
        numbers.push(store.issue_invoice(invoice).await?.number);
    }

    let began = Instant::now();
    let (_, first) = ledgerdesk_pdf::print(&store, &tenant, &numbers[0], "bench").await?;
    let first_print_ms = began.elapsed().as_secs_f64() * 1_000.0;
    let rest = &numbers[1..];
    let hashes = std::cell::RefCell::new(Vec::with_capacity(rest.len()));
    let first_prints = sequential(count, |i| {
        let (store, tenant, number) = (store.clone(), tenant.clone(), rest[i as usize].clone());
        let hashes = &hashes;
        async move {
            let (_, printed) = ledgerdesk_pdf::print(&store, &tenant, &number, "bench").await?;
            hashes.borrow_mut().push(printed.sha256);
            Ok(())
        }
    })
    .await?;
    let hashes = hashes.into_inner();
    let same = std::cell::Cell::new(0_usize);
    let reprints = sequential(count, |i| {
        let (store, tenant, number) = (store.clone(), tenant.clone(), rest[i as usize].clone());
        let (expected, same) = (hashes[i as usize].clone(), &same);
        async move {
            let (_, printed) = ledgerdesk_pdf::print(&store, &tenant, &number, "bench").await?;
            same.set(same.get() + usize::from(printed.reprint && printed.sha256 == expected));
            Ok(())
        }
    })
    .await?;
    let document = store.fix_document(&tenant, &numbers[0], "bench").await?;
    let render_only = sequential(count, |_| {
        let document = &document;
        async move { ledgerdesk_pdf::render(document).map(drop) }
    })
    .await?;

    let per = |phase: &Phase| phase.seconds / f64::from(phase.operations);
    let report = Report {
        backend: store.backend(),
        first_print_ms,
        first_print_ratio: per(&first_prints) / per(&render_only),
        reprint_ratio: per(&reprints) / per(&render_only),
        bytes: first.bytes,
        first_prints,
        reprints,
        render_only,
        verified: same.get() == count as usize,
    };
    output::read(cli.json, &report, |r| {
        let row = |name: &str, p: &Phase| {
            format!("{name:<24} {:>8.3}  {:>8.1}  {:>8.2}  {:>8.2}", p.seconds, p.per_second, p.p50_ms, p.p99_ms)
        };
        [
            format!("bench pdf: {}, {count} invoices in a row (tenant {tenant}), {} bytes each", r.backend, r.bytes),
            format!("first print of the process (fonts, fix, render, record): {:.1} ms", r.first_print_ms),
            format!("{:<24} {:>8}  {:>8}  {:>8}  {:>8}", "phase", "total s", "docs/s", "p50 ms", "p99 ms"),
            row("render only (raw)", &r.render_only),
            row("first prints", &r.first_prints),
            row("reprints (checked)", &r.reprints),
            format!(
                "a first print takes {:.2}x, a reprint {:.2}x the time of rendering alone",
                r.first_print_ratio, r.reprint_ratio
            ),
            format!("verified: {}", if r.verified { "every reprint identical to its first print" } else { "NO" }),
        ]
        .join("\n")
    })?;
    if report.verified {
        Ok(())
    } else {
        Err(Error::Storage { backend: store.backend(), detail: "a reprint differed from its first print".into() }
            .into())
    }
}
