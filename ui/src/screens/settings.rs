//! Settings: where the data lives (SQLite file or Postgres), tenant, user and language; the first-run
//! set-up of a tenant and its series; customers; webhook sources and endpoints.

use ledgerdesk_types::api::{Connection, CustomerRequest, Language, SeriesRequest, Settings, SetupRequest};
use ledgerdesk_types::{ErrorBody, ResetPolicy};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::document::SupplierDetailsForm;
use super::webhooks::setup::{WebhookEndpoints, WebhookSources};
use crate::api;
use crate::state::{Ui, use_ui};

fn connection_of(mode: &str, path: String, url: String) -> Connection {
    if mode == "postgres" { Connection::Postgres { url } } else { Connection::Sqlite { path } }
}

/// Saves `settings`, creating a new book there when `create` is set; a SQLite path with no book asks
/// (through `asking`) before anything is created.
fn save_to(ui: Ui, settings: Settings, create: bool, asking: RwSignal<Option<Settings>>) {
    spawn_local(async move {
        match api::save_settings(settings.clone(), create).await {
            Ok(saved) => {
                asking.set(None);
                ui.settings.set(Some(saved));
                ui.refresh_book_status().await;
                ui.succeed(if create { "New book created; settings saved" } else { "Settings saved" });
            }
            Err(error)
                if error.code == "book_not_found" && matches!(settings.connection, Connection::Sqlite { .. }) =>
            {
                ui.notice.set(None);
                asking.set(Some(settings));
            }
            Err(error) => ui.fail(error),
        }
    });
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
    // Settings waiting for the user's yes before a new book is created where there is none.
    let asking: RwSignal<Option<Settings>> = RwSignal::new(None);

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
    let form_settings = move || Settings {
        connection: connection_of(&mode.get(), path.get(), url.get()),
        tenant: Some(tenant.get().trim().to_owned()).filter(|t| !t.is_empty()),
        user: user.get().trim().to_owned(),
        language: if language.get() == "tr" { Language::Tr } else { Language::En },
    };
    let new_book = move |_| asking.set(Some(form_settings()));
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
        save_to(ui, settings, false, asking);
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
                    <Show when=move || mode.get() == "sqlite">
                        <button id="new-book" type="button" on:click=new_book>"New book…"</button>
                    </Show>
                </fieldset>
                {move || {
                    asking.get().map(|settings| {
                        let place = match &settings.connection {
                            Connection::Sqlite { path } => path.clone(),
                            Connection::Postgres { url } => url.clone(),
                        };
                        let create = settings.clone();
                        let (question, warning, confirm, cancel) = match ui.language() {
                            Language::En => (
                                "No book here — create a new one?",
                                " Numbering starts again in a new book. ",
                                "Create a new book",
                                "Cancel",
                            ),
                            Language::Tr => (
                                "Burada defter yok — yeni bir defter oluşturulsun mu?",
                                " Yeni bir defterde numaralandırma yeniden başlar. ",
                                "Yeni defter oluştur",
                                "Vazgeç",
                            ),
                        };
                        view! {
                            <div id="create-book" class="banner warning" role="alertdialog">
                                <p>
                                    <strong>{question}</strong>
                                    {warning}
                                    <code id="create-book-path">{place}</code>
                                </p>
                                <button id="create-book-confirm" type="button" class="primary" on:click=move |_| save_to(ui, create.clone(), true, asking)>
                                    {confirm}
                                </button>
                                <button id="create-book-cancel" type="button" on:click=move |_| asking.set(None)>{cancel}</button>
                            </div>
                        }
                    })
                }}
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
        <Show when=move || ui.settings.with(|s| s.as_ref().is_some_and(|s| s.tenant.is_some()))>
            <SupplierDetailsForm />
            <SeriesForm />
            <Customers />
            <WebhookSources />
            <WebhookEndpoints />
        </Show>
    }
}

