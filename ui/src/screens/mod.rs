//! One file per screen, and the little they share.

pub mod audit;
pub mod batch;
pub mod credit;
pub mod detail;
pub mod document;
pub mod exports;
pub mod idempotency;
pub mod invoices;
pub mod issue;
pub mod licenses;
pub mod people;
pub mod settings;
pub mod webhooks;

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::state::Ui;

/// A filter field's text, or nothing when it is blank.
pub fn optional(text: String) -> Option<String> {
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// An instant as the screens show it, or a dash.
pub fn time(instant: Option<DateTime<Utc>>) -> String {
    instant.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_else(|| "—".into())
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

/// Runs `load` again every `period` while the screen shows and a tenant is selected: for records that
/// change with no click here (the background webhook worker, another desktop).
pub fn refresh_every(ui: Ui, period: Duration, load: impl Fn() + 'static) {
    let tick = move || {
        if ui.settings.with_untracked(|s| s.as_ref().is_some_and(|s| s.tenant.is_some())) {
            load();
        }
    };
    if let Ok(handle) = set_interval_with_handle(tick, period) {
        on_cleanup(move || handle.clear());
    }
}
