//! The reviewed copy's rows; a click on an editable field edits it in place, with a mandatory reason.

use ledgerdesk_types::{EditExport, Export, ExportAction, JournalRow, RowField, Snapshot};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::keys::SubmissionKeys;
use crate::state::use_ui;

/// The columns shown, and the field each edits (if any).
const COLUMNS: [(&str, &str, Option<RowField>); 11] = [
    ("row_id", "Row", None),
    ("date", "Date", None),
    ("account", "Account", Some(RowField::Account)),
    ("contra_account", "Contra", Some(RowField::ContraAccount)),
    ("tax_code", "Tax code", Some(RowField::TaxCode)),
    ("tax_rate", "Rate %", None),
    ("net", "Net", Some(RowField::Net)),
    ("tax", "Tax", Some(RowField::Tax)),
    ("gross", "Gross", None),
    ("cost_centre", "Cost centre", Some(RowField::CostCentre)),
    ("text", "Text", Some(RowField::Text)),
];

#[component]
pub fn Rows(export: Export, on_change: impl Fn(Export) + Copy + Send + Sync + 'static) -> impl IntoView {
    let ui = use_ui();
    let rows = RwSignal::new(Vec::<JournalRow>::new());
    let editing = RwSignal::new(None::<(String, RowField, String)>);
    let value = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let keys = SubmissionKeys::<EditExport>::new();
    let editable = export.actions.iter().any(|a| a.action == ExportAction::Edit && a.allowed);
    let (id, version) = (export.id, export.version);
    spawn_local(async move {
        match api::export_rows(id, Snapshot::Approved).await {
            Ok(list) => rows.set(list),
            Err(error) => ui.fail(error),
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((row_id, field, _)) = editing.get_untracked() else { return };
        let request = EditExport {
            tenant: String::new(),
            export: id,
            expected_version: version,
            row_id,
            field,
            value: value.get_untracked(),
            reason: reason.get_untracked(),
        };
        let key = keys.key_for(&request);
        spawn_local(async move {
            match api::edit_export(request, key).await {
                Ok(reply) => {
                    keys.forget();
                    editing.set(None);
                    ui.succeed(format!("Export #{id}: {} of {} changed", field.as_str(), reply.value.id));
                    on_change(reply.value);
                }
                Err(error) => ui.fail(error),
            }
        });
    };

    view! {
        <p class="hint">
            {if editable { "Click an account, tax code, amount, cost centre or text to correct it, with a reason." } else { "This export cannot be edited now." }}
        </p>
        {move || editing.get().map(|(row_id, field, _)| view! {
            <form id="edit-form" class="fields edit-box" on:submit=save>
                <strong>{format!("{row_id} · {}", field.as_str())}</strong>
                <label>"New value" <input id="edit-value" bind:value=value /></label>
                <label>"Reason (required)" <input id="edit-reason" class="wide" bind:value=reason /></label>
                <button id="edit-save" type="submit" class="primary">"Save"</button>
                <button type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
            </form>
        })}
        <table id="export-rows" class="grid rows">
            <thead>
                <tr>{COLUMNS.iter().map(|(_, label, _)| view! { <th>{*label}</th> }).collect_view()}</tr>
            </thead>
            <tbody>
                <For
                    each=move || rows.get()
                    key=|r| r.row_id.clone()
                    children=move |r| {
                        let cells = COLUMNS.iter().map(|(name, _, field)| {
                            let text = r.field(name).unwrap_or_default();
                            let class = format!("field-{name}{}", if field.is_some() && editable { " editable" } else { "" });
                            let (row_id, field, current) = (r.row_id.clone(), *field, text.clone());
                            view! {
                                <td class=class on:click=move |_| {
                                    if let (Some(field), true) = (field, editable) {
                                        value.set(current.clone());
                                        reason.set(String::new());
                                        editing.set(Some((row_id.clone(), field, current.clone())));
                                    }
                                }>{text}</td>
                            }
                        }).collect_view();
                        view! { <tr>{cells}</tr> }
                    }
                />
            </tbody>
        </table>
    }
}
