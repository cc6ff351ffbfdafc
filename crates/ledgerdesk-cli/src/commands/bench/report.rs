//! `bench report`: the benchmarks a release is judged by, in one run on one database, written to
//! `DIR/report.json`, with `DIR/numbering.svg`, a chart of invoice issues per second against concurrency
//! beside the raw counter baseline measured at each concurrency in the same run.

use std::path::Path;

use plotters::prelude::*;
use serde::Serialize;

use super::{batch, idempotency, list, numbering};
use crate::args::Cli;
use crate::output::{self, Outcome};
use ledgerdesk_core::{Error, Result};

/// The concurrencies of the numbering chart.
const CONCURRENCIES: [u32; 6] = [1, 2, 4, 8, 16, 32];

#[derive(Debug, Serialize)]
struct Report {
    backend: &'static str,
    generated_at: String,
    numbering: Vec<numbering::Report>,
    idempotency: idempotency::Report,
    list: list::Report,
    batch: batch::Report,
    chart: &'static str,
}

/// What `bench report` runs.
pub struct Sizes {
    /// Operations per phase of each numbering run.
    pub count: u32,
    /// Invoices in the list benchmark's book.
    pub list_invoices: u32,
    /// Invoices per phase of the batch benchmark.
    pub batch_invoices: u32,
}

pub async fn run(cli: &Cli, url: &str, out: &Path, sizes: Sizes) -> Outcome {
    std::fs::create_dir_all(out).map_err(|e| cannot_write(out, &e))?;
    let mut numbering = Vec::new();
    for concurrency in CONCURRENCIES {
        eprintln!("bench report: numbering at concurrency {concurrency}");
        numbering.push(numbering::measure_at(url, concurrency, sizes.count).await?);
    }
    eprintln!("bench report: idempotent issue and replay");
    let idempotency = idempotency::measure_at(url, 1, sizes.count).await?;
    eprintln!("bench report: list pages at {} invoices", sizes.list_invoices);
    let list = list::measure(url, sizes.list_invoices, 200).await?;
    eprintln!("bench report: batch billing, {} invoices", sizes.batch_invoices);
    let batch = batch::measure(url, sizes.batch_invoices, 500).await?;
    let backend = batch.backend;
    let chart = out.join("numbering.svg");
    draw(&chart, backend, &numbering).map_err(|e| cannot_write(&chart, &e))?;
    let report = Report {
        backend,
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        numbering,
        idempotency,
        list,
        batch,
        chart: "numbering.svg",
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| cannot_write(out, &e))?;
    let path = out.join("report.json");
    std::fs::write(&path, json).map_err(|e| cannot_write(&path, &e))?;
    output::read(cli.json, &report, |r| describe(r, out))
}

fn cannot_write(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::invalid(
        "out",
        format!("cannot write {}: {e}", path.display()),
        format!("{} yazılamıyor: {e}", path.display()),
    )
}

fn describe(report: &Report, out: &Path) -> String {
    let mut text = format!(
        "bench report: {} ({})\nconcurrency   raw/s    issue/s   issue/raw\n",
        report.backend, report.generated_at
    );
    for n in &report.numbering {
        text.push_str(&format!(
            "{:>11} {:>7.0} {:>10.0} {:>10.2}x\n",
            n.concurrency, n.raw_counter.per_second, n.invoice_issue.per_second, n.throughput_ratio
        ));
    }
    text.push_str(&format!(
        "batch: {:.0} invoices/s against {:.0} single issues/s ({:.1}x)\nwritten: {} and {}",
        report.batch.batch_invoices_per_second,
        report.batch.single_issues.per_second,
        report.batch.speedup,
        out.join("report.json").display(),
        out.join("numbering.svg").display()
    ));
    text
}

/// The chart: issues/s and raw counter increments/s, one point per concurrency (on a doubling scale).
fn draw(path: &Path, backend: &str, runs: &[numbering::Report]) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (860, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let x = |c: u32| f64::from(c).log2();
    let top = runs.iter().flat_map(|r| [r.raw_counter.per_second, r.invoice_issue.per_second]).fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Invoices issued per second on {backend}, against the raw counter"), ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.2f64..5.2f64, 0f64..top * 1.15)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&|v| format!("{}", 2f64.powf(*v).round()))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("concurrent callers")
        .y_desc("per second")
        .draw()?;
    let series = [
        ("raw counter increment, own transaction (baseline)", RGBColor(120, 120, 120), true),
        ("invoice issue (number, invoice, lines, outbox, audit)", RGBColor(31, 119, 180), false),
    ];
    for (label, colour, raw) in series {
        let points: Vec<(f64, f64)> = runs
            .iter()
            .map(|r| (x(r.concurrency), if raw { r.raw_counter.per_second } else { r.invoice_issue.per_second }))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 4, colour.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}
