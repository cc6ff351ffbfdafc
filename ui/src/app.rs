//! The page shell: navigation, the error banner, and the screen that is showing. It imports the
//! screens and the shared state; screens import the state, never this module.

use ledgerdesk_types::Role;
use ledgerdesk_types::api::Language;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::screens;
use crate::state::{Screen, Ui, use_ui};

#[component]
pub fn App() -> impl IntoView {
    let ui = Ui {
        screen: RwSignal::new(Screen::Invoices),
        error: RwSignal::new(None),
        notice: RwSignal::new(None),
        settings: RwSignal::new(None),
        read_only: RwSignal::new(false),
        version: RwSignal::new(0),
        identity: RwSignal::new(None),
    };
    provide_context(ui);
    spawn_local(async move {
        match api::get_settings().await {
            Ok(settings) => {
                // A book that keeps accounts opens on its sign-in screen, and shows nothing else.
                if let Ok(session) = api::get_session().await {
                    ui.enter(session);
                }
                if ui.screen.get_untracked() == Screen::SignIn {
                    ui.settings.set(Some(settings));
                    return;
                }
                // No tenant yet: a new user starts in Settings, where the set-up form is.
                if settings.tenant.is_none() {
                    ui.screen.set(Screen::Settings);
                }
                let has_tenant = settings.tenant.is_some();
                ui.settings.set(Some(settings));
                if has_tenant {
                    ui.refresh_book_status().await;
                }
            }
            Err(error) => ui.fail(error),
        }
    });

    // A tab shows to whoever holds `role` (None: everyone signed in); the backend refuses the rest anyway.
    let tab = move |screen: Screen, id: &'static str, label: &'static str, role: Option<Role>| {
        let target = screen.clone();
        view! {
            <Show when=move || role.is_none_or(|role| ui.may(role))>
                <button
                    id=id
                    class="tab"
                    class:active={
                        let screen = screen.clone();
                        move || ui.screen.get() == screen
                    }
                    on:click={
                        let target = target.clone();
                        move |_| ui.go(target.clone())
                    }
                >
                    {label}
                </button>
            </Show>
        }
    };
    let sign_out = move |_| {
        spawn_local(async move {
            match api::sign_out().await {
                Ok(session) => ui.enter(session),
                Err(error) => ui.fail(error),
            }
        })
    };
    let signed_in = move || ui.identity.with(|identity| identity.as_ref().is_some_and(|identity| !identity.owner));

    view! {
        <header class="topbar">
            <span class="brand">"Ledgerdesk"</span>
            <Show when=move || ui.screen.get() != Screen::SignIn>
                <nav>
                    {tab(Screen::Invoices, "nav-invoices", "Invoices", None)}
                    {tab(Screen::NewInvoice, "nav-new-invoice", "New invoice", Some(Role::Clerk))}
                    {tab(Screen::Batch, "nav-batch", "Batch", Some(Role::Clerk))}
                    {tab(Screen::Audit, "nav-audit", "Audit", None)}
                    {tab(Screen::Licenses, "nav-licenses", "Licenses", None)}
                    {tab(Screen::Idempotency, "nav-idempotency", "Idempotency", None)}
                    {tab(Screen::Webhooks, "nav-webhooks", "Webhooks", None)}
                    {tab(Screen::Exports, "nav-exports", "Exports", None)}
                    {tab(Screen::People, "nav-people", "People", Some(Role::Admin))}
                    {tab(Screen::Settings, "nav-settings", "Settings", None)}
                </nav>
            </Show>
            <span class="context" id="context">
                {move || {
                    ui.settings
                        .get()
                        .map(|s| {
                            let mode = match s.connection {
                                ledgerdesk_types::api::Connection::Sqlite { .. } => "SQLite",
                                ledgerdesk_types::api::Connection::Postgres { .. } => "Postgres",
                            };
                            // The signed-in person, with their roles; the owner names the author in Settings.
                            let who = match ui.identity.get() {
                                Some(identity) if !identity.owner => {
                                    let roles: Vec<&str> = identity.roles.iter().map(|role| role.as_str()).collect();
                                    format!("{} ({})", identity.name, roles.join(", "))
                                }
                                _ if ui.screen.get() == Screen::SignIn => "not signed in".to_owned(),
                                _ => s.user,
                            };
                            format!("{} · {} · {}", s.tenant.unwrap_or_else(|| "no tenant".into()), who, mode)
                        })
                        .unwrap_or_default()
                }}
            </span>
            <Show when=signed_in>
                <button id="sign-out" class="sign-out" on:click=sign_out>"Sign out"</button>
            </Show>
            <Show when=move || ui.read_only.get()>
                <span id="read-only-badge" class="badge" title="This book's file cannot be written by you: reads work, writes are refused">
                    "read-only"
                </span>
            </Show>
        </header>
        <Banner />
        <main>
            {move || match ui.screen.get() {
                Screen::Invoices => view! { <screens::invoices::InvoiceList /> }.into_any(),
                Screen::NewInvoice => view! { <screens::issue::IssueForm /> }.into_any(),
                Screen::Batch => view! { <screens::batch::BatchScreen /> }.into_any(),
                Screen::Detail(number) => view! { <screens::detail::InvoiceDetail number=number /> }.into_any(),
                Screen::Audit => view! { <screens::audit::Audit /> }.into_any(),
                Screen::Licenses => view! { <screens::licenses::Licenses /> }.into_any(),
                Screen::Idempotency => view! { <screens::idempotency::IdempotencyRecords /> }.into_any(),
                Screen::Webhooks => view! { <screens::webhooks::Webhooks /> }.into_any(),
                Screen::Exports => view! { <screens::exports::Exports /> }.into_any(),
                Screen::Settings => view! { <screens::settings::SettingsScreen /> }.into_any(),
                Screen::SignIn => view! { <screens::people::SignIn /> }.into_any(),
                Screen::People => view! { <screens::people::People /> }.into_any(),
            }}
        </main>
    }
}

/// The error banner (code and message in the chosen language) and the confirmation line.
#[component]
fn Banner() -> impl IntoView {
    let ui = use_ui();
    view! {
        {move || {
            ui.error
                .get()
                .map(|error| {
                    let message = match ui.language() {
                        Language::En => error.message.clone(),
                        Language::Tr => error.message_tr.clone(),
                    };
                    view! {
                        <div id="error-banner" class="banner error" role="alert">
                            <code id="error-code">{error.code.clone()}</code>
                            <span id="error-message">{message}</span>
                            <button class="dismiss" on:click=move |_| ui.error.set(None)>"×"</button>
                        </div>
                    }
                })
        }}
        {move || {
            ui.notice
                .get()
                .map(|notice| view! { <div id="notice" class="banner notice" role="status">{notice}</div> })
        }}
    }
}
