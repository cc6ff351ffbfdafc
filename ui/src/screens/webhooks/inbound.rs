//! Inbound events: what each sender's delivery became (applied, failed, ignored); the detail shows the
//! headers and payload as verified, the effect (the payment, with its invoice) and re-applies a failed one.

use ledgerdesk_types::{InboundEvent, InboundStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{FilterBar, Filters, REFRESH};
use crate::api;
use crate::screens::{refresh_every, reload_after_writes, time};
use crate::state::{Screen, use_ui};

const STATUSES: &[&str] = &["applied", "failed", "ignored"];

fn effect(event: &InboundEvent) -> String {
    match (&event.payment, &event.invoice, event.status) {
        (Some(payment), Some(invoice), _) => format!("{} {} paid on {invoice}", payment.amount, payment.currency),
        (_, _, InboundStatus::Failed) => event.error_code.clone().unwrap_or_default(),
        (_, _, InboundStatus::Ignored) => "not acted on".into(),
        _ => "—".into(),
    }
}

#[component]
pub fn InboundEvents() -> impl IntoView {
    let ui = use_ui();
    let filters = Filters::new();
    let sources = RwSignal::new(Vec::<(String, String)>::new());
    let rows = RwSignal::new(Vec::<InboundEvent>::new());
    let loaded = RwSignal::new(false);
    let selected = RwSignal::new(None::<InboundEvent>);

    spawn_local(async move {
        if let Ok(list) = api::list_sources().await {
            sources.set(list.into_iter().map(|s| (s.name.clone(), s.name)).collect());
        }
    });
    let load = move || {
        let query = filters.query();
        let open = selected.with_untracked(|s| s.as_ref().map(|e| e.id));
        spawn_local(async move {
            match api::list_inbound_events(query).await {
                Ok(list) => {
                    rows.set(list);
                    loaded.set(true);
                }
                Err(error) => return ui.fail(error),
            }
            if let Some(id) = open
                && let Ok(event) = api::get_inbound_event(id).await
            {
                selected.set(Some(event));
            }
        });
    };
    reload_after_writes(ui, load);
    refresh_every(ui, REFRESH, load);
    let open = move |id: i64| {
        spawn_local(async move {
            match api::get_inbound_event(id).await {
                Ok(event) => selected.set(Some(event)),
                Err(error) => ui.fail(error),
            }
        });
    };
    let reapply = move |id: i64| {
        spawn_local(async move {
            match api::reapply_inbound_event(id).await {
                Ok(event) => {
                    let outcome = match event.status {
                        InboundStatus::Applied => format!("Event {} applied", event.webhook_id),
                        _ => format!(
                            "Event {} failed again: {}",
                            event.webhook_id,
                            event.error_code.clone().unwrap_or_default()
                        ),
                    };
                    selected.set(Some(event));
                    ui.succeed(outcome);
                }
                Err(error) => ui.fail(error),
            }
        });
    };

    view! {
        <section class="card">
            <h2>"Inbound events"</h2>
            <FilterBar filters=filters statuses=STATUSES peers=sources peer_label="Any source" on_filter=load />
            <table id="inbound-table" class="grid">
                <thead>
                    <tr>
                        <th>"Received"</th>
                        <th>"Source"</th>
                        <th>"Type"</th>
                        <th>"Webhook id"</th>
                        <th>"Status"</th>
                        <th>"Effect"</th>
                        <th class="num">"Duplicates"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|e| (e.id, e.status, e.duplicates, e.applications)
                        children=move |e| {
                            let id = e.id;
                            view! {
                                <tr class=format!("row inbound-{}", e.status.as_str()) on:click=move |_| open(id)>
                                    <td>{time(Some(e.received_at))}</td>
                                    <td>{e.source.clone()}</td>
                                    <td>{e.event_type.clone()}</td>
                                    <td class="number">{e.webhook_id.clone()}</td>
                                    <td class="status">{e.status.as_str().replace('_', " ")}</td>
                                    <td>{effect(&e)}</td>
                                    <td class="num">{e.duplicates}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            <Show when=move || loaded.get() && rows.with(|r| r.is_empty())>
                <p class="empty">"No inbound events."</p>
            </Show>
        </section>
        {move || selected.get().map(|e| {
            let id = e.id;
            let failed = e.status == InboundStatus::Failed;
            view! {
                <section id="inbound-detail" class="card">
                    <h2>{format!("{} · {}", e.event_type, e.webhook_id)}</h2>
                    <dl class="facts">
                        <dt>"Source"</dt><dd>{format!("{} (tenant {})", e.source, e.tenant)}</dd>
                        <dt>"Status"</dt><dd id="inbound-status">{e.status.as_str().replace('_', " ")}</dd>
                        <dt>"Sent · received"</dt><dd>{format!("{} · {}", time(Some(e.sent_at)), time(Some(e.received_at)))}</dd>
                        <dt>"Applications"</dt><dd>{e.applications}</dd>
                        <dt>"Duplicates acknowledged"</dt><dd id="inbound-duplicates">{e.duplicates}</dd>
                        {e.error_code.clone().map(|code| view! {
                            <dt>"Error"</dt>
                            <dd class="bad" id="inbound-error"><code>{code}</code>" "{e.error_message.clone().unwrap_or_default()}</dd>
                        })}
                        {e.payment.clone().map(|p| {
                            let invoice = e.invoice.clone().unwrap_or_default();
                            let target = invoice.clone();
                            view! {
                                <dt>"Payment"</dt>
                                <dd id="inbound-payment">
                                    {format!("{} {} · paid {} · ref {} · ", p.amount, p.currency, time(Some(p.paid_at)), p.reference)}
                                    <button id="inbound-invoice-link" class="link" on:click=move |_| ui.go(Screen::Detail(target.clone()))>
                                        {format!("invoice {invoice} →")}
                                    </button>
                                </dd>
                            }
                        })}
                    </dl>
                    <Show when=move || failed>
                        <button id="inbound-reapply" class="primary" on:click=move |_| reapply(id)>"Re-apply"</button>
                        <span class="hint">" After fixing the cause (the invoice, the amount), apply the event again."</span>
                    </Show>
                    <h2>"Headers"</h2>
                    <pre id="inbound-headers" class="response">{api::pretty_json(&e.headers)}</pre>
                    <h2>"Payload"</h2>
                    <pre id="inbound-payload" class="response">{api::pretty_json(&e.body)}</pre>
                </section>
            }
        })}
    }
}
