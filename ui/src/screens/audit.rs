//! The continuity audit per series and period.

use ledgerdesk_types::NumberingAudit;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::state::use_ui;

fn positions(list: &[i64]) -> String {
    if list.is_empty() { "—".into() } else { list.iter().map(i64::to_string).collect::<Vec<_>>().join(", ") }
}

#[component]
pub fn Audit() -> impl IntoView {
    let ui = use_ui();
    let report = RwSignal::new(Vec::<NumberingAudit>::new());
    Effect::new(move |_| {
        ui.version.track();
        spawn_local(async move {
            match api::audit_numbering().await {
                Ok(rows) => report.set(rows),
                Err(error) => ui.fail(error),
            }
        });
    });
    view! {
        <section class="card">
            <h1>"Numbering continuity"</h1>
            <table id="audit-table" class="grid">
                <thead>
                    <tr>
                        <th>"Series"</th>
                        <th>"Period"</th>
                        <th class="num">"Issued"</th>
                        <th class="num">"First"</th>
                        <th class="num">"Last"</th>
                        <th>"Gaps"</th>
                        <th>"Duplicates"</th>
                        <th>"Voided"</th>
                        <th>"Reserved"</th>
                        <th>"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        report
                            .get()
                            .into_iter()
                            .map(|a| {
                                let clean = a.is_clean();
                                view! {
                                    <tr>
                                        <td>{a.series.clone()}</td>
                                        <td>{a.period.clone()}</td>
                                        <td class="num">{a.count}</td>
                                        <td class="num">{a.first.map(|v| v.to_string()).unwrap_or_default()}</td>
                                        <td class="num">{a.last.map(|v| v.to_string()).unwrap_or_default()}</td>
                                        <td>{positions(&a.gaps)}</td>
                                        <td>{positions(&a.duplicates)}</td>
                                        <td>{positions(&a.voided)}</td>
                                        <td>{positions(&a.reserved)}</td>
                                        <td class:ok=clean class:bad=!clean>
                                            {if clean { "continuous" } else { "BROKEN" }}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </section>
    }
}
