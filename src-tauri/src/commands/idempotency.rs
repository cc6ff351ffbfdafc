//! Idempotency records: browse, show one, purge the expired.

use ledgerdesk_core::idempotency::PURGE_BATCH;
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::{IdempotencyQuery, IdempotencyRecord, Purged};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The selected tenant's records, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_idempotency_records(
    state: State<'_, AppState>,
    query: IdempotencyQuery,
) -> CommandResult<Vec<IdempotencyRecord>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_idempotency_records(&tenant, &query).await?)
}

/// One record of the selected tenant, with its fingerprint and stored response.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_idempotency_record(
    state: State<'_, AppState>,
    user: String,
    command: String,
    key: String,
) -> CommandResult<Option<IdempotencyRecord>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.get_idempotency_record(&tenant, &user, &command, &key).await?)
}

/// Deletes expired records, in bounded batches; returns how many.
#[tauri::command(rename_all = "snake_case")]
pub async fn purge_idempotency_records(state: State<'_, AppState>) -> CommandResult<Purged> {
    Ok(state.store().await?.purge_idempotency_records(PURGE_BATCH).await?)
}
