//! An export's audit trail, and verifying the tenant's whole chain.

use ledgerdesk_types::{AuditEntry, AuditQuery, ChainVerdict};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::screens::time;
use crate::state::use_ui;

#[component]
pub fn Trail(export: i64) -> impl IntoView {
    let ui = use_ui();
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let verdict = RwSignal::new(None::<ChainVerdict>);
    let query = AuditQuery { subject: Some(format!("export:{export}")), limit: Some(500), ..AuditQuery::default() };
    spawn_local(async move {
        match api::list_audit(query).await {
            Ok(list) => entries.set(list),
            Err(error) => ui.fail(error),
        }
    });
    let verify = move |_| {
        spawn_local(async move {
            match api::verify_audit().await {
                Ok(found) => verdict.set(Some(found)),
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <div class="actions-bar">
            <button id="verify-chain" on:click=verify>"Verify chain"</button>
            {move || verdict.get().map(|v| match &v.broken {
                None => view! {
                    <span id="chain-verdict" class="verdict ok">
                        {format!("Intact: {} entries, head {}…", v.entries, &v.head_hash[..16])}
                    </span>
                }.into_any(),
                Some(link) => view! {
                    <span id="chain-verdict" class="verdict bad">
                        {format!("BROKEN at entry {}: {} ({})", link.seq, link.kind, link.detail)}
                    </span>
                }.into_any(),
            })}
        </div>
        <table id="export-trail" class="grid">
            <thead>
                <tr>
                    <th class="num">"#"</th>
                    <th>"When"</th>
                    <th>"Who"</th>
                    <th>"What"</th>
                    <th>"Why"</th>
                    <th>"Hash"</th>
                </tr>
            </thead>
            <tbody>
                {move || entries.get().into_iter().map(|e| view! {
                    <tr>
                        <td class="num">{e.seq}</td>
                        <td>{time(Some(e.at))}</td>
                        <td>{e.actor.clone()}</td>
                        <td>{e.action.clone()}</td>
                        <td>{e.reason.clone().unwrap_or_default()}</td>
                        <td class="number" title=e.hash.clone()>{format!("{}…", &e.hash[..12])}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
