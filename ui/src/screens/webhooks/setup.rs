//! Setting up webhooks, in Settings: the sources whose events are received and the endpoints that
//! receive ours. A generated secret is shown once, with a copy button; Ledgerdesk never shows it again.

use ledgerdesk_types::api::{EndpointRequest, SourceRequest};
use ledgerdesk_types::{Endpoint, Source};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::screens::{reload_after_writes, time};
use crate::state::use_ui;
use crate::{api, clipboard};

/// A secret just generated: shown once, with a copy button.
#[component]
fn SecretOnce(secret: RwSignal<Option<(String, String)>>) -> impl IntoView {
    let ui = use_ui();
    view! {
        {move || secret.get().map(|(whose, value)| {
            let copied = value.clone();
            let copy = move |_| {
                let value = copied.clone();
                spawn_local(async move {
                    if clipboard::copy(&value).await {
                        ui.notice.set(Some("Secret copied to the clipboard".into()));
                    } else {
                        ui.notice.set(Some("Select the secret and press Ctrl+C to copy it".into()));
                    }
                });
            };
            view! {
                <div class="banner warning secret-once" role="alert">
                    <p>
                        <strong>{format!("The secret of {whose}.")}</strong>
                        " Copy it now and give it to the other side: it is not shown again."
                    </p>
                    <input class="secret" readonly prop:value=value on:focus=move |ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    } />
                    <button class="copy-secret primary" type="button" on:click=copy>"Copy"</button>
                    <button type="button" on:click=move |_| secret.set(None)>"Done"</button>
                </div>
            }
        })}
    }
}

/// Why a list could not be loaded, in its card: a background load does not take over the banner,
/// which belongs to what the user just did (a book just switched to may not have this tenant).
#[component]
fn Unavailable(reason: RwSignal<Option<String>>) -> impl IntoView {
    move || reason.get().map(|reason| view! { <p class="hint bad">{format!("Not available: {reason}")}</p> })
}

