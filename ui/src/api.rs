//! Typed calls to the backend's Tauri commands. A command's error comes back as a value
//! ([`ErrorBody`]), never as a thrown exception.

use std::collections::BTreeMap;

use ledgerdesk_types::api::{
    BookStatus, Connection, CreditRequest, CustomerRequest, EndpointRequest, IssueRequest, SavedDocument,
    SeriesRequest, Session, Settings, SetupRequest, SignInRequest, SourceRequest, SupplierDetailsRequest,
};
use ledgerdesk_types::catalog::{Customer, Series};
use ledgerdesk_types::{
    AssignLicense, AuditEntry, AuditQuery, BatchFilePreview, BatchFileRequest, BatchFileSummary, ChainVerdict,
    ChangeLicense, Currency, Destination, EditExport, Endpoint, ErrorBody, Export, ExportDiff, ExportQuery, ExportStep,
    IdempotencyQuery, IdempotencyRecord, InboundEvent, InvoiceListQuery, InvoiceSummary, IssuedInvoice, JournalRow,
    License, LicenseQuery, NewDestination, NewUser, NumberingAudit, OutboundMessage, PrepareExport, Purged, Rejection,
    Reply, Snapshot, Source, SupplierDetails, UserChange, UserRecord, WebhookCounters, WebhookQuery, WithSecret,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Tauri's IPC entry point, present in every Tauri webview.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], catch)]
    async fn invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue, replacer: &JsValue, indent: u32) -> Result<JsValue, JsValue>;
}

/// `text` indented for reading when it is JSON, else unchanged (a payload shown as it came).
pub fn pretty_json(text: &str) -> String {
    json_parse(text)
        .and_then(|value| json_stringify(&value, &JsValue::NULL, 2))
        .ok()
        .and_then(|value| value.as_string())
        .unwrap_or_else(|| text.to_owned())
}

/// Parses JSON text an error carried in its details (the webview's parser: no JSON crate in the UI).
pub fn from_json<T: DeserializeOwned>(text: &str) -> Option<T> {
    json_parse(text).ok().and_then(|value| serde_wasm_bindgen::from_value(value).ok())
}

fn client_error(code: &str, message: String) -> ErrorBody {
    ErrorBody { code: code.into(), message_tr: message.clone(), message, details: None }
}

async fn call<A: Serialize, R: DeserializeOwned>(command: &str, args: &A) -> Result<R, ErrorBody> {
    let args = args
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| client_error("ui_encoding_failed", e.to_string()))?;
    match invoke(command, args).await {
        Ok(value) => {
            serde_wasm_bindgen::from_value(value).map_err(|e| client_error("ui_decoding_failed", e.to_string()))
        }
        Err(error) => Err(serde_wasm_bindgen::from_value(error.clone())
            .unwrap_or_else(|_| client_error("ipc_failed", error.as_string().unwrap_or_else(|| format!("{error:?}"))))),
    }
}

#[derive(Serialize)]
struct NoArgs {}

