//! The issue form: customer, series, date, currency and lines, with live totals computed by the same
//! function the backend stores them with. A failed submit keeps everything the user typed.

use ledgerdesk_types::api::{IssueRequest, Language};
use ledgerdesk_types::catalog::{Customer, Series};
use ledgerdesk_types::invoice::compute_totals;
use ledgerdesk_types::{Currency, ErrorBody, LineInput, Localized};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;

use crate::api;
use crate::keys::SubmissionKeys;
use crate::state::use_ui;

/// One line as typed: text until submitted.
#[derive(Clone, Copy)]
struct LineDraft {
    id: u32,
    description: RwSignal<String>,
    quantity: RwSignal<String>,
    unit_price: RwSignal<String>,
    tax_rate: RwSignal<String>,
}

impl LineDraft {
    fn new(id: u32) -> Self {
        LineDraft {
            id,
            description: RwSignal::new(String::new()),
            quantity: RwSignal::new("1".into()),
            unit_price: RwSignal::new(String::new()),
            tax_rate: RwSignal::new("20".into()),
        }
    }

    /// The line, or which field is not a number.
    fn parse(&self, line_no: usize) -> Result<LineInput, ErrorBody> {
        let number = |field: RwSignal<String>, en: &str, tr: &str| {
            let text = field.get().trim().replace(',', ".");
            text.parse::<Decimal>().map_err(|_| ErrorBody {
                code: "invalid_number".into(),
                message: format!("line {line_no}: {en} {text:?} is not a number"),
                message_tr: format!("satır {line_no}: {tr} {text:?} bir sayı değil"),
                details: Some(format!("line {line_no}")),
            })
        };
        Ok(LineInput {
            description: self.description.get(),
            quantity: number(self.quantity, "the quantity", "miktar")?,
            unit_price: number(self.unit_price, "the unit price", "birim fiyat")?,
            tax_rate: number(self.tax_rate, "the tax rate", "vergi oranı")?,
        })
    }
}

