//! Who is acting: the sign-in screen of a book that keeps accounts, and the People screen where an
//! administrator adds people and grants or revokes their roles.

use ledgerdesk_types::api::SignInRequest;
use ledgerdesk_types::{NewUser, Role, UserChange, UserRecord};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{reload_after_writes, time};
use crate::api;
use crate::state::use_ui;

/// The only screen of a book that keeps accounts until someone signs in.
#[component]
pub fn SignIn() -> impl IntoView {
    let ui = use_ui();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request =
            SignInRequest { name: name.get_untracked().trim().to_owned(), password: password.get_untracked() };
        spawn_local(async move {
            match api::sign_in(request).await {
                Ok(session) => {
                    password.set(String::new());
                    ui.enter(session);
                    ui.refresh_book_status().await;
                    ui.version.update(|v| *v += 1);
                }
                Err(error) => {
                    password.set(String::new());
                    ui.fail(error);
                }
            }
        });
    };
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <p class="hint">"This book keeps its own accounts. Sign in to work in it."</p>
            <form id="sign-in-form" on:submit=submit>
                <label>"Name" <input id="sign-in-name" autocomplete="username" bind:value=name /></label>
                <label>
                    "Password"
                    <input id="sign-in-password" type="password" autocomplete="current-password" bind:value=password />
                </label>
                <button id="sign-in-submit" class="primary" type="submit">"Sign in"</button>
            </form>
        </section>
    }
}

fn roles_text(roles: &[Role]) -> String {
    if roles.is_empty() { "no role".into() } else { roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ") }
}

/// The people of the book: who they are, their roles, and the form to add one.
#[component]
pub fn People() -> impl IntoView {
    let ui = use_ui();
    let people = RwSignal::new(Vec::<UserRecord>::new());
    let load = move || {
        spawn_local(async move {
            match api::list_users().await {
                Ok(list) => people.set(list),
                Err(error) => ui.fail(error),
            }
        })
    };
    reload_after_writes(ui, load);

    let change = move |name: String, role: Role, grant: bool| {
        let change = UserChange { name: name.clone(), roles: vec![role], tenants: Vec::new() };
        spawn_local(async move {
            match api::change_user(change, grant).await {
                Ok(person) => {
                    let verb = if grant { "granted" } else { "revoked" };
                    ui.succeed(format!("{} {verb} {}: now {}", person.name, role.as_str(), roles_text(&person.roles)));
                }
                Err(error) => ui.fail(error),
            }
        })
    };

    view! {
        <AddPerson />
        <section class="card">
            <h1>"People"</h1>
            <p class="hint">"A role taken away ends at that person's next sign-in."</p>
            <table id="people-table" class="grid">
                <thead><tr><th>"Name"</th><th>"Roles"</th><th>"Tenants"</th><th>"Added"</th><th>"Change"</th></tr></thead>
                <tbody>
                    <For
                        each=move || people.get()
                        key=|p| (p.name.clone(), p.roles.clone(), p.tenants.clone())
                        children=move |person| {
                            let name = person.name.clone();
                            let buttons = Role::ALL.iter().map(|&role| {
                                let held = person.roles.contains(&role);
                                let name = name.clone();
                                let label = format!("{} {}", if held { "revoke" } else { "grant" }, role.as_str());
                                view! {
                                    <button
                                        class="small"
                                        id=format!("{}-{}-{}", if held { "revoke" } else { "grant" }, role.as_str(), name)
                                        type="button"
                                        on:click=move |_| change(name.clone(), role, !held)
                                    >
                                        {label}
                                    </button>
                                }
                            }).collect_view();
                            view! {
                                <tr class="row">
                                    <td class="name">{person.name.clone()}</td>
                                    <td class="roles">{roles_text(&person.roles)}</td>
                                    <td>{if person.tenants.is_empty() { "—".to_owned() } else { person.tenants.join(", ") }}</td>
                                    <td>{time(person.created_at)}</td>
                                    <td>{buttons}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
        </section>
    }
}

/// The form adding a person with one role (more are granted from the table).
#[component]
fn AddPerson() -> impl IntoView {
    let ui = use_ui();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Clerk);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let user = NewUser {
            name: name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            roles: vec![role.get_untracked()],
        };
        spawn_local(async move {
            match api::add_user(user).await {
                Ok(person) => {
                    name.set(String::new());
                    password.set(String::new());
                    ui.succeed(format!("Added {}: {}", person.name, roles_text(&person.roles)));
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h1>"Add a person"</h1>
            <form id="person-form" class="row-form" on:submit=submit>
                <label>"Name" <input id="person-name" placeholder="a-z, 0-9, _ and ." bind:value=name /></label>
                <label>
                    "Password"
                    <input id="person-password" type="password" autocomplete="new-password" placeholder="12 characters or more" bind:value=password />
                </label>
                <label>
                    "Role"
                    <select id="person-role" on:change=move |ev| {
                        if let Ok(chosen) = event_target_value(&ev).parse() {
                            role.set(chosen);
                        }
                    }>
                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <button id="person-submit" class="primary" type="submit">"Add"</button>
            </form>
        </section>
    }
}
