//! The Ledgerdesk desktop shell: Tauri 2 around `ledgerdesk-core`.
//!
//! Commands are thin: deserialize, call the core library, serialize. Errors reach the UI as
//! `{code, message, message_tr, details}`.
//!
//! # Layout
//! - [`state`]: the open store and the settings, held in Tauri's managed state; the store can be
//!   switched at run time.
//! - [`settings`]: reading and writing the settings file.
//! - [`secrets`]: the connection's password, in the OS keyring.
//! - [`error`]: the error every command returns.
//! - [`commands`]: one module per domain (`settings`, `setup`, `invoices`, `licenses`, `idempotency`,
//!   `webhooks`, `exports`, `people`); a new screen adds a module.
//! - [`delivery`]: the background worker sending outbound webhooks while the window is open.

pub mod commands;
pub mod delivery;
pub mod error;
pub mod secrets;
pub mod settings;
pub mod state;

#[cfg(test)]
mod tests;

use state::AppState;

/// Starts the desktop app.
pub fn run() {
    let state = AppState::load(settings::SettingsFile::from_environment());
    tauri::Builder::default()
        .manage(state)
        .manage(std::sync::Arc::new(commands::batch::BatchRun::default()))
        .setup(|app| {
            delivery::spawn(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::settings::test_connection,
            commands::settings::book_status,
            commands::people::get_session,
            commands::people::sign_in,
            commands::people::sign_out,
            commands::people::list_users,
            commands::people::add_user,
            commands::people::grant_user,
            commands::people::revoke_user,
            commands::setup::setup_tenant,
            commands::setup::list_series,
            commands::setup::list_customers,
            commands::setup::add_customer,
            commands::setup::add_series,
            commands::invoices::issue_invoice,
            commands::invoices::credit_invoice,
            commands::invoices::list_invoices,
            commands::invoices::get_invoice,
            commands::documents::get_supplier_details,
            commands::documents::save_supplier_details,
            commands::documents::suggest_pdf_path,
            commands::documents::save_invoice_pdf,
            commands::documents::open_document,
            commands::invoices::audit_numbering,
            commands::batch::preview_batch,
            commands::batch::start_batch,
            commands::batch::batch_progress,
            commands::batch::cancel_batch,
            commands::licenses::list_licenses,
            commands::licenses::assign_license,
            commands::licenses::change_license,
            commands::licenses::expire_licenses,
            commands::idempotency::list_idempotency_records,
            commands::idempotency::get_idempotency_record,
            commands::idempotency::purge_idempotency_records,
            commands::webhooks::list_inbound_events,
            commands::webhooks::get_inbound_event,
            commands::webhooks::reapply_inbound_event,
            commands::webhooks::list_outbound_messages,
            commands::webhooks::get_outbound_message,
            commands::webhooks::redeliver_message,
            commands::webhooks::list_webhook_rejections,
            commands::webhooks::webhook_counters,
            commands::webhooks::list_endpoints,
            commands::webhooks::add_endpoint,
            commands::webhooks::set_endpoint_enabled,
            commands::webhooks::list_sources,
            commands::webhooks::add_source,
            commands::webhooks::rotate_source_secret,
            commands::exports::list_exports,
            commands::exports::get_export,
            commands::exports::export_rows,
            commands::exports::diff_export,
            commands::exports::prepare_export,
            commands::exports::edit_export,
            commands::exports::step_export,
            commands::exports::list_destinations,
            commands::exports::add_destination,
            commands::exports::list_audit,
            commands::exports::verify_audit,
        ])
        .run(tauri::generate_context!("tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("error[desktop_failed]: the Ledgerdesk window could not run: {e}");
            std::process::exit(1);
        });
}
