//! One file per screen, and the little they share.

pub mod audit;
pub mod detail;
pub mod idempotency;
pub mod invoices;
pub mod issue;
pub mod licenses;
pub mod settings;

use leptos::prelude::*;

use crate::state::Ui;

/// A filter field's text, or nothing when it is blank.
pub fn optional(text: String) -> Option<String> {
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Runs `load` on first show and after every write, once a tenant is selected.
pub fn reload_after_writes(ui: Ui, load: impl Fn() + 'static) {
    Effect::new(move |_| {
        ui.version.track();
        ui.settings.track();
        if ui.settings.with(|s| s.as_ref().is_some_and(|s| s.tenant.is_some())) {
            load();
        }
    });
}