/// The arguments of a command that takes one, named as its Rust parameter.
fn one<T: Serialize>(name: &'static str, value: T) -> BTreeMap<&'static str, T> {
    BTreeMap::from([(name, value)])
}

pub async fn get_settings() -> Result<Settings, ErrorBody> {
    call("get_settings", &NoArgs {}).await
}

#[derive(Serialize)]
struct SaveSettings {
    settings: Settings,
    create: bool,
}

/// Saves the settings; `create` starts a new book where there is none (the user said yes to it).
pub async fn save_settings(settings: Settings, create: bool) -> Result<Settings, ErrorBody> {
    call("save_settings", &SaveSettings { settings, create }).await
}

pub async fn get_session() -> Result<Session, ErrorBody> {
    call("get_session", &NoArgs {}).await
}

pub async fn sign_in(request: SignInRequest) -> Result<Session, ErrorBody> {
    call("sign_in", &one("request", request)).await
}

pub async fn sign_out() -> Result<Session, ErrorBody> {
    call("sign_out", &NoArgs {}).await
}

pub async fn list_users() -> Result<Vec<UserRecord>, ErrorBody> {
    call("list_users", &NoArgs {}).await
}

pub async fn add_user(request: NewUser) -> Result<UserRecord, ErrorBody> {
    call("add_user", &one("request", request)).await
}

/// Grants (`grant`) or revokes `change` of a person.
pub async fn change_user(change: UserChange, grant: bool) -> Result<UserRecord, ErrorBody> {
    call(if grant { "grant_user" } else { "revoke_user" }, &one("request", change)).await
}

pub async fn book_status() -> Result<BookStatus, ErrorBody> {
    call("book_status", &NoArgs {}).await
}

pub async fn test_connection(connection: Connection) -> Result<String, ErrorBody> {
    call("test_connection", &one("connection", connection)).await
}

pub async fn setup_tenant(request: SetupRequest) -> Result<Series, ErrorBody> {
    call("setup_tenant", &one("request", request)).await
}

pub async fn list_series() -> Result<Vec<Series>, ErrorBody> {
    call("list_series", &NoArgs {}).await
}

pub async fn list_customers() -> Result<Vec<Customer>, ErrorBody> {
    call("list_customers", &NoArgs {}).await
}

pub async fn add_customer(request: CustomerRequest) -> Result<Customer, ErrorBody> {
    call("add_customer", &one("request", request)).await
}

/// A write and the idempotency key of its submission.
#[derive(Serialize)]
struct Keyed<T> {
    request: T,
    idempotency_key: String,
}

pub async fn issue_invoice(request: IssueRequest, key: String) -> Result<Reply<IssuedInvoice>, ErrorBody> {
    call("issue_invoice", &Keyed { request, idempotency_key: key }).await
}

pub async fn credit_invoice(request: CreditRequest, key: String) -> Result<Reply<IssuedInvoice>, ErrorBody> {
    call("credit_invoice", &Keyed { request, idempotency_key: key }).await
}

pub async fn add_series(request: SeriesRequest) -> Result<Series, ErrorBody> {
    call("add_series", &one("request", request)).await
}

pub async fn get_supplier_details() -> Result<SupplierDetails, ErrorBody> {
    call("get_supplier_details", &NoArgs {}).await
}

pub async fn save_supplier_details(request: SupplierDetailsRequest) -> Result<SupplierDetails, ErrorBody> {
    call("save_supplier_details", &one("request", request)).await
}

pub async fn suggest_pdf_path(number: String) -> Result<String, ErrorBody> {
    call("suggest_pdf_path", &one("number", number)).await
}

#[derive(Serialize)]
struct SavePdf {
    number: String,
    path: String,
}

pub async fn save_invoice_pdf(number: String, path: String) -> Result<SavedDocument, ErrorBody> {
    call("save_invoice_pdf", &SavePdf { number, path }).await
}

pub async fn open_document(path: String) -> Result<(), ErrorBody> {
    call("open_document", &one("path", path)).await
}

#[derive(Serialize)]
struct PreviewBatch {
    path: String,
    currency: Currency,
}

pub async fn preview_batch(path: String, currency: Currency) -> Result<BatchFilePreview, ErrorBody> {
    call("preview_batch", &PreviewBatch { path, currency }).await
}

pub async fn start_batch(request: BatchFileRequest) -> Result<BatchFileSummary, ErrorBody> {
    call("start_batch", &one("request", request)).await
}

pub async fn batch_progress() -> Result<Option<BatchFileSummary>, ErrorBody> {
    call("batch_progress", &NoArgs {}).await
}

pub async fn cancel_batch() -> Result<Option<BatchFileSummary>, ErrorBody> {
    call("cancel_batch", &NoArgs {}).await
}

pub async fn list_licenses(query: LicenseQuery) -> Result<Vec<License>, ErrorBody> {
    call("list_licenses", &one("query", query)).await
}

pub async fn assign_license(request: AssignLicense, key: String) -> Result<Reply<License>, ErrorBody> {
    call("assign_license", &Keyed { request, idempotency_key: key }).await
}

pub async fn change_license(request: ChangeLicense, key: String) -> Result<Reply<License>, ErrorBody> {
    call("change_license", &Keyed { request, idempotency_key: key }).await
}

pub async fn expire_licenses() -> Result<u64, ErrorBody> {
    call("expire_licenses", &NoArgs {}).await
}

pub async fn list_idempotency_records(query: IdempotencyQuery) -> Result<Vec<IdempotencyRecord>, ErrorBody> {
    call("list_idempotency_records", &one("query", query)).await
}

#[derive(Serialize)]
struct RecordId {
    user: String,
    command: String,
    key: String,
}

pub async fn get_idempotency_record(
    user: String,
    command: String,
    key: String,
) -> Result<Option<IdempotencyRecord>, ErrorBody> {
    call("get_idempotency_record", &RecordId { user, command, key }).await
}

pub async fn purge_idempotency_records() -> Result<Purged, ErrorBody> {
    call("purge_idempotency_records", &NoArgs {}).await
}

pub async fn list_invoices(query: InvoiceListQuery) -> Result<Vec<InvoiceSummary>, ErrorBody> {
    call("list_invoices", &one("query", query)).await
}

pub async fn get_invoice(number: String) -> Result<IssuedInvoice, ErrorBody> {
    call("get_invoice", &one("number", number)).await
}

pub async fn audit_numbering() -> Result<Vec<NumberingAudit>, ErrorBody> {
    call("audit_numbering", &NoArgs {}).await
}

pub async fn list_inbound_events(query: WebhookQuery) -> Result<Vec<InboundEvent>, ErrorBody> {
    call("list_inbound_events", &one("query", query)).await
}

pub async fn get_inbound_event(id: i64) -> Result<InboundEvent, ErrorBody> {
    call("get_inbound_event", &one("id", id)).await
}

pub async fn reapply_inbound_event(id: i64) -> Result<InboundEvent, ErrorBody> {
    call("reapply_inbound_event", &one("id", id)).await
}

pub async fn list_outbound_messages(query: WebhookQuery) -> Result<Vec<OutboundMessage>, ErrorBody> {
    call("list_outbound_messages", &one("query", query)).await
}

pub async fn get_outbound_message(id: i64) -> Result<OutboundMessage, ErrorBody> {
    call("get_outbound_message", &one("id", id)).await
}

pub async fn redeliver_message(id: i64) -> Result<OutboundMessage, ErrorBody> {
    call("redeliver_message", &one("id", id)).await
}

pub async fn list_webhook_rejections() -> Result<Vec<Rejection>, ErrorBody> {
    call("list_webhook_rejections", &NoArgs {}).await
}

pub async fn webhook_counters() -> Result<WebhookCounters, ErrorBody> {
    call("webhook_counters", &NoArgs {}).await
}

pub async fn list_endpoints() -> Result<Vec<Endpoint>, ErrorBody> {
    call("list_endpoints", &NoArgs {}).await
}

pub async fn add_endpoint(request: EndpointRequest) -> Result<WithSecret<Endpoint>, ErrorBody> {
    call("add_endpoint", &one("request", request)).await
}

#[derive(Serialize)]
struct EndpointSwitch {
    id: i64,
    enabled: bool,
}

pub async fn set_endpoint_enabled(id: i64, enabled: bool) -> Result<Endpoint, ErrorBody> {
    call("set_endpoint_enabled", &EndpointSwitch { id, enabled }).await
}

pub async fn list_sources() -> Result<Vec<Source>, ErrorBody> {
    call("list_sources", &NoArgs {}).await
}

pub async fn add_source(request: SourceRequest) -> Result<WithSecret<Source>, ErrorBody> {
    call("add_source", &one("request", request)).await
}

pub async fn rotate_source_secret(name: String) -> Result<WithSecret<Source>, ErrorBody> {
    call("rotate_source_secret", &one("name", name)).await
}

pub async fn list_exports(query: ExportQuery) -> Result<Vec<Export>, ErrorBody> {
    call("list_exports", &one("query", query)).await
}

pub async fn get_export(id: i64) -> Result<Export, ErrorBody> {
    call("get_export", &one("id", id)).await
}

#[derive(Serialize)]
struct RowsOf {
    id: i64,
    snapshot: Snapshot,
}

pub async fn export_rows(id: i64, snapshot: Snapshot) -> Result<Vec<JournalRow>, ErrorBody> {
    call("export_rows", &RowsOf { id, snapshot }).await
}

#[derive(Serialize)]
struct DiffOf {
    id: i64,
    from: Snapshot,
    to: Snapshot,
}

pub async fn diff_export(id: i64, from: Snapshot, to: Snapshot) -> Result<ExportDiff, ErrorBody> {
    call("diff_export", &DiffOf { id, from, to }).await
}

pub async fn prepare_export(request: PrepareExport, key: String) -> Result<Reply<Export>, ErrorBody> {
    call("prepare_export", &Keyed { request, idempotency_key: key }).await
}

pub async fn edit_export(request: EditExport, key: String) -> Result<Reply<Export>, ErrorBody> {
    call("edit_export", &Keyed { request, idempotency_key: key }).await
}

pub async fn step_export(request: ExportStep, key: String) -> Result<Reply<Export>, ErrorBody> {
    call("step_export", &Keyed { request, idempotency_key: key }).await
}

pub async fn list_destinations() -> Result<Vec<Destination>, ErrorBody> {
    call("list_destinations", &NoArgs {}).await
}

pub async fn add_destination(request: NewDestination) -> Result<Destination, ErrorBody> {
    call("add_destination", &one("request", request)).await
}

pub async fn list_audit(query: AuditQuery) -> Result<Vec<AuditEntry>, ErrorBody> {
    call("list_audit", &one("query", query)).await
}

pub async fn verify_audit() -> Result<ChainVerdict, ErrorBody> {
    call("verify_audit", &NoArgs {}).await
}
