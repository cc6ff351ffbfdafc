//! Licenses: the list by holder and status, the assign form, and per-license actions (extend, suspend,
//! resume, revoke). Every write carries an idempotency key; every change names the version shown, and a
//! version conflict shows what changed since and offers a reload.

use chrono::{Duration, NaiveDate, NaiveTime};
use ledgerdesk_types::{
    AssignLicense, ChangeLicense, ErrorBody, Extension, License, LicenseAction, LicenseQuery, LicenseStatus,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{optional, reload_after_writes};
use crate::api;
use crate::clock;
use crate::keys::{SubmissionKeys, fresh_key};
use crate::state::use_ui;

fn invalid(field: &str, message: &str, message_tr: &str) -> ErrorBody {
    ErrorBody {
        code: "invalid_input".into(),
        message: format!("invalid {field}: {message}"),
        message_tr: format!("geçersiz {field}: {message_tr}"),
        details: Some(field.into()),
    }
}

fn when(instant: chrono::DateTime<chrono::Utc>) -> String {
    instant.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// What a version conflict shows: the license as this screen showed it, and as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Conflict {
    shown: License,
    now: License,
}

impl Conflict {
    /// (field, as shown, now) for every field that differs.
    fn changes(&self) -> Vec<(&'static str, String, String)> {
        let (a, b) = (&self.shown, &self.now);
        let mut changes = vec![("version", a.version.to_string(), b.version.to_string())];
        let mut field = |name, before: String, after: String| {
            if before != after {
                changes.push((name, before, after));
            }
        };
        field("status", a.status.as_str().into(), b.status.as_str().into());
        field("expires", when(a.expires_at), when(b.expires_at));
        field("seats", a.seats.to_string(), b.seats.to_string());
        field("plan", a.plan.clone(), b.plan.clone());
        field("changed by", a.updated_by.clone(), b.updated_by.clone());
        changes
    }
}

#[component]
pub fn Licenses() -> impl IntoView {
    let ui = use_ui();
    let holder_filter = RwSignal::new(String::new());
    let status_filter = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<License>::new());
    let loaded = RwSignal::new(false);
    let conflict = RwSignal::new(None::<Conflict>);
    let extend_days = RwSignal::new("30".to_owned());
    // Row actions are keyed by this screen's session, the license, its version and the action: a
    // double-click sends one key twice, a reload (new version) makes a new one.
    let session = StoredValue::new(fresh_key());

    let load = move || {
        let query = LicenseQuery {
            holder: optional(holder_filter.get_untracked()),
            status: status_filter.get_untracked().parse().ok(),
        };
        spawn_local(async move {
            match api::list_licenses(query).await {
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

    let act = move |shown: License, action: LicenseAction| {
        let verb = action.command().trim_start_matches("license.");
        let detail = match action {
            LicenseAction::Extend(Extension::ByDays(days)) => format!("{days}d"),
            _ => String::new(),
        };
        let key = format!("{}-{verb}{detail}-{}-v{}", session.get_value(), shown.id, shown.version);
        let request =
            ChangeLicense { tenant: String::new(), license: shown.id, expected_version: shown.version, action };
        spawn_local(async move {
            match api::change_license(request, key).await {
                Ok(reply) => {
                    conflict.set(None);
                    let l = reply.value;
                    let replayed = if reply.replayed { " (replayed)" } else { "" };
                    ui.succeed(format!(
                        "License #{}: {} until {}, version {}{replayed}",
                        l.id,
                        l.status.as_str(),
                        when(l.expires_at),
                        l.version
                    ));
                }
                Err(error) => {
                    if error.code == "version_conflict"
                        && let Some(now) = error.details.as_deref().and_then(api::from_json)
                    {
                        conflict.set(Some(Conflict { shown, now }));
                    }
                    ui.fail(error);
                }
            }
        });
    };
    let reload = move |_| {
        conflict.set(None);
        ui.error.set(None);
        load();
    };

    view! {
        <AssignForm />
        <section class="card">
            <h1>"Licenses"</h1>
            <form class="filters" on:submit=filter>
                <input id="license-filter-holder" placeholder="Holder" bind:value=holder_filter />
                <select id="license-filter-status" prop:value=move || status_filter.get() on:change=move |ev| status_filter.set(event_target_value(&ev))>
                    <option value="">"Any status"</option>
                    {LicenseStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                </select>
                <button type="submit">"Filter"</button>
                <button id="license-sweep" type="button" on:click=move |_| spawn_local(async move {
                    match api::expire_licenses().await {
                        Ok(n) => ui.succeed(format!("{n} licenses past their expiry marked EXPIRED")),
                        Err(error) => ui.fail(error),
                    }
                })>"Mark expired"</button>
                <label class="inline">
                    "Extend by"
                    <input id="extend-days" class="num" bind:value=extend_days inputmode="numeric" />
                    "days"
                </label>
            </form>
            {move || conflict.get().map(|c| {
                let id = c.now.id;
                let by = c.now.updated_by.clone();
                view! {
                    <div id="conflict" class="conflict">
                        <p>{format!("License #{id} was changed by {by} since you loaded it. Nothing was written.")}</p>
                        <table class="grid">
                            <thead><tr><th>"Field"</th><th>"You saw"</th><th>"Now"</th></tr></thead>
                            <tbody>
                                {c.changes().into_iter().map(|(field, before, after)| view! {
                                    <tr><td>{field}</td><td>{before}</td><td class="changed">{after}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <button id="conflict-reload" class="primary" on:click=reload>"Reload and decide again"</button>
                    </div>
                }
            })}
            <table id="license-table" class="grid">
                <thead>
                    <tr>
                        <th class="num">"#"</th>
                        <th>"Holder"</th>
                        <th>"Product / plan"</th>
                        <th class="num">"Seats"</th>
                        <th>"Status"</th>
                        <th>"Valid"</th>
                        <th class="num">"Version"</th>
                        <th>"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|l| (l.id, l.version, l.status)
                        children=move |l| {
                            let status = l.status;
                            let id = l.id;
                            let button = move |label: &'static str, name: &'static str, shown: &License, make: fn(u32) -> Option<LicenseAction>| {
                                let shown = shown.clone();
                                view! {
                                    <button
                                        id=format!("{name}-{id}")
                                        type="button"
                                        on:click=move |_| {
                                            let days = extend_days.get_untracked().trim().parse::<u32>().unwrap_or(0);
                                            match make(days) {
                                                Some(action) => act(shown.clone(), action),
                                                None => ui.fail(invalid("days", "must be a whole number from 1", "1 veya daha büyük bir tam sayı olmalıdır")),
                                            }
                                        }
                                    >
                                        {label}
                                    </button>
                                }
                            };
                            let live = matches!(status, LicenseStatus::Active | LicenseStatus::Suspended);
                            // The row is re-made whenever its version or status changes, so its
                            // buttons are fixed at creation.
                            let actions = (
                                live.then(|| button("Extend", "extend", &l, |days| (days > 0).then_some(LicenseAction::Extend(Extension::ByDays(days))))),
                                (status == LicenseStatus::Active).then(|| button("Suspend", "suspend", &l, |_| Some(LicenseAction::Suspend))),
                                (status == LicenseStatus::Suspended).then(|| button("Resume", "resume", &l, |_| Some(LicenseAction::Resume))),
                                live.then(|| button("Revoke", "revoke", &l, |_| Some(LicenseAction::Revoke))),
                            );
                            view! {
                                <tr id=format!("license-{id}") class=format!("status-{}", status.as_str().to_lowercase())>
                                    <td class="num">{id}</td>
                                    <td>{l.holder.clone()}</td>
                                    <td>{format!("{} / {}", l.product, l.plan)}</td>
                                    <td class="num">{l.seats}</td>
                                    <td class="status">{status.as_str()}</td>
                                    <td>{format!("{} → {}", when(l.starts_at), when(l.expires_at))}</td>
                                    <td class="num version">{l.version}</td>
                                    <td class="actions">
                                        {actions}
                                    </td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            <Show when=move || loaded.get() && rows.with(|r| r.is_empty())>
                <p class="empty">"No licenses."</p>
            </Show>
        </section>
    }
}

/// Assign a license. One key per distinct submission: submitting the same assignment again replays.
#[component]
fn AssignForm() -> impl IntoView {
    let ui = use_ui();
    let holder = RwSignal::new(String::new());
    let product = RwSignal::new("books".to_owned());
    let plan = RwSignal::new("standard".to_owned());
    let seats = RwSignal::new("1".to_owned());
    let a_year_on = clock::now().date_naive() + Duration::days(365);
    let expires = RwSignal::new(a_year_on.to_string());
    let busy = RwSignal::new(false);
    let keys = SubmissionKeys::<AssignLicense>::new();

    let request = move || -> Result<AssignLicense, ErrorBody> {
        let seats = seats.get_untracked().trim().parse::<i32>().map_err(|_| {
            invalid(
                "seats",
                "must be a whole number from 1 to 100,000",
                "1 ile 100.000 arasında bir tam sayı olmalıdır",
            )
        })?;
        let expires = expires.get_untracked();
        let expires_on = expires
            .trim()
            .parse::<NaiveDate>()
            .map_err(|_| invalid("expires_at", "pick an expiry date", "bir bitiş tarihi seçin"))?;
        Ok(AssignLicense {
            tenant: String::new(),
            holder: holder.get_untracked().trim().to_owned(),
            product: product.get_untracked().trim().to_owned(),
            plan: plan.get_untracked().trim().to_owned(),
            seats,
            starts_at: None,
            expires_at: expires_on.and_time(NaiveTime::MIN).and_utc(),
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let request = match request() {
            Ok(request) => request,
            Err(error) => return ui.fail(error),
        };
        let key = keys.key_for(&request);
        busy.set(true);
        spawn_local(async move {
            match api::assign_license(request, key).await {
                Ok(reply) => {
                    let l = reply.value;
                    let how = if reply.replayed { "Already assigned (replayed)" } else { "Assigned" };
                    ui.succeed(format!("{how}: license #{} to {} until {}", l.id, l.holder, when(l.expires_at)));
                }
                Err(error) => ui.fail(error),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card">
            <h2>"Assign a license"</h2>
            <form id="assign-form" class="fields" on:submit=submit>
                <label>"Holder" <input id="assign-holder" bind:value=holder placeholder="user name" /></label>
                <label>"Product" <input id="assign-product" bind:value=product /></label>
                <label>"Plan" <input id="assign-plan" bind:value=plan /></label>
                <label>"Seats" <input id="assign-seats" class="num" bind:value=seats inputmode="numeric" /></label>
                <label>"Expires" <input id="assign-expires" type="date" bind:value=expires /></label>
                <button id="assign-submit" type="submit" class="primary" disabled=move || busy.get()>"Assign"</button>
            </form>
            <p class="hint">
                "Request key: "
                <code id="assign-key">{move || keys.current().unwrap_or_else(|| "made when you submit".into())}</code>
            </p>
        </section>
    }
}