/// Creates (or confirms) a tenant and its first series, and selects the tenant.
#[component]
fn TenantSetup() -> impl IntoView {
    let ui = use_ui();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let zone = RwSignal::new("Europe/Istanbul".to_owned());
    let books_open = RwSignal::new(String::new());
    let series = RwSignal::new("INV".to_owned());
    // Empty: the default template, which the backend picks so that no two series can collide.
    let format = RwSignal::new(String::new());
    let reset = RwSignal::new("monthly".to_owned());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let books_open_from = match books_open.get().trim() {
            "" => None,
            text => match text.parse() {
                Ok(date) => Some(date),
                Err(_) => {
                    return ui.fail(ErrorBody {
                        code: "invalid_input".into(),
                        message: format!("invalid books_open_from: {text:?} is not a date like 2026-01-01"),
                        message_tr: format!("geçersiz books_open_from: {text:?} 2026-01-01 gibi bir tarih değil"),
                        details: Some("books_open_from".into()),
                    });
                }
            },
        };
        let request = SetupRequest {
            tenant_code: code.get().trim().to_owned(),
            tenant_name: name.get().trim().to_owned(),
            time_zone: zone.get().trim().to_owned(),
            books_open_from,
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
                    ui.refresh_book_status().await;
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
                <label>"Books open from" <input id="setup-books-open" type="date" bind:value=books_open /></label>
                <label>"Series" <input id="setup-series" bind:value=series /></label>
                <label>"Number format" <input id="setup-format" bind:value=format placeholder="default: {YYYY}{MM}-{SEQ:5}-{SUFFIX}" /></label>
                <ResetChoice id="setup-reset" reset=reset />
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
    let address = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CustomerRequest {
            code: code.get().trim().to_owned(),
            name: name.get().trim().to_owned(),
            tax_id: Some(tax_id.get().trim().to_owned()).filter(|t| !t.is_empty()),
            address: address.get().lines().map(str::to_owned).filter(|l| !l.trim().is_empty()).collect(),
        };
        spawn_local(async move {
            match api::add_customer(request).await {
                Ok(customer) => {
                    ui.succeed(format!("Customer {} saved", customer.code));
                    code.set(String::new());
                    name.set(String::new());
                    tax_id.set(String::new());
                    address.set(String::new());
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
                <label>"Tax number (VAT ID)" <input id="customer-tax-id" bind:value=tax_id /></label>
                <label>
                    "Address (a line each)"
                    <textarea id="customer-address" rows="2" prop:value=move || address.get()
                        on:input=move |ev| address.set(event_target_value(&ev))></textarea>
                </label>
                <button id="customer-submit" type="submit">"Add customer"</button>
            </form>
        </section>
    }
}

/// Adds a series of the selected tenant: a regular one, or a corrective one that numbers credit notes.
#[component]
fn SeriesForm() -> impl IntoView {
    let ui = use_ui();
    let code = RwSignal::new(String::new());
    let format = RwSignal::new(String::new());
    let reset = RwSignal::new("yearly".to_owned());
    let kind = RwSignal::new("corrective".to_owned());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SeriesRequest {
            code: code.get_untracked().trim().to_owned(),
            format: format.get_untracked().trim().to_owned(),
            reset: reset.get_untracked().parse().unwrap_or(ResetPolicy::Yearly),
            corrective: kind.get_untracked() == "corrective",
        };
        spawn_local(async move {
            match api::add_series(request).await {
                Ok(series) => {
                    let what = if series.corrective { "corrective series" } else { "series" };
                    ui.succeed(format!("{what} {} saved ({})", series.code, series.format));
                    code.set(String::new());
                    format.set(String::new());
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Add a series"</h2>
            <form id="series-form" class="fields" on:submit=submit>
                <label>"Code" <input id="series-code" bind:value=code placeholder="R" /></label>
                <label>"Number format" <input id="series-format" bind:value=format placeholder="R{YYYY}-{SEQ:5}" /></label>
                <ResetChoice id="series-reset" reset=reset />
                <label>
                    "Kind"
                    <select id="series-kind" prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="corrective">"corrective: credit notes"</option>
                        <option value="regular">"regular: invoices"</option>
                    </select>
                </label>
                <button id="series-submit" type="submit">"Add series"</button>
            </form>
        </section>
    }
}

/// When a series' numbering restarts: every month, every year or never.
#[component]
fn ResetChoice(id: &'static str, reset: RwSignal<String>) -> impl IntoView {
    view! {
        <label>
            "Numbering restarts"
            <select id=id prop:value=move || reset.get() on:change=move |ev| reset.set(event_target_value(&ev))>
                <option value="monthly">"every month"</option>
                <option value="yearly">"every year"</option>
                <option value="never">"never"</option>
            </select>
        </label>
    }
}
