//! Licenses: list, assign, change (extend, suspend, resume, revoke), sweep expired.
//! Every change carries the idempotency key the form generated for its submission.

use ledgerdesk_core::prelude::*;
use ledgerdesk_types::{AssignLicense, ChangeLicense, License, LicenseQuery, Reply};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The selected tenant's licenses, newest first, expiry applied.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_licenses(state: State<'_, AppState>, query: LicenseQuery) -> CommandResult<Vec<License>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_licenses(&tenant, &query).await?)
}

/// Assigns a license in the selected tenant, as the current user.
#[tauri::command(rename_all = "snake_case")]
pub async fn assign_license(
    state: State<'_, AppState>,
    request: AssignLicense,
    idempotency_key: Option<String>,
) -> CommandResult<Reply<License>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    let request = AssignLicense { tenant, ..request };
    Ok(store.assign_license(request, &user, idempotency_key.as_deref()).await?)
}

/// Changes a license of the selected tenant, if it is still at the version the form showed.
#[tauri::command(rename_all = "snake_case")]
pub async fn change_license(
    state: State<'_, AppState>,
    request: ChangeLicense,
    idempotency_key: Option<String>,
) -> CommandResult<Reply<License>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    let request = ChangeLicense { tenant, ..request };
    Ok(store.change_license(request, &user, idempotency_key.as_deref()).await?)
}

/// Writes EXPIRED on the selected tenant's licenses past their expiry; returns how many.
#[tauri::command(rename_all = "snake_case")]
pub async fn expire_licenses(state: State<'_, AppState>) -> CommandResult<u64> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.expire_licenses(&tenant, &user).await?)
}
