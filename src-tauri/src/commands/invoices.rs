//! Invoices: issue, credit, list, show, and the continuity audit.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{CreditInvoice, IssueInvoice};
use ledgerdesk_types::api::{CreditRequest, IssueRequest};
use ledgerdesk_types::{InvoiceListQuery, InvoiceSummary, IssuedInvoice, NumberingAudit, Reply};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Issues an invoice for the selected tenant, recorded under the current user, at most once per key.
#[tauri::command(rename_all = "snake_case")]
pub async fn issue_invoice(
    state: State<'_, AppState>,
    request: IssueRequest,
    idempotency_key: Option<String>,
) -> CommandResult<Reply<IssuedInvoice>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    let request = IssueInvoice {
        tenant,
        series: request.series,
        customer: request.customer.filter(|c| !c.trim().is_empty()),
        issue_date: request.issue_date,
        currency: request.currency,
        lines: request.lines,
        user,
        reserved: None,
    };
    Ok(store.issue_invoice_keyed(request, idempotency_key.as_deref()).await?)
}

/// Credits an invoice of the selected tenant with a credit note, under the current user, at most once
/// per key.
#[tauri::command(rename_all = "snake_case")]
pub async fn credit_invoice(
    state: State<'_, AppState>,
    request: CreditRequest,
    idempotency_key: Option<String>,
) -> CommandResult<Reply<IssuedInvoice>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    let request = CreditInvoice {
        tenant,
        invoice: request.invoice,
        series: request.series,
        reason: request.reason,
        issue_date: request.issue_date,
        scope: request.scope,
        user,
    };
    Ok(store.credit_invoice(request, idempotency_key.as_deref()).await?)
}

/// One page of the selected tenant's invoices, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_invoices(state: State<'_, AppState>, query: InvoiceListQuery) -> CommandResult<Vec<InvoiceSummary>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_invoices(&tenant, &query).await?)
}

/// One invoice with its lines.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_invoice(state: State<'_, AppState>, number: String) -> CommandResult<IssuedInvoice> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.get_invoice(&tenant, &number).await?)
}

/// The continuity audit of every series and period of the selected tenant.
#[tauri::command(rename_all = "snake_case")]
pub async fn audit_numbering(state: State<'_, AppState>) -> CommandResult<Vec<NumberingAudit>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.audit_numbering(&tenant).await?)
}
