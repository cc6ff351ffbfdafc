//! Settings: where the data lives (SQLite file or Postgres), tenant, user and language; the first-run
//! set-up of a tenant and its series; customers.

use ledgerdesk_types::api::{Connection, CustomerRequest, Language, Settings, SetupRequest};
use ledgerdesk_types::{ErrorBody, ResetPolicy};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::state::use_ui;

fn connection_of(mode: &str, path: String, url: String) -> Connection {
    if mode == "postgres" { Connection::Postgres { url } } else { Connection::Sqlite { path } }
}

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let ui = use_ui();
    let mode = RwSignal::new("sqlite".to_owned());
    let path = RwSignal::new(String::new());
    let url = RwSignal::new("postgres://postgres@127.0.0.1:5432/ledgerdesk".to_owned());
    let tenant = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let language = RwSignal::new("en".to_owned());

    // Fill the form from the current settings whenever they arrive or change.
    Effect::new(move |_| {
        if let Some(s) = ui.settings.get() {
            match s.connection {
                Connection::Sqlite { path: p } => {
                    mode.set("sqlite".into());
                    path.set(p);
                }
                Connection::Postgres { url: u } => {
                    mode.set("postgres".into());
                    url.set(u);
                }
            }
            tenant.set(s.tenant.unwrap_or_default());
            user.set(s.user);
            language.set(if s.language == Language::Tr { "tr".into() } else { "en".into() });
        }
    });

    let test = move |_| {
        let connection = connection_of(&mode.get(), path.get(), url.get());
        spawn_local(async move {
            match api::test_connection(connection).await {
                Ok(backend) => ui.succeed(format!("Connected to {backend}; schema up to date")),
                Err(error) => ui.fail(error),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let settings = Settings {
            connection: connection_of(&mode.get(), path.get(), url.get()),
            tenant: Some(tenant.get().trim().to_owned()).filter(|t| !t.is_empty()),
            user: user.get().trim().to_owned(),
            language: if language.get() == "tr" { Language::Tr } else { Language::En },
        };
        if settings.user.is_empty() {
            return ui.fail(ErrorBody {
                code: "invalid_input".into(),
                message: "invalid user: give the name recorded on every write".into(),
                message_tr: "geçersiz kullanıcı: her kayıtta tutulacak adı girin".into(),
                details: Some("user".into()),
            });
        }
        spawn_local(async move {
            match api::save_settings(settings).await {
                Ok(saved) => {
                    ui.settings.set(Some(saved));
                    ui.succeed("Settings saved");
                }
                Err(error) => ui.fail(error),
            }
        });
    };

    view! {
        <section class="card">
            <h1>"Settings"</h1>
            <Show when=move || ui.settings.with(|s| s.as_ref().is_some_and(|s| s.tenant.is_none()))>
                <p class="hint" id="first-run">"Welcome. Set up your company and its first invoice series below to start."</p>
            </Show>
            <form id="settings-form" on:submit=save>
                <fieldset>
                    <legend>"Where the books are kept"</legend>
                    <label class="inline">
                        <input type="radio" name="mode" value="sqlite" prop:checked=move || mode.get() == "sqlite" on:change=move |_| mode.set("sqlite".into()) />
                        "This computer (SQLite file)"
                    </label>
                    <label class="inline">
                        <input type="radio" name="mode" value="postgres" prop:checked=move || mode.get() == "postgres" on:change=move |_| mode.set("postgres".into()) />
                        "Shared server (Postgres)"
                    </label>
                    <Show
                        when=move || mode.get() == "postgres"
                        fallback=move || view! { <label>"SQLite file" <input id="settings-path" bind:value=path /></label> }
                    >
                        <label>"Postgres URL" <input id="settings-url" bind:value=url /></label>
                    </Show>
                    <button id="test-connection" type="button" on:click=test>"Test connection"</button>
                </fieldset>
                <fieldset>
                    <legend>"You"</legend>
                    <label>"Tenant" <input id="settings-tenant" bind:value=tenant /></label>
                    <label>"User name (recorded on every write)" <input id="settings-user" bind:value=user /></label>
                    <label>
                        "Language of messages"
                        <select id="settings-language" prop:value=move || language.get() on:change=move |ev| language.set(event_target_value(&ev))>
                            <option value="en">"English"</option>
                            <option value="tr">"Türkçe"</option>
                        </select>
                    </label>
                </fieldset>
                <button id="save-settings" type="submit" class="primary">"Save settings"</button>
            </form>
        </section>
        <TenantSetup />
        <Customers />
    }
}

/// Creates (or confirms) a tenant and its first series, and selects the tenant.
#[component]
fn TenantSetup() -> impl IntoView {
    let ui = use_ui();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let zone = RwSignal::new("Europe/Istanbul".to_owned());
    let series = RwSignal::new("INV".to_owned());
    let format = RwSignal::new("{YYYY}{MM}-{SEQ:5}-{SUFFIX}".to_owned());
    let reset = RwSignal::new("monthly".to_owned());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SetupRequest {
            tenant_code: code.get().trim().to_owned(),
            tenant_name: name.get().trim().to_owned(),
            time_zone: zone.get().trim().to_owned(),
            series_code: series.get().trim().to_owned(),
            series_format: format.get().trim().to_owned(),
            reset: reset.get().parse().unwrap_or(ResetPolicy::Monthly),
        };
        spawn_local(async move {
            match api::setup_tenant(request).await {
                Ok(created) => {
                    if let Ok(settings) = api::get_settings().await {
                        ui.settings.set(Some(settings));
                    }
                    ui.succeed(format!("Tenant {} ready with series {}", created.tenant, created.code));
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Set up a tenant"</h2>
            <form id="setup-form" class="fields" on:submit=submit>
                <label>"Code (number suffix)" <input id="setup-code" bind:value=code placeholder="ACME" /></label>
                <label>"Legal name" <input id="setup-name" bind:value=name placeholder="Acme Ltd" /></label>
                <label>"Time zone" <input id="setup-zone" bind:value=zone /></label>
                <label>"Series" <input id="setup-series" bind:value=series /></label>
                <label>"Number format" <input id="setup-format" bind:value=format /></label>
                <label>
                    "Numbering restarts"
                    <select id="setup-reset" prop:value=move || reset.get() on:change=move |ev| reset.set(event_target_value(&ev))>
                        <option value="monthly">"every month"</option>
                        <option value="yearly">"every year"</option>
                        <option value="never">"never"</option>
                    </select>
                </label>
                <button id="setup-submit" type="submit" class="primary">"Create and select"</button>
            </form>
        </section>
    }
}

/// Adds customers of the selected tenant.
#[component]
fn Customers() -> impl IntoView {
    let ui = use_ui();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let tax_id = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CustomerRequest {
            code: code.get().trim().to_owned(),
            name: name.get().trim().to_owned(),
            tax_id: Some(tax_id.get().trim().to_owned()).filter(|t| !t.is_empty()),
        };
        spawn_local(async move {
            match api::add_customer(request).await {
                Ok(customer) => {
                    ui.succeed(format!("Customer {} saved", customer.code));
                    code.set(String::new());
                    name.set(String::new());
                    tax_id.set(String::new());
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Add a customer"</h2>
            <form id="customer-form" class="fields" on:submit=submit>
                <label>"Code" <input id="customer-code" bind:value=code /></label>
                <label>"Name" <input id="customer-name" bind:value=name /></label>
                <label>"Tax number" <input id="customer-tax-id" bind:value=tax_id /></label>
                <button id="customer-submit" type="submit">"Add customer"</button>
            </form>
        </section>
    }
}
