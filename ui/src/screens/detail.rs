//! One invoice with its lines, its payment and credit status, the payments recorded against it and its
//! credit notes (or, for a credit note, the invoice it corrects), and the form that credits it.

use ledgerdesk_types::{CreditStatus, IssuedInvoice};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::credit::CreditForm;
use super::document::PdfPanel;
use super::invoices::{credit_label, payment_label};
use super::time;
use crate::api;
use crate::state::{Screen, use_ui};

#[component]
pub fn InvoiceDetail(number: String) -> impl IntoView {
    let ui = use_ui();
    let invoice = RwSignal::new(None::<IssuedInvoice>);
    spawn_local(async move {
        match api::get_invoice(number).await {
            Ok(found) => invoice.set(Some(found)),
            Err(error) => ui.fail(error),
        }
    });
    view! {
        <section class="card">
            <button class="link" on:click=move |_| ui.go(Screen::Invoices)>"← Invoices"</button>
            {move || {
                invoice
                    .get()
                    .map(|i| {
                        view! {
                            <h1 id="detail-number">{i.number.clone()}</h1>
                            {i.credit_of.clone().map(|of| {
                                let original = of.number.clone();
                                view! {
                                    <p id="detail-credit-of" class="hint">
                                        "Credit note of "
                                        <button class="link" on:click=move |_| ui.go(Screen::Detail(original.clone()))>
                                            {of.number.clone()}
                                        </button>
                                        {format!(" of {} — {}", of.issue_date, of.reason)}
                                    </p>
                                }
                            })}
                            <dl class="facts">
                                <dt>"Issue date"</dt>
                                <dd>{i.issue_date.to_string()}</dd>
                                <dt>"Series / period / position"</dt>
                                <dd>{format!("{} / {} / {}", i.series, i.period, i.seq)}</dd>
                                <dt>"Customer"</dt>
                                <dd>{i.customer.clone().unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Issued by"</dt>
                                <dd id="detail-issued-by">{format!("{} at {}", i.created_by, i.created_at.format("%Y-%m-%d %H:%M UTC"))}</dd>
                            </dl>
                            <table class="grid">
                                <thead>
                                    <tr>
                                        <th>"#"</th>
                                        <th>"Description"</th>
                                        <th class="num">"Quantity"</th>
                                        <th class="num">"Unit price"</th>
                                        <th class="num">"Tax %"</th>
                                        <th class="num">"Net"</th>
                                        <th class="num">"Tax"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {i
                                        .lines
                                        .iter()
                                        .map(|l| {
                                            view! {
                                                <tr>
                                                    <td>{l.line_no}</td>
                                                    <td>{l.description.clone()}</td>
                                                    <td class="num">{l.quantity.to_string()}</td>
                                                    <td class="num">{l.unit_price.to_string()}</td>
                                                    <td class="num">{l.tax_rate.to_string()}</td>
                                                    <td class="num">{l.net_amount.to_string()}</td>
                                                    <td class="num">{l.tax_amount.to_string()}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            <dl class="totals">
                                <dt>"Net"</dt>
                                <dd>{format!("{} {}", i.net_total, i.currency)}</dd>
                                <dt>"Tax"</dt>
                                <dd>{format!("{} {}", i.tax_total, i.currency)}</dd>
                                <dt>"Total"</dt>
                                <dd id="detail-total">{format!("{} {}", i.total, i.currency)}</dd>
                                {(i.credit_of.is_none()).then(|| view! {
                                    <dt>"Paid"</dt>
                                    <dd id="detail-paid">{format!("{} {}", i.paid_total, i.currency)}</dd>
                                    <dt>"Payment"</dt>
                                    <dd id="detail-payment-status" class=format!("payment-{}", i.payment_status.as_str())>
                                        {if i.credit_status == CreditStatus::Credited && i.paid_total.is_zero() {
                                            "nothing due (credited)"
                                        } else {
                                            payment_label(i.payment_status)
                                        }}
                                    </dd>
                                })}
                                <dt>"Credited"</dt>
                                <dd id="detail-credit-status">
                                    {match i.credit_status {
                                        CreditStatus::CreditNote => credit_label(i.credit_status).to_owned(),
                                        CreditStatus::Issued => "nothing credited".to_owned(),
                                        _ => format!("{} · {} {}", credit_label(i.credit_status), i.credited_total, i.currency),
                                    }}
                                </dd>
                            </dl>
                            {(!i.credit_notes.is_empty()).then(|| view! {
                                <h2>"Credit notes"</h2>
                                <ul id="detail-credit-notes">
                                    {i.credit_notes.iter().map(|note| {
                                        let number = note.number.clone();
                                        view! {
                                            <li>
                                                <button class="link" on:click=move |_| ui.go(Screen::Detail(number.clone()))>
                                                    {note.number.clone()}
                                                </button>
                                                {format!(" of {}: {} {}", note.issue_date, note.total, i.currency)}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            })}
                            {(!i.payments.is_empty()).then(|| view! {
                                <h2>"Payments"</h2>
                                <table id="detail-payments" class="grid">
                                    <thead>
                                        <tr>
                                            <th>"Paid at"</th>
                                            <th class="num">"Amount"</th>
                                            <th>"Reference"</th>
                                            <th>"Came as"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {i.payments.iter().map(|p| view! {
                                            <tr>
                                                <td>{time(Some(p.paid_at))}</td>
                                                <td class="num">{format!("{} {}", p.amount, p.currency)}</td>
                                                <td>{p.reference.clone()}</td>
                                                <td>
                                                    {match (&p.source, &p.event_id) {
                                                        (Some(source), Some(event)) => format!("webhook {source} · {event}"),
                                                        _ => format!("recorded by {}", p.recorded_by),
                                                    }}
                                                </td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            })}
                            <PdfPanel number=i.number.clone() />
                            {(i.credit_of.is_none() && i.credit_status != CreditStatus::Credited && !ui.read_only.get_untracked())
                                .then(|| view! { <CreditForm invoice=i.clone() /> })}
                        }
                    })
            }}
        </section>
    }
}
