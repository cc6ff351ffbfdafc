//! Outbound messages: one per event and endpoint, delivered at least once by the background worker;
//! the detail shows the payload and every attempt, and sends it again on request. The endpoints are
//! listed below, to disable one that misbehaves or enable it again.

use ledgerdesk_types::{AttemptOutcome, MessageStatus, OutboundMessage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::setup::EndpointTable;
use super::{FilterBar, Filters, REFRESH};
use crate::api;
use crate::screens::{refresh_every, reload_after_writes, time};
use crate::state::use_ui;

const STATUSES: &[&str] = &["pending", "delivered", "failed"];

/// When it was delivered, or when it is tried next, or nothing more.
fn progress(message: &OutboundMessage) -> String {
    match message.status {
        MessageStatus::Delivered => format!("delivered {}", time(message.delivered_at)),
        MessageStatus::Pending => format!("next {}", time(Some(message.next_attempt_at))),
        MessageStatus::Failed => "given up".into(),
    }
}

fn outcome_label(outcome: AttemptOutcome) -> &'static str {
    match outcome {
        AttemptOutcome::Delivered => "delivered",
        AttemptOutcome::Retry => "will retry",
        AttemptOutcome::Failed => "gave up",
        AttemptOutcome::Disabled => "endpoint disabled (410)",
        AttemptOutcome::LeaseLost => "late: result discarded",
    }
}

#[component]
pub fn OutboundMessages() -> impl IntoView {
    let ui = use_ui();
    let filters = Filters::new();
    let endpoints = RwSignal::new(Vec::<(String, String)>::new());
    let rows = RwSignal::new(Vec::<OutboundMessage>::new());
    let loaded = RwSignal::new(false);
    let selected = RwSignal::new(None::<OutboundMessage>);

    spawn_local(async move {
        if let Ok(list) = api::list_endpoints().await {
            endpoints.set(list.into_iter().map(|e| (e.id.to_string(), format!("#{} {}", e.id, e.url))).collect());
        }
    });
    let load = move || {
        let query = filters.query();
        let open = selected.with_untracked(|s| s.as_ref().map(|m| m.id));
        spawn_local(async move {
            match api::list_outbound_messages(query).await {
                Ok(list) => {
                    rows.set(list);
                    loaded.set(true);
                }
                Err(error) => return ui.fail(error),
            }
            if let Some(id) = open
                && let Ok(message) = api::get_outbound_message(id).await
            {
                selected.set(Some(message));
            }
        });
    };
    reload_after_writes(ui, load);
    refresh_every(ui, REFRESH, load);
    let open = move |id: i64| {
        spawn_local(async move {
            match api::get_outbound_message(id).await {
                Ok(message) => selected.set(Some(message)),
                Err(error) => ui.fail(error),
            }
        });
    };
    let redeliver = move |id: i64| {
        spawn_local(async move {
            match api::redeliver_message(id).await {
                Ok(message) => {
                    let notice = format!("Message {} will be sent again now", message.webhook_id);
                    selected.set(Some(message));
                    ui.succeed(notice);
                }
                Err(error) => ui.fail(error),
            }
        });
    };

    view! {
        <section class="card">
            <h2>"Outbound messages"</h2>
            <FilterBar filters=filters statuses=STATUSES peers=endpoints peer_label="Any endpoint" on_filter=load />
            <table id="outbound-table" class="grid">
                <thead>
                    <tr>
                        <th>"Written"</th>
                        <th>"Type"</th>
                        <th>"Endpoint"</th>
                        <th>"Status"</th>
                        <th class="num">"Attempts"</th>
                        <th>"Progress"</th>
                        <th class="num">"Last HTTP"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|m| (m.id, m.status, m.attempts, m.next_attempt_at)
                        children=move |m| {
                            let id = m.id;
                            view! {
                                <tr class=format!("row outbound-{}", m.status.as_str()) on:click=move |_| open(id)>
                                    <td>{time(Some(m.created_at))}</td>
                                    <td>{m.event_type.clone()}</td>
                                    <td>{m.url.clone()}</td>
                                    <td class="status">{m.status.as_str()}</td>
                                    <td class="num">{m.attempts}</td>
                                    <td>{progress(&m)}</td>
                                    <td class="num">{m.last_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            <Show when=move || loaded.get() && rows.with(|r| r.is_empty())>
                <p class="empty">"No outbound messages."</p>
            </Show>
        </section>
        {move || selected.get().map(|m| {
            let id = m.id;
            view! {
                <section id="outbound-detail" class="card">
                    <h2>{format!("{} · {}", m.event_type, m.webhook_id)}</h2>
                    <dl class="facts">
                        <dt>"Endpoint"</dt><dd>{format!("#{} {}", m.endpoint_id, m.url)}</dd>
                        <dt>"Status"</dt><dd id="outbound-status">{m.status.as_str()}</dd>
                        <dt>"Attempts"</dt><dd id="outbound-attempts">{m.attempts}</dd>
                        <dt>"Progress"</dt><dd>{progress(&m)}</dd>
                        {m.last_error.clone().map(|error| view! { <dt>"Last error"</dt><dd class="bad">{error}</dd> })}
                    </dl>
                    <button id="outbound-redeliver" class="primary" on:click=move |_| redeliver(id)>"Redeliver now"</button>
                    <span class="hint">" Sent again under the same webhook id, so the receiver can tell it is the same message."</span>
                    <h2>"Attempts"</h2>
                    <table id="attempts-table" class="grid">
                        <thead>
                            <tr>
                                <th class="num">"#"</th>
                                <th>"Started"</th>
                                <th class="num">"Latency"</th>
                                <th class="num">"HTTP"</th>
                                <th>"Outcome"</th>
                                <th>"Error · response"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {m.attempts_made.iter().map(|a| view! {
                                <tr class=format!("attempt attempt-{}", a.outcome.as_str())>
                                    <td class="num">{a.attempt}</td>
                                    <td>{time(Some(a.started_at))}</td>
                                    <td class="num">{format!("{} ms", a.latency_ms)}</td>
                                    <td class="num">{a.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                                    <td>{outcome_label(a.outcome)}</td>
                                    <td class="number">{a.error.clone().or_else(|| a.response_head.clone()).unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h2>"Payload"</h2>
                    <pre id="outbound-payload" class="response">{api::pretty_json(&m.payload)}</pre>
                </section>
            }
        })}
        <section class="card">
            <h2>"Endpoints"</h2>
            <EndpointTable />
        </section>
    }
}
