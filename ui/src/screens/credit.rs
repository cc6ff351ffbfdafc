//! Crediting an invoice from its detail: a corrective series, a reason, and everything left, chosen
//! quantities of its lines, or a net amount at one of its tax rates. The request's key is kept while the
//! form is unchanged, so a double click or a retry credits once.

use ledgerdesk_types::api::CreditRequest;
use ledgerdesk_types::text::parse_plain_decimal;
use ledgerdesk_types::{CreditScope, CreditedAmount, CreditedLine, IssuedInvoice};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::keys::SubmissionKeys;
use crate::state::{Screen, use_ui};

/// What the user may still credit of each line: `(line_no, description, quantity left)`.
fn creditable(invoice: &IssuedInvoice) -> Vec<(u32, String, String)> {
    invoice
        .lines
        .iter()
        .filter(|l| l.quantity > l.credited_quantity)
        .map(|l| (l.line_no, l.description.clone(), (l.quantity - l.credited_quantity).normalize().to_string()))
        .collect()
}

#[component]
pub fn CreditForm(invoice: IssuedInvoice) -> impl IntoView {
    let ui = use_ui();
    let series = RwSignal::new(String::new());
    let corrective = RwSignal::new(Vec::<String>::new());
    let reason = RwSignal::new(String::new());
    let left = creditable(&invoice);
    // One quantity box per line still creditable; empty means "not this line".
    let quantities: Vec<(u32, RwSignal<String>)> =
        left.iter().map(|(n, _, _)| (*n, RwSignal::new(String::new()))).collect();
    let keys = SubmissionKeys::<CreditRequest>::new();
    spawn_local(async move {
        match api::list_series().await {
            Ok(all) => {
                let codes: Vec<String> =
                    all.into_iter().filter(|s| s.corrective && !s.retired).map(|s| s.code).collect();
                if let Some(first) = codes.first() {
                    series.set(first.clone());
                }
                corrective.set(codes);
            }
            Err(error) => ui.fail(error),
        }
    });
    let number = invoice.number.clone();
    let submit = move |scope: CreditScope| {
        let request = CreditRequest {
            invoice: number.clone(),
            series: series.get_untracked(),
            reason: reason.get_untracked(),
            issue_date: None,
            scope,
        };
        let key = keys.key_for(&request);
        spawn_local(async move {
            match api::credit_invoice(request, key).await {
                Ok(reply) => {
                    let note = reply.value;
                    let again = if reply.replayed { " (replayed)" } else { "" };
                    let notice = format!("Credit note {} for {} {}{again}", note.number, note.total, note.currency);
                    ui.go(Screen::Detail(note.number));
                    ui.succeed(notice);
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    let chosen = quantities.clone();
    let credit_chosen = {
        let submit = submit.clone();
        move |_| {
            let mut lines = Vec::new();
            for (line_no, quantity) in &chosen {
                let text = quantity.get_untracked();
                if text.trim().is_empty() {
                    continue;
                }
                match parse_plain_decimal(text.trim()) {
                    Ok(quantity) => lines.push(CreditedLine { line_no: *line_no, quantity }),
                    Err(_) => {
                        ui.fail(ledgerdesk_types::ErrorBody {
                            code: "invalid_input".into(),
                            message: format!("line {line_no}: {text:?} is not a quantity"),
                            message_tr: format!("{line_no}. satır: {text:?} bir miktar değil"),
                            details: None,
                        });
                        return;
                    }
                }
            }
            submit(CreditScope::Lines(lines));
        }
    };
    // A net amount at one of the invoice's rates: a price reduction after the fact.
    let mut rates: Vec<String> = invoice.lines.iter().map(|l| l.tax_rate.normalize().to_string()).collect();
    rates.sort();
    rates.dedup();
    let rate = RwSignal::new(rates.first().cloned().unwrap_or_default());
    let amount = RwSignal::new(String::new());
    let credit_amount = {
        let submit = submit.clone();
        move |_| {
            let (rate_text, net_text) = (rate.get_untracked(), amount.get_untracked());
            match (parse_plain_decimal(&rate_text), parse_plain_decimal(net_text.trim())) {
                (Ok(tax_rate), Ok(net_amount)) => {
                    submit(CreditScope::Amounts(vec![CreditedAmount { tax_rate, net_amount }]))
                }
                _ => ui.fail(ledgerdesk_types::ErrorBody {
                    code: "invalid_input".into(),
                    message: format!("{net_text:?} is not an amount"),
                    message_tr: format!("{net_text:?} bir tutar değil"),
                    details: None,
                }),
            }
        }
    };
    let credit_all = move |_| submit(CreditScope::All);
    view! {
        <h2>"Credit note"</h2>
        {move || corrective.get().is_empty().then(|| view! {
            <p class="hint">"Credit notes are numbered in a corrective series: add one (ledgerdesk series add --kind corrective) to credit invoices."</p>
        })}
        <div class="credit-form" class:hidden=move || corrective.get().is_empty()>
                <label>
                    "Corrective series"
                    <select id="credit-series" on:change=move |ev| series.set(event_target_value(&ev))>
                        {move || corrective.get().into_iter().map(|code| view! { <option value=code.clone()>{code.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <input id="credit-reason" class="wide" placeholder="Reason (printed on the credit note)" bind:value=reason />
                <table class="grid">
                    <thead>
                        <tr>
                            <th>"#"</th>
                            <th>"Description"</th>
                            <th class="num">"Left to credit"</th>
                            <th class="num">"Credit"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {left
                            .iter()
                            .zip(quantities.iter())
                            .map(|((line_no, description, remaining), (_, quantity))| {
                                let quantity = *quantity;
                                view! {
                                    <tr>
                                        <td>{*line_no}</td>
                                        <td>{description.clone()}</td>
                                        <td class="num">{remaining.clone()}</td>
                                        <td class="num">
                                            <input class="credit-quantity" placeholder="0" bind:value=quantity />
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <div class="credit-actions">
                    <label>
                        "or a net amount at"
                        <select id="credit-rate" on:change=move |ev| rate.set(event_target_value(&ev))>
                            {rates.iter().map(|r| view! { <option value=r.clone()>{format!("{r}%")}</option> }).collect_view()}
                        </select>
                    </label>
                    <input id="credit-amount" placeholder="0.00" bind:value=amount />
                    <button id="credit-amount-submit" on:click=credit_amount>"Credit this amount"</button>
                </div>
                <div class="credit-actions">
                    <button id="credit-lines" on:click=credit_chosen>"Credit these quantities"</button>
                    <button id="credit-all" class="primary" on:click=credit_all>"Credit everything left"</button>
                </div>
        </div>
    }
}
