//! One export: what it is, its quality and approvals, and the workflow's buttons for the current user.

use ledgerdesk_types::api::Language;
use ledgerdesk_types::{ErrorBody, Export, ExportAction, ExportState, ExportStep, Severity};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{diff, rows, state_label, trail};
use crate::api;
use crate::keys::SubmissionKeys;
use crate::screens::{optional, reload_after_writes, time};
use crate::state::use_ui;

const STEPS: [(ExportAction, &str, &str); 6] = [
    (ExportAction::Submit, "export-submit", "Submit for review"),
    (ExportAction::Approve, "export-approve", "Approve"),
    (ExportAction::Reject, "export-reject", "Reject"),
    (ExportAction::Post, "export-post", "Post"),
    (ExportAction::Rollback, "export-rollback", "Ask to roll back"),
    (ExportAction::Revise, "export-revise", "Revise"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Rows,
    Diff,
    Trail,
}

/// What a post that did not post says, as an error for the banner.
fn not_posted(export: &Export) -> Option<ErrorBody> {
    let code = match export.state {
        ExportState::Failed => "export_file_failed",
        ExportState::UnderReview => "approval_invalid",
        _ => return None,
    };
    let message = export.error.clone().unwrap_or_default();
    Some(ErrorBody { code: code.into(), message_tr: message.clone(), message, details: None })
}

#[component]
pub fn ExportDetail(id: i64, selected: RwSignal<Option<i64>>) -> impl IntoView {
    let ui = use_ui();
    let export = RwSignal::new(None::<Export>);
    let reason = RwSignal::new(String::new());
    let acknowledge = RwSignal::new(false);
    let tab = RwSignal::new(Tab::Rows);
    let keys = SubmissionKeys::<ExportStep>::new();
    reload_after_writes(ui, move || {
        spawn_local(async move {
            match api::get_export(id).await {
                Ok(found) => export.set(Some(found)),
                Err(error) => ui.fail(error),
            }
        });
    });
    let take = move |action: ExportAction| {
        let Some(current) = export.get_untracked() else { return };
        let request = ExportStep {
            tenant: String::new(),
            export: current.id,
            expected_version: current.version,
            action,
            reason: optional(reason.get_untracked()),
            acknowledge: acknowledge.get_untracked(),
        };
        let key = keys.key_for(&request);
        spawn_local(async move {
            match api::step_export(request, key).await {
                Ok(reply) => {
                    keys.forget();
                    reason.set(String::new());
                    let after = reply.value;
                    if after.id != id {
                        selected.set(Some(after.id));
                    }
                    let refused = (action == ExportAction::Post).then(|| not_posted(&after)).flatten();
                    ui.succeed(format!("Export #{}: {}", after.id, state_label(after.state)));
                    if let Some(error) = refused {
                        ui.fail(error);
                    }
                }
                Err(error) => ui.fail(error),
            }
        });
    };

    view! {
        {move || export.get().map(|e| {
            let turkish = ui.language() == Language::Tr;
            let why_not = |a: &ledgerdesk_types::ActionState| {
                if turkish { a.why_not_tr.clone() } else { a.why_not.clone() }.unwrap_or_default()
            };
            let needs_ack = e.quality.needs_acknowledgement();
            let refusals: Vec<(String, String)> = STEPS
                .iter()
                .filter_map(|(action, _, label)| {
                    let state = e.actions.iter().find(|a| a.action == *action)?;
                    (!state.allowed).then(|| ((*label).to_owned(), why_not(state)))
                })
                .collect();
            view! {
                <section id="export-detail" class="card">
                    <h2>
                        {format!("Export #{} · {} · {}", e.id, e.period, e.destination)}
                        <span id="export-state" class=format!("state-badge export-{}", e.state.as_str().to_lowercase())>{state_label(e.state)}</span>
                    </h2>
                    <dl class="facts">
                        <dt>"Totals"</dt>
                        <dd id="export-totals">{format!("net {} · tax {} · gross {} {} · {} rows", e.net_total, e.tax_total, e.gross_total, e.currency.map(|c| c.code()).unwrap_or(""), e.rows)}</dd>
                        <dt>"Prepared"</dt><dd>{format!("by {} at {}", e.prepared_by, time(Some(e.prepared_at)))}</dd>
                        <dt>"Version · round"</dt><dd id="export-version">{format!("{} · review round {}", e.version, e.review_round)}</dd>
                        <dt>"Edited by"</dt><dd>{if e.editors.is_empty() { "nobody".to_owned() } else { e.editors.join(", ") }}</dd>
                        <dt>"Rows hash"</dt><dd><code>{e.snapshot_hash.clone()}</code></dd>
                        {e.revision_of.map(|of| view! { <dt>"Revises"</dt><dd>{format!("export #{of}")}</dd> })}
                        {e.posted.clone().map(|f| view! {
                            <dt>"Posted file"</dt>
                            <dd id="export-posted"><code>{f.path.clone()}</code>{format!(" · {} bytes · sha256 {} · {}", f.size, f.sha256, time(Some(f.at)))}</dd>
                        })}
                        {e.rollback_requested_by.clone().map(|who| view! {
                            <dt>"Rollback asked"</dt><dd>{format!("by {who}: {}", e.rollback_reason.clone().unwrap_or_default())}</dd>
                        })}
                        {e.reversal.clone().map(|f| view! {
                            <dt>"Reversal file"</dt>
                            <dd id="export-reversal"><code>{f.path.clone()}</code>{format!(" · {} bytes · sha256 {}", f.size, f.sha256)}</dd>
                        })}
                        {e.error.clone().map(|error| view! { <dt>"Last problem"</dt><dd class="bad" id="export-error">{error}</dd> })}
                    </dl>
                    <div class="workflow">
                        <input id="export-reason" class="wide" placeholder="Reason (needed to reject or roll back)" bind:value=reason />
                        <Show when=move || needs_ack>
                            <label class="inline">
                                <input id="export-acknowledge" type="checkbox" prop:checked=move || acknowledge.get() on:change=move |ev| acknowledge.set(event_target_checked(&ev)) />
                                "I have seen that amounts differ from the invoices"
                            </label>
                        </Show>
                        <div class="actions-bar">
                            {STEPS.iter().map(|(action, id, label)| {
                                let action = *action;
                                let state = e.actions.iter().find(|a| a.action == action).cloned();
                                let allowed = state.as_ref().is_some_and(|s| s.allowed);
                                let title = state.as_ref().map(why_not).unwrap_or_default();
                                let primary = matches!(action, ExportAction::Approve | ExportAction::Post);
                                view! {
                                    <button id=*id class:primary=primary disabled=!allowed title=title on:click=move |_| take(action)>{*label}</button>
                                }
                            }).collect_view()}
                        </div>
                        <ul id="export-why-not" class="why-not">
                            {refusals.into_iter().map(|(label, why)| view! { <li><strong>{label}</strong>": "{why}</li> }).collect_view()}
                        </ul>
                    </div>
                    <h2>{format!("Quality {} / 100 (needs {})", e.quality.score, e.quality.threshold)}</h2>
                    <ul id="export-quality" class="findings">
                        {e.quality.findings.iter().map(|f| {
                            let class = if f.severity == Severity::Error { "finding error" } else { "finding warning" };
                            let message = if turkish { f.message_tr.clone() } else { f.message.clone() };
                            let examples = f.examples.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
                            view! { <li class=class><code>{f.code.clone()}</code>" "{message}<span class="hint">{format!(" — {examples}")}</span></li> }
                        }).collect_view()}
                        {e.quality.findings.is_empty().then(|| view! { <li class="finding ok">"No findings."</li> })}
                    </ul>
                    <h2>{format!("Approvals ({} needed)", e.approvals_required)}</h2>
                    <ul id="export-approvals">
                        {e.approvals.iter().map(|a| view! {
                            <li class:stale=!a.valid>
                                {format!("{} level {} (round {}) by {} at {}, until {}{}{}", a.kind, a.level, a.round, a.approver, time(Some(a.approved_at)), time(Some(a.lapses_at)),
                                    if a.acknowledged { ", amounts acknowledged" } else { "" },
                                    if a.valid { "" } else { " — no longer holds" })}
                            </li>
                        }).collect_view()}
                        {e.approvals.is_empty().then(|| view! { <li class="hint">"None yet."</li> })}
                    </ul>
                </section>
                <section class="card">
                    <div class="subtabs">
                        <button id="export-tab-rows" class="subtab" class:active=move || tab.get() == Tab::Rows on:click=move |_| tab.set(Tab::Rows)>"Rows"</button>
                        <button id="export-tab-diff" class="subtab" class:active=move || tab.get() == Tab::Diff on:click=move |_| tab.set(Tab::Diff)>"Diff"</button>
                        <button id="export-tab-trail" class="subtab" class:active=move || tab.get() == Tab::Trail on:click=move |_| tab.set(Tab::Trail)>"Audit trail"</button>
                    </div>
                    {let e = e.clone(); move || match tab.get() {
                        Tab::Rows => view! { <rows::Rows export=e.clone() on_change=move |after| export.set(Some(after)) /> }.into_any(),
                        Tab::Diff => view! { <diff::SideBySide export=e.clone() /> }.into_any(),
                        Tab::Trail => view! { <trail::Trail export=e.id /> }.into_any(),
                    }}
                </section>
            }
        })}
    }
}
