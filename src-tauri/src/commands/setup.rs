//! Master data from the UI: first-run set-up of a tenant and its series, further series (corrective ones
//! for credit notes), customers with their addresses.

use ledgerdesk_core::documents::CustomerChange;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{NewCustomer, NewSeries, NewTenant};
use ledgerdesk_types::api::{CustomerRequest, SeriesRequest, SetupRequest};
use ledgerdesk_types::catalog::{Customer, Series};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Creates (or confirms) a tenant and a series, and selects the tenant. An empty template takes the
/// default (see `ledgerdesk_core::catalog::templates`).
#[tauri::command(rename_all = "snake_case")]
pub async fn setup_tenant(state: State<'_, AppState>, request: SetupRequest) -> CommandResult<Series> {
    // The first-run set-up is one of the few places a book is created (in the settings' location).
    let store = state.store_creating().await?;
    let tenant = NewTenant {
        code: request.tenant_code,
        name: request.tenant_name,
        time_zone: request.time_zone,
        books_open_from: request.books_open_from,
        future_days_allowed: None,
    };
    let tenant = store.add_tenant(tenant).await?.value;
    let format = Some(request.series_format).filter(|format| !format.trim().is_empty());
    let series = NewSeries {
        tenant: tenant.code.clone(),
        code: request.series_code,
        format,
        reset: request.reset,
        corrective: false,
    };
    let series = store.add_series(series).await?.value;
    state.select_tenant(&tenant.code).await?;
    Ok(series)
}

/// The series of the selected tenant.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_series(state: State<'_, AppState>) -> CommandResult<Vec<Series>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_series(&tenant).await?)
}

/// The customers of the selected tenant.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_customers(state: State<'_, AppState>) -> CommandResult<Vec<Customer>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_customers(&tenant).await?)
}

/// Adds (or confirms) a customer of the selected tenant.
#[tauri::command(rename_all = "snake_case")]
pub async fn add_customer(state: State<'_, AppState>, request: CustomerRequest) -> CommandResult<Customer> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    let customer =
        NewCustomer { tenant: tenant.clone(), code: request.code, name: request.name, tax_id: request.tax_id };
    let customer = store.add_customer(customer).await?.value;
    if !request.address.is_empty() {
        let details = CustomerChange {
            tenant,
            customer: customer.code.clone(),
            address: request.address,
            vat_id: customer.tax_id.clone(),
            user,
        };
        store.set_customer_details(details).await?;
    }
    Ok(customer)
}

/// Adds (or confirms) a series of the selected tenant: a regular one, or a corrective one for credit
/// notes.
#[tauri::command(rename_all = "snake_case")]
pub async fn add_series(state: State<'_, AppState>, request: SeriesRequest) -> CommandResult<Series> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    let series = NewSeries {
        tenant,
        code: request.code,
        format: Some(request.format).filter(|format| !format.trim().is_empty()),
        reset: request.reset,
        corrective: request.corrective,
    };
    Ok(store.add_series(series).await?.value)
}
