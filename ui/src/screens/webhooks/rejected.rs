//! Requests refused before anything was applied: bad signatures, stale timestamps, unknown senders,
//! oversized or malformed bodies. Kept to see who is knocking and why.

use ledgerdesk_types::Rejection;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::REFRESH;
use crate::api;
use crate::screens::{refresh_every, reload_after_writes, time};
use crate::state::use_ui;

#[component]
pub fn Rejections() -> impl IntoView {
    let ui = use_ui();
    let rows = RwSignal::new(Vec::<Rejection>::new());
    let loaded = RwSignal::new(false);
    let selected = RwSignal::new(None::<Rejection>);
    let load = move || {
        spawn_local(async move {
            match api::list_webhook_rejections().await {
                Ok(list) => {
                    rows.set(list);
                    loaded.set(true);
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    reload_after_writes(ui, load);
    refresh_every(ui, REFRESH, load);

    view! {
        <section class="card">
            <h2>"Refused requests"</h2>
            <table id="rejections-table" class="grid">
                <thead>
                    <tr>
                        <th>"Received"</th>
                        <th>"Tenant / source"</th>
                        <th>"Reason"</th>
                        <th class="num">"HTTP"</th>
                        <th class="num">"Body bytes"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|r| r.id
                        children=move |r| {
                            let row = r.clone();
                            view! {
                                <tr class="row" on:click=move |_| selected.set(Some(row.clone()))>
                                    <td>{time(Some(r.received_at))}</td>
                                    <td>{format!("{} / {}", r.tenant, r.source)}</td>
                                    <td class="bad">{r.reason.replace('_', " ")}</td>
                                    <td class="num">{r.http_status}</td>
                                    <td class="num">{r.body_size}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            <Show when=move || loaded.get() && rows.with(|r| r.is_empty())>
                <p class="empty">"No refused requests."</p>
            </Show>
        </section>
        {move || selected.get().map(|r| view! {
            <section id="rejection-detail" class="card">
                <h2>{format!("Refused: {}", r.reason.replace('_', " "))}</h2>
                <h2>"Headers"</h2>
                <pre class="response">{api::pretty_json(&r.headers)}</pre>
                <h2>"Body"</h2>
                <pre class="response">
                    {r.body.clone().map(|b| api::pretty_json(&b)).unwrap_or_else(|| format!("({} bytes, not kept)", r.body_size))}
                </pre>
            </section>
        })}
    }
}
