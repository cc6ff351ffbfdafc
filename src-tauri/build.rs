//! Tauri's build step, with a permission generated for each of the app's own commands: the capability in
//! tauri.conf.json grants exactly these and nothing else.

fn main() {
    // The UI is embedded at compile time: rebuild when `bash ui/build.sh` has produced a new one.
    println!("cargo:rerun-if-changed=ui/dist");
    let manifest = tauri_build::AppManifest::new().commands(&[
        "get_settings",
        "save_settings",
        "test_connection",
        "book_status",
        "setup_tenant",
        "list_series",
        "list_customers",
        "add_customer",
        "issue_invoice",
        "list_invoices",
        "get_invoice",
        "audit_numbering",
        "list_licenses",
        "assign_license",
        "change_license",
        "expire_licenses",
        "list_idempotency_records",
        "get_idempotency_record",
        "purge_idempotency_records",
        "list_inbound_events",
        "get_inbound_event",
        "reapply_inbound_event",
        "list_outbound_messages",
        "get_outbound_message",
        "redeliver_message",
        "list_webhook_rejections",
        "webhook_counters",
        "list_endpoints",
        "add_endpoint",
        "set_endpoint_enabled",
        "list_sources",
        "add_source",
        "rotate_source_secret",
        "list_exports",
        "get_export",
        "export_rows",
        "diff_export",
        "prepare_export",
        "edit_export",
        "step_export",
        "list_destinations",
        "add_destination",
        "list_audit",
        "verify_audit",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)).expect("tauri build step");
}
