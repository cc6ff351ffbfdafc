//! The three snapshots side by side: every field that differs anywhere, its value as prepared, as
//! approved and as posted, changed cells highlighted, with who changed it, when and why.

use std::collections::BTreeMap;

use ledgerdesk_types::{Export, FieldChange, Snapshot};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::screens::time;
use crate::state::use_ui;

/// One differing field across the snapshots.
#[derive(Clone, Default)]
struct Line {
    prepared: Option<String>,
    approved: Option<String>,
    posted: Option<String>,
    change: Option<FieldChange>,
}

/// A value as shown: a dash for an empty field, "(no row)" where the row is not in that snapshot.
fn shown(value: &Option<String>) -> String {
    match value.as_deref() {
        None => "(no row)".into(),
        Some("") => "—".into(),
        Some(text) => text.to_owned(),
    }
}

#[component]
pub fn SideBySide(export: Export) -> impl IntoView {
    let ui = use_ui();
    let lines = RwSignal::new(None::<Vec<((String, String), Line)>>);
    let (id, posted) = (export.id, export.posted.is_some());
    spawn_local(async move {
        let reviewed = api::diff_export(id, Snapshot::Prepared, Snapshot::Approved).await;
        let written =
            if posted { Some(api::diff_export(id, Snapshot::Approved, Snapshot::Posted).await) } else { None };
        let (reviewed, written) = match (reviewed, written.transpose()) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(error), _) | (_, Err(error)) => return ui.fail(error),
        };
        let mut by_field: BTreeMap<(String, String), Line> = BTreeMap::new();
        for change in reviewed.changes {
            let line = by_field.entry((change.row_id.clone(), change.field.clone())).or_default();
            line.prepared = change.before.clone();
            line.approved = change.after.clone();
            line.posted = if posted { change.after.clone() } else { None };
            line.change = Some(change);
        }
        for change in written.map(|d| d.changes).unwrap_or_default() {
            let line = by_field.entry((change.row_id.clone(), change.field.clone())).or_default();
            if line.change.is_none() {
                line.prepared = change.before.clone();
            }
            line.approved = change.before.clone();
            line.posted = change.after.clone();
        }
        lines.set(Some(by_field.into_iter().collect()));
    });
    view! {
        {move || lines.get().map(|lines| {
            let empty = lines.is_empty();
            view! {
                <table id="export-diff" class="grid diff">
                    <thead>
                        <tr>
                            <th>"Row"</th>
                            <th>"Field"</th>
                            <th>"Prepared"</th>
                            <th>"Approved"</th>
                            <th>{if posted { "Posted" } else { "Posted (not yet)" }}</th>
                            <th>"Changed by · when · why"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {lines.into_iter().map(|((row, field), line)| {
                            let changed = |a: &Option<String>, b: &Option<String>| a != b;
                            let approved_changed = changed(&line.prepared, &line.approved);
                            let posted_changed = posted && changed(&line.approved, &line.posted);
                            let who = line.change.as_ref().map(|c| match (&c.by, &c.at, &c.reason) {
                                (Some(by), Some(at), Some(reason)) => format!("{by} · {} · {reason}", time(Some(*at))),
                                _ => "—".into(),
                            }).unwrap_or_else(|| "—".into());
                            view! {
                                <tr>
                                    <td class="number">{row}</td>
                                    <td>{field}</td>
                                    <td>{shown(&line.prepared)}</td>
                                    <td class:changed-cell=approved_changed>{shown(&line.approved)}</td>
                                    <td class:changed-cell=posted_changed>{if posted { shown(&line.posted) } else { String::new() }}</td>
                                    <td class="who">{who}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <Show when=move || empty>
                    <p class="empty">"The snapshots are the same: nothing was changed in review."</p>
                </Show>
            }
        })}
    }
}
