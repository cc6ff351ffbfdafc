//! Webhooks: the counters, then three tabs: inbound events (re-apply a failed one), outbound messages
//! (redeliver; disable or enable an endpoint) and refused requests. What shows refreshes every few
//! seconds, since the background worker and the receiver change it with no click here. Sources and
//! endpoints are set up in Settings ([`setup`]).

mod inbound;
mod outbound;
mod rejected;
pub mod setup;

use std::time::Duration;

use ledgerdesk_types::{WebhookCounters, WebhookQuery};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{optional, refresh_every, reload_after_writes};
use crate::state::use_ui;
use crate::{api, clock};

/// How often the screen reloads what shows.
const REFRESH: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Inbound,
    Outbound,
    Rejected,
}

#[component]
pub fn Webhooks() -> impl IntoView {
    let ui = use_ui();
    let tab = RwSignal::new(Tab::Inbound);
    let counters = RwSignal::new(WebhookCounters::default());
    let load = move || {
        spawn_local(async move {
            match api::webhook_counters().await {
                Ok(now) => counters.set(now),
                Err(error) => ui.fail(error),
            }
        });
    };
    reload_after_writes(ui, load);
    refresh_every(ui, REFRESH, load);

    let counter = move |id: &'static str, label: &'static str, value: fn(&WebhookCounters) -> u64| {
        view! {
            <div class="counter">
                <span class="value" id=id>{move || counters.with(value)}</span>
                <span class="label">{label}</span>
            </div>
        }
    };
    let tab_button = move |which: Tab, id: &'static str, label: &'static str| {
        view! {
            <button id=id class="subtab" class:active=move || tab.get() == which on:click=move |_| tab.set(which)>
                {label}
            </button>
        }
    };

    view! {
        <section class="card">
            <h1>"Webhooks"</h1>
            <div class="counters">
                {counter("count-duplicates", "duplicates suppressed", |c| c.duplicates_suppressed)}
                {counter("count-signatures", "signatures rejected", |c| c.signatures_rejected)}
                {counter("count-inbound-failed", "inbound failed", |c| c.inbound_failed)}
                {counter("count-pending", "deliveries pending", |c| c.pending)}
                {counter("count-delivered", "delivered", |c| c.delivered)}
                {counter("count-deliveries-failed", "deliveries failed", |c| c.deliveries_failed)}
            </div>
            <div class="subtabs">
                {tab_button(Tab::Inbound, "tab-inbound", "Inbound")}
                {tab_button(Tab::Outbound, "tab-outbound", "Outbound")}
                {tab_button(Tab::Rejected, "tab-rejected", "Refused requests")}
            </div>
        </section>
        {move || match tab.get() {
            Tab::Inbound => view! { <inbound::InboundEvents /> }.into_any(),
            Tab::Outbound => view! { <outbound::OutboundMessages /> }.into_any(),
            Tab::Rejected => view! { <rejected::Rejections /> }.into_any(),
        }}
    }
}

/// The filters both lists share; `peer` is a source name (inbound) or an endpoint id (outbound).
#[derive(Clone, Copy)]
struct Filters {
    status: RwSignal<String>,
    event_type: RwSignal<String>,
    peer: RwSignal<String>,
    /// Hours back, or empty for any time.
    within_hours: RwSignal<String>,
}

impl Filters {
    fn new() -> Self {
        Filters {
            status: RwSignal::new(String::new()),
            event_type: RwSignal::new(String::new()),
            peer: RwSignal::new(String::new()),
            within_hours: RwSignal::new(String::new()),
        }
    }

    fn query(&self) -> WebhookQuery {
        WebhookQuery {
            status: optional(self.status.get_untracked()),
            event_type: optional(self.event_type.get_untracked()),
            peer: optional(self.peer.get_untracked()),
            since: self
                .within_hours
                .get_untracked()
                .parse::<i64>()
                .ok()
                .map(|h| clock::now() - chrono::Duration::hours(h)),
            limit: Some(200),
        }
    }
}

/// The filter bar: status (`statuses` are the names the backend takes), event type, peer, time.
#[component]
fn FilterBar(
    filters: Filters,
    statuses: &'static [&'static str],
    /// (value, label) of each source or endpoint.
    peers: RwSignal<Vec<(String, String)>>,
    peer_label: &'static str,
    on_filter: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let select = |signal: RwSignal<String>| {
        (move || signal.get(), move |ev: leptos::ev::Event| signal.set(event_target_value(&ev)))
    };
    let (status_value, status_change) = select(filters.status);
    let (peer_value, peer_change) = select(filters.peer);
    let (time_value, time_change) = select(filters.within_hours);
    view! {
        <form
            class="filters"
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                on_filter();
            }
        >
            <select class="filter-status" prop:value=status_value on:change=status_change>
                <option value="">"Any status"</option>
                {statuses.iter().map(|s| view! { <option value=*s>{s.replace('_', " ")}</option> }).collect_view()}
            </select>
            <input class="filter-type" placeholder="Event type" bind:value=filters.event_type />
            <select class="filter-peer" prop:value=peer_value on:change=peer_change>
                <option value="">{peer_label}</option>
                {move || {
                    peers.get().into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()
                }}
            </select>
            <select class="filter-time" prop:value=time_value on:change=time_change>
                <option value="">"Any time"</option>
                <option value="1">"Last hour"</option>
                <option value="24">"Last 24 hours"</option>
                <option value="168">"Last 7 days"</option>
                <option value="720">"Last 30 days"</option>
            </select>
            <button type="submit">"Filter"</button>
        </form>
    }
}
