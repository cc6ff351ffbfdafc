//! Staged exports and the audit trail: list, open, rows and diff; prepare, edit, and every workflow step
//! (each with the idempotency key its form made); destinations; the trail and its verification. The
//! tenant is always the selected one, the actor and viewer the current user.

use ledgerdesk_core::prelude::*;
use ledgerdesk_types::{
    AuditEntry, AuditQuery, ChainVerdict, Destination, EditExport, Export, ExportDiff, ExportQuery, ExportStep,
    JournalRow, NewDestination, PrepareExport, Reply, Snapshot,
};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The selected tenant's exports, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_exports(state: State<'_, AppState>, query: ExportQuery) -> CommandResult<Vec<Export>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_exports(&tenant, &query).await?)
}

/// One export, with what the current user may do now.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_export(state: State<'_, AppState>, id: i64) -> CommandResult<Export> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.get_export(&tenant, id, &user).await?)
}

/// The rows of one snapshot.
#[tauri::command(rename_all = "snake_case")]
pub async fn export_rows(state: State<'_, AppState>, id: i64, snapshot: Snapshot) -> CommandResult<Vec<JournalRow>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.export_rows(&tenant, id, snapshot).await?)
}

/// The field-level diff between two snapshots.
#[tauri::command(rename_all = "snake_case")]
pub async fn diff_export(
    state: State<'_, AppState>,
    id: i64,
    from: Snapshot,
    to: Snapshot,
) -> CommandResult<ExportDiff> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.diff_export(&tenant, id, from, to).await?)
}

/// Prepares an export of a period.
#[tauri::command(rename_all = "snake_case")]
pub async fn prepare_export(
    state: State<'_, AppState>,
    request: PrepareExport,
    idempotency_key: Option<String>,
) -> CommandResult<Reply<Export>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.prepare_export(PrepareExport { tenant, ..request }, &user, idempotency_key.as_deref()).await?)
}

/// Corrects one field of one row, with a reason.
#[tauri::command(rename_all = "snake_case")]
pub async fn edit_export(
    state: State<'_, AppState>,
    request: EditExport,
    idempotency_key: Option<String>,
) -> CommandResult<Reply<Export>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.edit_export(EditExport { tenant, ..request }, &user, idempotency_key.as_deref()).await?)
}

/// Submits, approves, rejects, posts, rolls back or revises.
#[tauri::command(rename_all = "snake_case")]
pub async fn step_export(
    state: State<'_, AppState>,
    request: ExportStep,
    idempotency_key: Option<String>,
) -> CommandResult<Reply<Export>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.step_export(ExportStep { tenant, ..request }, &user, idempotency_key.as_deref()).await?)
}

/// The selected tenant's destinations.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_destinations(state: State<'_, AppState>) -> CommandResult<Vec<Destination>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_destinations(&tenant).await?)
}

/// Adds a destination (an identical one is found, not added twice).
#[tauri::command(rename_all = "snake_case")]
pub async fn add_destination(state: State<'_, AppState>, request: NewDestination) -> CommandResult<Destination> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.add_destination(NewDestination { tenant, ..request }, &user).await?.value)
}

/// The selected tenant's audit trail, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_audit(state: State<'_, AppState>, query: AuditQuery) -> CommandResult<Vec<AuditEntry>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_audit(&tenant, &query).await?)
}

/// Recomputes the selected tenant's audit chain.
#[tauri::command(rename_all = "snake_case")]
pub async fn verify_audit(state: State<'_, AppState>) -> CommandResult<ChainVerdict> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.verify_audit(&tenant).await?)
}
