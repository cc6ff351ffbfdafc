//! Webhooks: inbound events (re-apply a failed one), outbound messages (redeliver), refused requests,
//! the counters; sources and endpoints (their new secrets are returned once, to be shown once).

use std::time::Duration;

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::webhooks::inbound::NewSource;
use ledgerdesk_core::webhooks::outbound::NewEndpoint;
use ledgerdesk_types::api::{EndpointRequest, SourceRequest};
use ledgerdesk_types::{
    Endpoint, InboundEvent, OutboundMessage, Rejection, Source, WebhookCounters, WebhookQuery, WithSecret,
};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The selected tenant's inbound events, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_inbound_events(state: State<'_, AppState>, query: WebhookQuery) -> CommandResult<Vec<InboundEvent>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_events(&tenant, &query).await?)
}

/// One inbound event with its payload, headers and effect.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_inbound_event(state: State<'_, AppState>, id: i64) -> CommandResult<InboundEvent> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.get_event(&tenant, id).await?)
}

/// Applies a failed inbound event again, as the current user.
#[tauri::command(rename_all = "snake_case")]
pub async fn reapply_inbound_event(state: State<'_, AppState>, id: i64) -> CommandResult<InboundEvent> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.reapply_event(&tenant, id, &user).await?)
}

/// The selected tenant's outbound messages, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_outbound_messages(
    state: State<'_, AppState>,
    query: WebhookQuery,
) -> CommandResult<Vec<OutboundMessage>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_messages(&tenant, &query).await?)
}

/// One outbound message with every attempt.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_outbound_message(state: State<'_, AppState>, id: i64) -> CommandResult<OutboundMessage> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.get_message(&tenant, id).await?)
}

/// Sends a message again, now.
#[tauri::command(rename_all = "snake_case")]
pub async fn redeliver_message(state: State<'_, AppState>, id: i64) -> CommandResult<OutboundMessage> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.redeliver(&tenant, id).await?)
}

/// Requests refused before anything was applied, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_webhook_rejections(state: State<'_, AppState>) -> CommandResult<Vec<Rejection>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_rejections(&tenant, 200).await?)
}

/// Duplicates suppressed, signatures rejected, deliveries pending, delivered and failed.
#[tauri::command(rename_all = "snake_case")]
pub async fn webhook_counters(state: State<'_, AppState>) -> CommandResult<WebhookCounters> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.webhook_counters(&tenant).await?)
}

/// The selected tenant's endpoints.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_endpoints(state: State<'_, AppState>) -> CommandResult<Vec<Endpoint>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_endpoints(&tenant).await?)
}

/// Adds an endpoint with a generated secret, returned this once.
#[tauri::command(rename_all = "snake_case")]
pub async fn add_endpoint(state: State<'_, AppState>, request: EndpointRequest) -> CommandResult<WithSecret<Endpoint>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    let endpoint = NewEndpoint { tenant, url: request.url, event_types: request.events, secret: None, user };
    Ok(store.add_endpoint(endpoint).await?)
}

/// Disables or re-enables an endpoint.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_endpoint_enabled(state: State<'_, AppState>, id: i64, enabled: bool) -> CommandResult<Endpoint> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.set_endpoint_enabled(&tenant, id, enabled, &user).await?)
}

/// The selected tenant's sources.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_sources(state: State<'_, AppState>) -> CommandResult<Vec<Source>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.list_sources(&tenant).await?)
}

/// Adds a source with a generated secret, returned this once.
#[tauri::command(rename_all = "snake_case")]
pub async fn add_source(state: State<'_, AppState>, request: SourceRequest) -> CommandResult<WithSecret<Source>> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    Ok(store.add_source(NewSource { tenant, name: request.name, secret: None, user }).await?)
}

/// Gives a source a new secret (returned once); the old one verifies for a day more.
#[tauri::command(rename_all = "snake_case")]
pub async fn rotate_source_secret(state: State<'_, AppState>, name: String) -> CommandResult<WithSecret<Source>> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.rotate_source_secret(&tenant, &name, None, Duration::from_secs(24 * 3_600)).await?)
}
