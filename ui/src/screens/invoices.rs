//! The invoice list: newest first, 50 a page, filtered by series, period and customer.

use ledgerdesk_types::{CreditStatus, InvoiceListQuery, InvoiceSummary, PaymentStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{optional, reload_after_writes};
use crate::api;
use crate::state::{Screen, use_ui};

const PAGE: u32 = 50;

/// An invoice's payment status as the screens show it.
pub fn payment_label(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Open => "open",
        PaymentStatus::PartiallyPaid => "partially paid",
        PaymentStatus::Paid => "paid",
    }
}

pub fn credit_label(status: CreditStatus) -> &'static str {
    match status {
        CreditStatus::Issued => "issued",
        CreditStatus::PartiallyCredited => "partially credited",
        CreditStatus::Credited => "credited",
        CreditStatus::CreditNote => "credit note",
    }
}

#[component]
pub fn InvoiceList() -> impl IntoView {
    let ui = use_ui();
    let series = RwSignal::new(String::new());
    let period = RwSignal::new(String::new());
    let customer = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    // Keyset paging: the ids each shown page started before; empty means the first page.
    let cursors = RwSignal::new(Vec::<i64>::new());
    let rows = RwSignal::new(Vec::<InvoiceSummary>::new());
    let loaded = RwSignal::new(false);

    let load = move || {
        let query = InvoiceListQuery {
            series: optional(series.get_untracked()),
            period: optional(period.get_untracked()),
            customer: optional(customer.get_untracked()),
            credit_status: status.get_untracked().parse().ok(),
            limit: Some(PAGE),
            before_id: cursors.with_untracked(|c| c.last().copied()),
        };
        spawn_local(async move {
            match api::list_invoices(query).await {
                Ok(page) => {
                    rows.set(page);
                    loaded.set(true);
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    reload_after_writes(ui, load);
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        cursors.set(Vec::new());
        load();
    };
    let older = move |_| {
        if let Some(last) = rows.with(|r| r.last().map(|i| i.id)) {
            cursors.update(|c| c.push(last));
            load();
        }
    };
    let newer = move |_| {
        cursors.update(|c| {
            c.pop();
        });
        load();
    };

    view! {
        <section class="card">
            <h1>"Invoices"</h1>
            <form class="filters" on:submit=apply>
                <input id="filter-series" placeholder="Series" bind:value=series />
                <input id="filter-period" placeholder="Period (202611)" bind:value=period />
                <input id="filter-customer" placeholder="Customer" bind:value=customer />
                <select id="filter-credit" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">"Any credit status"</option>
                    {CreditStatus::ALL
                        .iter()
                        .map(|s| view! { <option value=s.as_str()>{credit_label(*s)}</option> })
                        .collect_view()}
                </select>
                <button type="submit">"Filter"</button>
            </form>
            <table id="invoice-table" class="grid">
                <thead>
                    <tr>
                        <th>"Number"</th>
                        <th>"Date"</th>
                        <th>"Customer"</th>
                        <th class="num">"Total"</th>
                        <th>"Payment"</th>
                        <th>"Credit"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|invoice| invoice.id
                        children=move |invoice| {
                            let number = invoice.number.clone();
                            view! {
                                <tr class="row" on:click=move |_| ui.go(Screen::Detail(number.clone()))>
                                    <td class="number">{invoice.number.clone()}</td>
                                    <td>{invoice.issue_date.to_string()}</td>
                                    <td>{invoice.customer.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td class="num">{format!("{} {}", invoice.total, invoice.currency)}</td>
                                    <td class=format!("payment payment-{}", invoice.payment_status.as_str())>
                                        {if invoice.credit_status == CreditStatus::CreditNote {
                                            "—"
                                        } else {
                                            payment_label(invoice.payment_status)
                                        }}
                                    </td>
                                    <td class=format!("credit credit-{}", invoice.credit_status.as_str())>
                                        {credit_label(invoice.credit_status)}
                                    </td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            <Show when=move || loaded.get() && rows.with(|r| r.is_empty())>
                <p class="empty">"No invoices yet."</p>
            </Show>
            <div class="pager">
                <button id="page-newer" on:click=newer disabled=move || cursors.with(|c| c.is_empty())>
                    "← Newer"
                </button>
                <span>{move || format!("Page {}", cursors.with(|c| c.len()) + 1)}</span>
                <button id="page-older" on:click=older disabled=move || rows.with(|r| r.len() < PAGE as usize)>
                    "Older →"
                </button>
            </div>
        </section>
    }
}