#[component]
pub fn IssueForm() -> impl IntoView {
    let ui = use_ui();
    let series_list = RwSignal::new(Vec::<Series>::new());
    let customers = RwSignal::new(Vec::<Customer>::new());
    let series = RwSignal::new(String::new());
    let customer = RwSignal::new(String::new());
    let issue_date = RwSignal::new(String::new());
    let currency = RwSignal::new("EUR".to_owned());
    let next_id = RwSignal::new(1u32);
    let lines = RwSignal::new(vec![LineDraft::new(0)]);
    let busy = RwSignal::new(false);
    // A retry of the same invoice after an error reuses its key; a new invoice gets a new one.
    let keys = SubmissionKeys::<IssueRequest>::new();

    spawn_local(async move {
        match api::list_series().await {
            Ok(list) => {
                if let Some(first) = list.first() {
                    series.set(first.code.clone());
                }
                series_list.set(list);
            }
            Err(error) => ui.fail(error),
        }
        if let Ok(list) = api::list_customers().await {
            customers.set(list);
        }
    });

    let parsed_currency = move || currency.get().parse::<Currency>().unwrap_or(Currency::Eur);
    // Live totals, or why they cannot be computed yet.
    let totals = Memo::new(move |_| {
        let parsed: Result<Vec<LineInput>, ErrorBody> =
            lines.get().iter().enumerate().map(|(i, l)| l.parse(i + 1)).collect();
        match parsed {
            Ok(inputs) => compute_totals(parsed_currency(), &inputs).map_err(|e| e.to_body()),
            Err(error) => Err(error),
        }
    });

    let add_line = move |_| {
        let id = next_id.get();
        next_id.set(id + 1);
        lines.update(|l| l.push(LineDraft::new(id)));
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get() {
            return;
        }
        let parsed: Result<Vec<LineInput>, ErrorBody> =
            lines.get().iter().enumerate().map(|(i, l)| l.parse(i + 1)).collect();
        let lines_input = match parsed {
            Ok(lines_input) => lines_input,
            Err(error) => return ui.fail(error),
        };
        let date = issue_date.get();
        let issue_date_value = match date.trim() {
            "" => None,
            text => match text.parse() {
                Ok(d) => Some(d),
                Err(_) => {
                    return ui.fail(ErrorBody {
                        code: "invalid_input".into(),
                        message: format!("invalid date: {text:?}"),
                        message_tr: format!("geçersiz tarih: {text:?}"),
                        details: Some("issue_date".into()),
                    });
                }
            },
        };
        let request = IssueRequest {
            series: series.get(),
            customer: Some(customer.get()).filter(|c| !c.is_empty()),
            issue_date: issue_date_value,
            currency: parsed_currency(),
            lines: lines_input,
        };
        let key = keys.key_for(&request);
        busy.set(true);
        spawn_local(async move {
            match api::issue_invoice(request, key).await {
                Ok(reply) => {
                    let invoice = reply.value;
                    let how = if reply.replayed { "Already issued (replayed)" } else { "Issued" };
                    ui.succeed(format!("{how} {} for {} {}", invoice.number, invoice.total, invoice.currency));
                    keys.forget();
                    // Only a successful issue starts a fresh set of lines.
                    let id = next_id.get_untracked();
                    next_id.set(id + 1);
                    lines.set(vec![LineDraft::new(id)]);
                }
                Err(error) => ui.fail(error),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card">
            <h1>"New invoice"</h1>
            <form id="issue-form" on:submit=submit>
                <div class="fields">
                    <label>
                        "Series"
                        <select id="issue-series" prop:value=move || series.get() on:change=move |ev| series.set(event_target_value(&ev))>
                            {move || {
                                series_list
                                    .get()
                                    .into_iter()
                                    .map(|s| view! { <option value=s.code.clone()>{format!("{} ({})", s.code, s.format)}</option> })
                                    .collect_view()
                            }}
                        </select>
                    </label>
                    <label>
                        "Customer"
                        <select id="issue-customer" prop:value=move || customer.get() on:change=move |ev| customer.set(event_target_value(&ev))>
                            <option value="">"— none —"</option>
                            {move || {
                                customers
                                    .get()
                                    .into_iter()
                                    .map(|c| view! { <option value=c.code.clone()>{format!("{} · {}", c.code, c.name)}</option> })
                                    .collect_view()
                            }}
                        </select>
                    </label>
                    <label>
                        "Issue date"
                        <input id="issue-date" type="date" bind:value=issue_date />
                    </label>
                    <label>
                        "Currency"
                        <select id="issue-currency" prop:value=move || currency.get() on:change=move |ev| currency.set(event_target_value(&ev))>
                            {Currency::ALL.iter().map(|c| view! { <option value=c.code()>{c.code()}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
                <table class="grid lines">
                    <thead>
                        <tr>
                            <th>"Description"</th>
                            <th class="num">"Quantity"</th>
                            <th class="num">"Unit price"</th>
                            <th class="num">"Tax %"</th>
                            <th class="num">"Net"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || lines.get()
                            key=|line| line.id
                            children=move |line| {
                                let net = move || {
                                    let position = lines.with(|all| all.iter().position(|l| l.id == line.id));
                                    totals.with(|t| match (t, position) {
                                        (Ok(t), Some(p)) => t.lines.get(p).map(|l| l.net_amount.to_string()).unwrap_or_default(),
                                        _ => String::new(),
                                    })
                                };
                                view! {
                                    <tr class="line">
                                        <td><input class="line-description" bind:value=line.description placeholder="What is sold" /></td>
                                        <td><input class="line-quantity num" bind:value=line.quantity inputmode="decimal" /></td>
                                        <td><input class="line-price num" bind:value=line.unit_price inputmode="decimal" placeholder="0.00" /></td>
                                        <td><input class="line-tax num" bind:value=line.tax_rate inputmode="decimal" /></td>
                                        <td class="num">{net}</td>
                                        <td>
                                            <button
                                                type="button"
                                                class="remove"
                                                title="Remove line"
                                                disabled=move || lines.with(|l| l.len() == 1)
                                                on:click=move |_| lines.update(|l| l.retain(|x| x.id != line.id))
                                            >
                                                "×"
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                </table>
                <button id="add-line" type="button" on:click=add_line>"+ Add line"</button>
                <div class="summary">
                    {move || match totals.get() {
                        Ok(t) => {
                            let c = parsed_currency();
                            view! {
                                <dl class="totals">
                                    <dt>"Net"</dt>
                                    <dd id="total-net">{format!("{} {c}", t.net_total)}</dd>
                                    <dt>"Tax"</dt>
                                    <dd id="total-tax">{format!("{} {c}", t.tax_total)}</dd>
                                    <dt>"Total"</dt>
                                    <dd id="total">{format!("{} {c}", t.total)}</dd>
                                </dl>
                            }
                                .into_any()
                        }
                        Err(problem) => {
                            let message = match ui.language() {
                                Language::En => problem.message,
                                Language::Tr => problem.message_tr,
                            };
                            view! { <p class="hint" id="total-hint">{message}</p> }.into_any()
                        }
                    }}
                    <button id="issue-submit" type="submit" class="primary" disabled=move || busy.get()>
                        "Issue invoice"
                    </button>
                </div>
            </form>
        </section>
    }
}
