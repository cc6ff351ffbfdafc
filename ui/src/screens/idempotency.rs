//! Idempotency records: browse by user, command, status, age and expiry; the detail shows the
//! fingerprint, the stored response and how many replays it served; purge removes the expired.

use ledgerdesk_types::{IdempotencyQuery, IdempotencyRecord, KeyStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{optional, reload_after_writes, time};
use crate::api;
use crate::state::use_ui;

const COMMANDS: [&str; 6] =
    ["invoice.issue", "license.assign", "license.extend", "license.suspend", "license.resume", "license.revoke"];

fn status_label(status: KeyStatus) -> &'static str {
    match status {
        KeyStatus::InFlight => "in flight",
        KeyStatus::Completed => "completed",
        KeyStatus::Failed => "failed",
    }
}

#[component]
pub fn IdempotencyRecords() -> impl IntoView {
    let ui = use_ui();
    let user = RwSignal::new(String::new());
    let command = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let older_than = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<IdempotencyRecord>::new());
    let loaded = RwSignal::new(false);
    let selected = RwSignal::new(None::<IdempotencyRecord>);

    let load = move || {
        let query = IdempotencyQuery {
            user: optional(user.get_untracked()),
            command: optional(command.get_untracked()),
            status: status.get_untracked().parse().ok(),
            older_than_minutes: older_than.get_untracked().trim().parse().ok(),
            expired: match expiry.get_untracked().as_str() {
                "expired" => Some(true),
                "live" => Some(false),
                _ => None,
            },
            limit: Some(200),
        };
        spawn_local(async move {
            match api::list_idempotency_records(query).await {
                Ok(list) => {
                    rows.set(list);
                    loaded.set(true);
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    reload_after_writes(ui, load);
    let filter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load();
    };
    let open = move |record: IdempotencyRecord| {
        spawn_local(async move {
            match api::get_idempotency_record(record.user, record.command, record.key).await {
                Ok(found) => selected.set(found),
                Err(error) => ui.fail(error),
            }
        });
    };
    let purge = move |_| {
        spawn_local(async move {
            match api::purge_idempotency_records().await {
                Ok(purged) => {
                    selected.set(None);
                    ui.succeed(format!("Purged {} expired records", purged.removed));
                }
                Err(error) => ui.fail(error),
            }
        });
    };

    view! {
        <section class="card">
            <h1>"Idempotency records"</h1>
            <form class="filters" on:submit=filter>
                <input id="keys-filter-user" placeholder="User" bind:value=user />
                <select id="keys-filter-command" prop:value=move || command.get() on:change=move |ev| command.set(event_target_value(&ev))>
                    <option value="">"Any command"</option>
                    {COMMANDS.iter().map(|c| view! { <option value=*c>{*c}</option> }).collect_view()}
                </select>
                <select id="keys-filter-status" prop:value=move || status.get() on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">"Any status"</option>
                    {KeyStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{status_label(*s)}</option> }).collect_view()}
                </select>
                <input id="keys-filter-age" class="num" placeholder="Older than, min" bind:value=older_than inputmode="numeric" />
                <select id="keys-filter-expiry" prop:value=move || expiry.get() on:change=move |ev| expiry.set(event_target_value(&ev))>
                    <option value="">"Live and expired"</option>
                    <option value="live">"Live"</option>
                    <option value="expired">"Expired"</option>
                </select>
                <button id="keys-filter-submit" type="submit">"Filter"</button>
                <button id="keys-purge" type="button" on:click=purge>"Purge expired"</button>
            </form>
            <table id="keys-table" class="grid">
                <thead>
                    <tr>
                        <th>"Key"</th>
                        <th>"User"</th>
                        <th>"Command"</th>
                        <th>"Status"</th>
                        <th class="num">"Replays"</th>
                        <th>"Created"</th>
                        <th>"Expires"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|r| (r.user.clone(), r.command.clone(), r.key.clone(), r.replays, r.status)
                        children=move |r| {
                            let record = r.clone();
                            view! {
                                <tr class="row" on:click=move |_| open(record.clone())>
                                    <td class="number">{r.key.clone()}</td>
                                    <td>{r.user.clone()}</td>
                                    <td>{r.command.clone()}</td>
                                    <td class=format!("key-{}", r.status.as_str())>{status_label(r.status)}</td>
                                    <td class="num">{r.replays}</td>
                                    <td>{time(Some(r.created_at))}</td>
                                    <td>{time(Some(r.expires_at))}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            <Show when=move || loaded.get() && rows.with(|r| r.is_empty())>
                <p class="empty">"No records."</p>
            </Show>
        </section>
        {move || selected.get().map(|r| view! {
            <section id="key-detail" class="card">
                <h2>{format!("Key {}", r.key)}</h2>
                <dl class="facts">
                    <dt>"User · command"</dt><dd>{format!("{} · {}", r.user, r.command)}</dd>
                    <dt>"Status"</dt><dd id="key-status">{status_label(r.status)}</dd>
                    <dt>"Replays served"</dt><dd id="key-replays">{r.replays}</dd>
                    <dt>"Fingerprint (SHA-256)"</dt><dd><code id="key-fingerprint">{r.fingerprint.clone()}</code></dd>
                    <dt>"Fence"</dt><dd>{r.fence}</dd>
                    <dt>"Created"</dt><dd>{time(Some(r.created_at))}</dd>
                    <dt>"Lease until"</dt><dd>{time(r.locked_until)}</dd>
                    <dt>"Finished"</dt><dd>{time(r.completed_at)}</dd>
                    <dt>"Expires"</dt><dd>{time(Some(r.expires_at))}</dd>
                </dl>
                <h2>"Stored response"</h2>
                <pre id="key-response" class="response">{r.response.clone().unwrap_or_else(|| "(none yet: in flight)".into())}</pre>
            </section>
        })}
    }
}
