//! The invoice document from the desktop: "PDF / Print" on an invoice's detail (save where the user
//! chooses, then open it in the system's viewer to print or send), and the supplier details Settings
//! edits.

use ledgerdesk_types::api::{SavedDocument, SupplierDetailsRequest};
use ledgerdesk_types::{DocumentLanguage, SupplierDetails};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::state::use_ui;

/// Saves the PDF of invoice `number` at the path shown (the documents folder, unless changed).
#[component]
pub fn PdfPanel(number: String) -> impl IntoView {
    let ui = use_ui();
    let path = RwSignal::new(String::new());
    let saved: RwSignal<Option<SavedDocument>> = RwSignal::new(None);
    {
        let number = number.clone();
        spawn_local(async move {
            match api::suggest_pdf_path(number).await {
                Ok(suggested) => path.set(suggested),
                Err(error) => ui.fail(error),
            }
        });
    }
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (number, chosen) = (number.clone(), path.get_untracked());
        spawn_local(async move {
            match api::save_invoice_pdf(number, chosen).await {
                Ok(document) => {
                    let how = if document.printed.reprint { "identical to its first print" } else { "first print" };
                    ui.succeed(format!("Saved {} ({how})", document.path));
                    saved.set(Some(document));
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    let open = move |_| {
        if let Some(document) = saved.get_untracked() {
            spawn_local(async move {
                if let Err(error) = api::open_document(document.path).await {
                    ui.fail(error);
                }
            });
        }
    };
    view! {
        <section class="card">
            <h2>"PDF / Print"</h2>
            <form id="pdf-form" class="fields" on:submit=save>
                <label>"Save as" <input id="pdf-path" class="wide" bind:value=path /></label>
                <button id="pdf-save" type="submit" class="primary">"Save PDF"</button>
            </form>
            {move || saved.get().map(|document| view! {
                <p id="pdf-saved" class="hint">
                    {format!("{} · {} bytes · SHA-256 {}", document.path, document.printed.bytes, document.printed.sha256)}
                </p>
                <button id="pdf-open" on:click=open>"Open to print or send"</button>
            })}
        </section>
    }
}

/// The address, VAT id, IBAN and language the selected tenant's documents print.
#[component]
pub fn SupplierDetailsForm() -> impl IntoView {
    let ui = use_ui();
    let legal_name = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let vat_id = RwSignal::new(String::new());
    let iban = RwSignal::new(String::new());
    let language = RwSignal::new("en".to_owned());
    let fill = move |details: SupplierDetails| {
        legal_name.set(details.legal_name);
        address.set(details.address.join("\n"));
        vat_id.set(details.vat_id.unwrap_or_default());
        iban.set(details.iban.unwrap_or_default());
        language.set(details.language.as_str().to_owned());
    };
    spawn_local(async move {
        // A book with no tenant selected yet has no details to show: the form stays empty.
        if let Ok(details) = api::get_supplier_details().await {
            fill(details);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SupplierDetailsRequest {
            address: address.get_untracked().lines().map(str::to_owned).collect(),
            vat_id: Some(vat_id.get_untracked()),
            iban: Some(iban.get_untracked()),
            language: language.get_untracked().parse().unwrap_or(DocumentLanguage::En),
        };
        spawn_local(async move {
            match api::save_supplier_details(request).await {
                Ok(details) => {
                    fill(details);
                    ui.succeed("Document details saved; invoices printed from now on show them");
                }
                Err(error) => ui.fail(error),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Invoice documents"</h2>
            <p class="hint">{move || format!("What invoices print of {} besides its name. Printed invoices keep what they printed.", legal_name.get())}</p>
            <form id="supplier-form" class="fields" on:submit=submit>
                <label>
                    "Address (a line each)"
                    <textarea id="supplier-address" class="wide" rows="3" prop:value=move || address.get()
                        on:input=move |ev| address.set(event_target_value(&ev))></textarea>
                </label>
                <label>"VAT ID" <input id="supplier-vat-id" bind:value=vat_id /></label>
                <label>"IBAN" <input id="supplier-iban" bind:value=iban /></label>
                <label>
                    "Document language"
                    <select id="supplier-language" prop:value=move || language.get() on:change=move |ev| language.set(event_target_value(&ev))>
                        <option value="en">"English"</option>
                        <option value="tr">"Türkçe"</option>
                    </select>
                </label>
                <button id="supplier-submit" type="submit">"Save document details"</button>
            </form>
        </section>
    }
}
