//! The Batch screen: a CSV or JSON Lines file of invoices, previewed (its first records and every record
//! it cannot issue, by line) and then issued in the background a chunk at a time, with a progress bar.
//! Cancel stops it after the chunk in flight; the same file run again issues only what is missing.

use std::time::Duration;

use ledgerdesk_types::catalog::Series;
use ledgerdesk_types::{BatchFilePreview, BatchFileRequest, BatchFileSummary, Currency};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::screens::refresh_every;
use crate::state::use_ui;

#[component]
pub fn BatchScreen() -> impl IntoView {
    let ui = use_ui();
    let path = RwSignal::new(String::new());
    let series = RwSignal::new(String::new());
    let series_list: RwSignal<Vec<Series>> = RwSignal::new(Vec::new());
    let currency = RwSignal::new("EUR".to_owned());
    let preview: RwSignal<Option<BatchFilePreview>> = RwSignal::new(None);
    let progress: RwSignal<Option<BatchFileSummary>> = RwSignal::new(None);
    let parsed_currency = move || currency.get_untracked().parse::<Currency>().unwrap_or(Currency::Eur);

    spawn_local(async move {
        match api::list_series().await {
            Ok(list) => {
                if let Some(first) = list.iter().find(|s| !s.corrective) {
                    series.set(first.code.clone());
                }
                series_list.set(list);
            }
            Err(error) => ui.fail(error),
        }
    });
    let poll = move || {
        spawn_local(async move {
            match api::batch_progress().await {
                Ok(shown) => {
                    let was_running = progress.get_untracked().is_some_and(|p| p.running);
                    if let Some(done) = shown.as_ref().filter(|s| was_running && !s.running) {
                        // The invoice list and the audit reload with what the run issued.
                        ui.succeed(format!(
                            "Batch finished: {} issued, {} replayed, {} not issued",
                            done.issued, done.replayed, done.failed
                        ));
                    }
                    progress.set(shown);
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    poll();
    refresh_every(ui, Duration::from_millis(400), poll);

    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (chosen, currency) = (path.get_untracked(), parsed_currency());
        spawn_local(async move {
            match api::preview_batch(chosen, currency).await {
                Ok(read) => {
                    ui.succeed(format!(
                        "{}: {} records, {} cannot be issued",
                        read.summary.file, read.summary.records, read.summary.failed
                    ));
                    preview.set(Some(read));
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    let start = move |_| {
        let request = BatchFileRequest {
            path: path.get_untracked(),
            series: series.get_untracked(),
            currency: parsed_currency(),
        };
        spawn_local(async move {
            match api::start_batch(request).await {
                Ok(started) => progress.set(Some(started)),
                Err(error) => ui.fail(error),
            }
        });
    };
    let cancel = move |_| {
        spawn_local(async move {
            match api::cancel_batch().await {
                Ok(shown) => progress.set(shown),
                Err(error) => ui.fail(error),
            }
        });
    };
    let running = move || progress.get().is_some_and(|p| p.running);

    view! {
        <section class="card">
            <h2>"Batch issue"</h2>
            <p class="hint">
                "One invoice per record of a .csv (columns ref, customer, date, currency, description, quantity, unit_price, tax_rate; \
                 rows with one ref are one invoice) or .jsonl file. Each record's idempotency key comes from the file, so running \
                 the same file again issues only what is missing."
            </p>
            <form id="batch-form" class="fields" on:submit=check>
                <label>"File" <input id="batch-path" class="wide" placeholder="/home/ayse/Documents/november.csv" bind:value=path /></label>
                <label>"Series"
                    <select id="batch-series" prop:value=move || series.get() on:change=move |ev| series.set(event_target_value(&ev))>
                        {move || series_list.get().into_iter().filter(|s| !s.corrective).map(|s| view! { <option value=s.code.clone()>{s.code.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Currency when none"
                    <select id="batch-currency" prop:value=move || currency.get() on:change=move |ev| currency.set(event_target_value(&ev))>
                        {Currency::ALL.iter().map(|c| view! { <option value=c.code()>{c.code()}</option> }).collect_view()}
                    </select>
                </label>
                <button id="batch-check" type="submit">"Preview"</button>
                <button id="batch-start" type="button" class="primary" disabled=move || running() || preview.get().is_none() on:click=start>"Issue all"</button>
                <button id="batch-cancel" type="button" disabled=move || !running() on:click=cancel>"Cancel"</button>
            </form>
        </section>
        {move || progress.get().map(|p| view! { <Progress summary=p /> })}
        {move || preview.get().map(|p| view! { <Preview preview=p /> })}
    }
}

/// Where the run stands: a bar, the counts, and the records it could not issue.
#[component]
fn Progress(summary: BatchFileSummary) -> impl IntoView {
    let done = summary.records.min(summary.total);
    let state = if summary.running {
        "running"
    } else if summary.stopped_by.is_some() {
        "stopped"
    } else if summary.cancelled {
        "cancelled"
    } else {
        "done"
    };
    let numbers = match (&summary.first_number, &summary.last_number) {
        (Some(first), Some(last)) => format!(" · numbers {first} … {last}"),
        _ => String::new(),
    };
    view! {
        <section class="card" id="batch-progress" data-state=state>
            <h2>{format!("Batch: {state}")}</h2>
            <progress id="batch-bar" max=summary.total.max(1) value=done></progress>
            <p id="batch-counts">
                {format!(
                    "{done} of {} records · {} issued · {} replayed (issued by an earlier run) · {} not issued · {:.1} s{numbers}",
                    summary.total, summary.issued, summary.replayed, summary.failed, summary.seconds
                )}
            </p>
            {summary.cancelled.then(|| view! { <p class="hint">"Cancelled after a chunk committed: run the same file again to issue the rest."</p> })}
            {summary.stopped_by.clone().map(|e| view! { <p class="hint">{format!("Stopped ({}): {}. Nothing of the chunk it stopped in was issued; run the same file again.", e.code, e.message)}</p> })}
            <RecordErrors errors=summary.errors.clone() id="batch-run-errors" />
        </section>
    }
}

/// The file as read: its first records and the ones it cannot issue.
#[component]
fn Preview(preview: BatchFilePreview) -> impl IntoView {
    let summary = preview.summary;
    view! {
        <section class="card" id="batch-preview">
            <h2>{format!("{}: {} records, {} cannot be issued as written", summary.file, summary.records, summary.failed)}</h2>
            <table class="grid">
                <thead><tr><th>"Line"</th><th>"Ref"</th><th>"Customer"</th><th>"Date"</th><th>"Currency"</th><th>"Lines"</th><th>"Net"</th></tr></thead>
                <tbody id="batch-rows">
                    {preview.first.into_iter().map(|row| view! {
                        <tr>
                            <td>{row.line}</td>
                            <td>{row.reference}</td>
                            <td>{row.customer.unwrap_or_else(|| "—".into())}</td>
                            <td>{row.date.map(|d| d.to_string()).unwrap_or_else(|| "today".into())}</td>
                            <td>{row.currency.map(|c| c.code().to_owned()).unwrap_or_else(|| "default".into())}</td>
                            <td>{row.lines}</td>
                            <td class="num">{row.net.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <RecordErrors errors=summary.errors id="batch-preview-errors" />
        </section>
    }
}

#[component]
fn RecordErrors(errors: Vec<ledgerdesk_types::BatchRecordError>, id: &'static str) -> impl IntoView {
    let ui = use_ui();
    (!errors.is_empty()).then(|| view! {
        <table class="grid" id=id>
            <thead><tr><th>"Line"</th><th>"Ref"</th><th>"Error"</th><th>"Why"</th></tr></thead>
            <tbody>
                {errors.into_iter().map(|e| {
                    let why = match ui.language() {
                        ledgerdesk_types::api::Language::En => e.message,
                        ledgerdesk_types::api::Language::Tr => e.message_tr,
                    };
                    view! { <tr><td>{e.line}</td><td>{e.reference.unwrap_or_default()}</td><td><code>{e.code}</code></td><td>{why}</td></tr> }
                }).collect_view()}
            </tbody>
        </table>
    })
}
