//! Exports: the list by state, preparing a period's export, destinations; a row opens the export
//! ([`detail`]): its quality panel and approvals, the workflow's buttons (enabled only when the current
//! user may take the step, with why not otherwise), the rows with edit in place ([`rows`]), the diff of
//! the three snapshots side by side ([`diff`]) and its audit trail with "Verify chain" ([`trail`]).

mod detail;
mod diff;
mod rows;
mod trail;

use ledgerdesk_types::{Destination, Export, ExportFormat, ExportQuery, ExportState, NewDestination, PrepareExport};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{optional, reload_after_writes};
use crate::api;
use crate::keys::SubmissionKeys;
use crate::state::use_ui;

pub(crate) fn state_label(state: ExportState) -> &'static str {
    match state {
        ExportState::Prepared => "prepared",
        ExportState::UnderReview => "under review",
        ExportState::Approved => "approved",
        ExportState::Rejected => "rejected",
        ExportState::Posted => "posted",
        ExportState::Failed => "failed",
        ExportState::RollbackRequested => "rollback asked",
        ExportState::RolledBack => "rolled back",
    }
}

#[component]
pub fn Exports() -> impl IntoView {
    let ui = use_ui();
    let state = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<Export>::new());
    let loaded = RwSignal::new(false);
    let selected = RwSignal::new(None::<i64>);
    let load = move || {
        let query = ExportQuery { state: state.get_untracked().parse().ok(), limit: Some(200) };
        spawn_local(async move {
            match api::list_exports(query).await {
                Ok(list) => {
                    rows.set(list);
                    loaded.set(true);
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    reload_after_writes(ui, load);

    view! {
        <section class="card">
            <h1>"Exports"</h1>
            <div class="filters">
                <select id="exports-filter-state" prop:value=move || state.get() on:change=move |ev| {
                    state.set(event_target_value(&ev));
                    load();
                }>
                    <option value="">"Any state"</option>
                    {ExportState::ALL.iter().map(|s| view! { <option value=s.as_str()>{state_label(*s)}</option> }).collect_view()}
                </select>
            </div>
            <table id="exports-table" class="grid">
                <thead>
                    <tr>
                        <th class="num">"#"</th>
                        <th>"Period"</th>
                        <th>"Destination"</th>
                        <th>"State"</th>
                        <th class="num">"Rows"</th>
                        <th class="num">"Gross"</th>
                        <th class="num">"Quality"</th>
                        <th>"Prepared by"</th>
                        <th class="num">"Version"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|e| (e.id, e.version)
                        children=move |e| {
                            let id = e.id;
                            view! {
                                <tr class=format!("row export-{}", e.state.as_str().to_lowercase()) on:click=move |_| selected.set(Some(id))>
                                    <td class="num">{e.id}</td>
                                    <td>{e.period.clone()}</td>
                                    <td>{format!("{} ({})", e.destination, e.format)}</td>
                                    <td class="status">{state_label(e.state)}</td>
                                    <td class="num">{e.rows}</td>
                                    <td class="num">{format!("{} {}", e.gross_total, e.currency.map(|c| c.code()).unwrap_or(""))}</td>
                                    <td class="num">{e.quality.score}</td>
                                    <td>{e.prepared_by.clone()}</td>
                                    <td class="num">{e.version}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            <Show when=move || loaded.get() && rows.with(|r| r.is_empty())>
                <p class="empty">"No exports yet: prepare one below."</p>
            </Show>
        </section>
        {move || selected.get().map(|id| view! { <detail::ExportDetail id=id selected=selected /> })}
        <Prepare selected=selected />
        <Destinations />
    }
}

/// Prepares the export of a period for a destination.
#[component]
fn Prepare(selected: RwSignal<Option<i64>>) -> impl IntoView {
    let ui = use_ui();
    let destinations = RwSignal::new(Vec::<Destination>::new());
    let destination = RwSignal::new(String::new());
    let period = RwSignal::new(crate::clock::now().format("%Y%m").to_string());
    let series = RwSignal::new(String::new());
    let keys = SubmissionKeys::<PrepareExport>::new();
    let load = move || {
        spawn_local(async move {
            if let Ok(list) = api::list_destinations().await {
                if destination.get_untracked().is_empty()
                    && let Some(first) = list.first()
                {
                    destination.set(first.name.clone());
                }
                destinations.set(list);
            }
        });
    };
    reload_after_writes(ui, load);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = PrepareExport {
            tenant: String::new(),
            destination: destination.get(),
            period: period.get().trim().to_owned(),
            series: optional(series.get()),
        };
        let key = keys.key_for(&request);
        spawn_local(async move {
            match api::prepare_export(request, key).await {
                Ok(reply) => {
                    keys.forget();
                    selected.set(Some(reply.value.id));
                    ui.succeed(format!("Export #{} prepared: {} rows", reply.value.id, reply.value.rows));
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Prepare an export"</h2>
            <form id="prepare-form" class="fields" on:submit=submit>
                <label>
                    "Destination"
                    <select id="prepare-destination" prop:value=move || destination.get() on:change=move |ev| destination.set(event_target_value(&ev))>
                        {move || destinations.get().into_iter().map(|d| {
                            let label = format!("{} ({}) → {}", d.name, d.format, d.folder);
                            view! { <option value=d.name.clone()>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Period" <input id="prepare-period" bind:value=period placeholder="202611 or 2026" /></label>
                <label>"Series (optional)" <input id="prepare-series" bind:value=series /></label>
                <button id="prepare-submit" type="submit" class="primary">"Prepare"</button>
            </form>
        </section>
    }
}

/// Adds a destination: where posted files are written, and in which layout.
#[component]
fn Destinations() -> impl IntoView {
    let ui = use_ui();
    let name = RwSignal::new(String::new());
    let format = RwSignal::new("datev".to_owned());
    let folder = RwSignal::new(String::new());
    let advisor = RwSignal::new(String::new());
    let client = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = NewDestination {
            tenant: String::new(),
            name: name.get().trim().to_owned(),
            format: format.get().parse().unwrap_or(ExportFormat::Csv),
            folder: folder.get().trim().to_owned(),
            advisor_number: advisor.get().trim().parse().ok(),
            client_number: client.get().trim().parse().ok(),
        };
        spawn_local(async move {
            match api::add_destination(request).await {
                Ok(added) => ui.succeed(format!("Destination {} writes to {}", added.name, added.folder)),
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Add a destination"</h2>
            <form id="destination-form" class="fields" on:submit=submit>
                <label>"Name" <input id="destination-name" bind:value=name placeholder="datev" /></label>
                <label>
                    "Format"
                    <select id="destination-format" prop:value=move || format.get() on:change=move |ev| format.set(event_target_value(&ev))>
                        <option value="datev">"DATEV Buchungsstapel"</option>
                        <option value="csv">"CSV"</option>
                        <option value="json">"JSON"</option>
                    </select>
                </label>
                <label>"Folder" <input id="destination-folder" class="wide" bind:value=folder placeholder="/srv/exports/datev" /></label>
                <Show when=move || format.get() == "datev">
                    <label>"Advisor no." <input id="destination-advisor" class="num" bind:value=advisor /></label>
                    <label>"Client no." <input id="destination-client" class="num" bind:value=client /></label>
                </Show>
                <button id="destination-submit" type="submit">"Add destination"</button>
            </form>
        </section>
    }
}