/// The sources of inbound events: add one, rotate its secret.
#[component]
pub fn WebhookSources() -> impl IntoView {
    let ui = use_ui();
    let sources = RwSignal::new(Vec::<Source>::new());
    let name = RwSignal::new(String::new());
    let secret = RwSignal::new(None::<(String, String)>);
    let unavailable = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            let list = api::list_sources().await;
            unavailable.set(list.as_ref().err().map(|e| e.message.clone()));
            sources.set(list.unwrap_or_default());
        });
    };
    reload_after_writes(ui, load);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SourceRequest { name: name.get().trim().to_owned() };
        spawn_local(async move {
            match api::add_source(request).await {
                Ok(added) if added.created => {
                    secret.set(added.secret.map(|s| (format!("source {}", added.value.name), s)));
                    name.set(String::new());
                    ui.succeed(format!("Source {} added", added.value.name));
                }
                Ok(existing) => {
                    ui.succeed(format!("Source {} exists already; its secret is unchanged", existing.value.name))
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    let rotate = move |source: String| {
        spawn_local(async move {
            match api::rotate_source_secret(source).await {
                Ok(rotated) => {
                    secret.set(rotated.secret.map(|s| (format!("source {}", rotated.value.name), s)));
                    ui.succeed(format!(
                        "Source {} has a new secret; the old one verifies for 24 hours more",
                        rotated.value.name
                    ));
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Webhook sources (payments arriving)"</h2>
            <p class="hint">
                "Each sender posts to "<code>"/webhooks/{tenant}/{source}"</code>" on the receiver "
                "("<code>"ledgerdesk webhook serve"</code>"), signed with its secret (Standard Webhooks)."
            </p>
            <form id="source-form" class="fields" on:submit=add>
                <label>"Name" <input id="source-name" bind:value=name placeholder="bank" /></label>
                <button id="source-submit" type="submit">"Add source"</button>
            </form>
            <SecretOnce secret=secret />
            <Unavailable reason=unavailable />
            <table id="sources-table" class="grid">
                <thead>
                    <tr>
                        <th>"Name"</th>
                        <th>"Path"</th>
                        <th class="num">"Active secrets"</th>
                        <th>"Added"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || sources.get()
                        key=|s| (s.id, s.active_secrets)
                        children=move |s| {
                            let name = s.name.clone();
                            view! {
                                <tr>
                                    <td>{s.name.clone()}</td>
                                    <td class="number">{format!("/webhooks/{}/{}", s.tenant, s.name)}</td>
                                    <td class="num">{s.active_secrets}</td>
                                    <td>{time(Some(s.created_at))}</td>
                                    <td class="actions">
                                        <button on:click=move |_| rotate(name.clone())>"New secret"</button>
                                    </td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
        </section>
    }
}

/// The endpoints our events are sent to: add one.
#[component]
pub fn WebhookEndpoints() -> impl IntoView {
    let ui = use_ui();
    let url = RwSignal::new(String::new());
    let events = RwSignal::new("*".to_owned());
    let secret = RwSignal::new(None::<(String, String)>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = EndpointRequest {
            url: url.get().trim().to_owned(),
            events: events.get().split(',').map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()).collect(),
        };
        spawn_local(async move {
            match api::add_endpoint(request).await {
                Ok(added) if added.created => {
                    secret.set(added.secret.map(|s| (format!("endpoint {}", added.value.url), s)));
                    url.set(String::new());
                    ui.succeed(format!("Endpoint #{} added", added.value.id));
                }
                Ok(existing) => {
                    ui.succeed(format!("Endpoint #{} exists already; its secret is unchanged", existing.value.id))
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Webhook endpoints (notifications leaving)"</h2>
            <p class="hint">"Invoices issued, payments recorded and license changes are sent while Ledgerdesk is open, retried for half an hour, signed with the endpoint's secret."</p>
            <form id="endpoint-form" class="fields" on:submit=add>
                <label>"URL" <input id="endpoint-url" class="wide" bind:value=url placeholder="https://erp.example.com/hooks/ledgerdesk" /></label>
                <label>"Events (comma separated)" <input id="endpoint-events" bind:value=events placeholder="*, invoice.issued, license.*" /></label>
                <button id="endpoint-submit" type="submit">"Add endpoint"</button>
            </form>
            <SecretOnce secret=secret />
            <EndpointTable />
        </section>
    }
}

/// The endpoints, each with its state and a button to disable or enable it.
#[component]
pub fn EndpointTable() -> impl IntoView {
    let ui = use_ui();
    let endpoints = RwSignal::new(Vec::<Endpoint>::new());
    let unavailable = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            let list = api::list_endpoints().await;
            unavailable.set(list.as_ref().err().map(|e| e.message.clone()));
            endpoints.set(list.unwrap_or_default());
        });
    };
    reload_after_writes(ui, load);
    let switch = move |id: i64, enabled: bool| {
        spawn_local(async move {
            match api::set_endpoint_enabled(id, enabled).await {
                Ok(endpoint) => {
                    let state = if endpoint.disabled_at.is_none() { "enabled" } else { "disabled" };
                    ui.succeed(format!("Endpoint #{} {state}", endpoint.id));
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <Unavailable reason=unavailable />
        <table id="endpoints-table" class="grid">
            <thead>
                <tr>
                    <th class="num">"#"</th>
                    <th>"URL"</th>
                    <th>"Events"</th>
                    <th class="num">"Secrets"</th>
                    <th>"State"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=move || endpoints.get()
                    key=|e| (e.id, e.disabled_at, e.active_secrets)
                    children=move |e| {
                        let (id, enabled) = (e.id, e.disabled_at.is_none());
                        let state = match (&e.disabled_at, &e.disabled_reason) {
                            (None, _) => "enabled".to_owned(),
                            (Some(at), reason) => format!("disabled {} ({})", time(Some(*at)), reason.clone().unwrap_or_default()),
                        };
                        view! {
                            <tr class=if enabled { "endpoint-enabled" } else { "endpoint-disabled" }>
                                <td class="num">{e.id}</td>
                                <td class="number">{e.url.clone()}</td>
                                <td>{e.event_types.join(", ")}</td>
                                <td class="num">{e.active_secrets}</td>
                                <td class="status">{state}</td>
                                <td class="actions">
                                    <button class="endpoint-switch" on:click=move |_| switch(id, !enabled)>
                                        {if enabled { "Disable" } else { "Enable" }}
                                    </button>
                                </td>
                            </tr>
                        }
                    }
                />
            </tbody>
        </table>
    }
}
